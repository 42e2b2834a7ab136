"""Thin Celery tasks for reports: ids in, one plain function call."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from . import bulletins, burndown, ledgers
from .imports import jobs


@shared_task(acks_late=True)
def bulletins_generate_due() -> list[int]:
    return bulletins.bulletins_generate_due()


@shared_task(acks_late=True)
def ledger_export_run(export_id: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        ledgers.ledger_export_run(export_id=export_id)


@shared_task(acks_late=True)
def burndown_days_write() -> int:
    """Nightly: the burn-down's snapshot of the days not written yet (reports.burndown)."""
    return burndown.burndown_days_write()


@shared_task(acks_late=True)
def ledger_import_run(import_id: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        jobs.ledger_import_run(import_id=import_id)


@shared_task(acks_late=True)
def ledger_jobs_reclaim() -> dict:
    return jobs.ledger_jobs_reclaim()


@shared_task(acks_late=True)
def ledger_imports_purge() -> int:
    return jobs.ledger_imports_purge()
