"""Thin Celery tasks for reports: ids in, one plain function call."""

from celery import shared_task
from django.conf import settings
from django.utils import translation

from . import bulletins, burndown, ledgers


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
