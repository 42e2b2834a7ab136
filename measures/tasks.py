"""Thin Celery tasks: each calls one plain function (also runnable as `manage.py run_job NAME`)."""

from celery import shared_task

from . import alerts, overdue


@shared_task(acks_late=True)
def overdue_scan() -> int:
    return overdue.overdue_scan()


@shared_task(acks_late=True)
def reminders_scan() -> int:
    return overdue.reminders_scan()


@shared_task(acks_late=True)
def lookbacks_create() -> int:
    return overdue.lookbacks_create()


@shared_task(acks_late=True)
def alerts_dispatch() -> int:
    return len(alerts.alerts_dispatch())


@shared_task(acks_late=True)
def daily_jobs() -> dict:
    """The daily run in order: flag, remind, create look-backs, then tell people once."""
    return {
        "overdue": overdue.overdue_scan(),
        "reminders": overdue.reminders_scan(),
        "lookbacks": overdue.lookbacks_create(),
        "notifications": len(alerts.alerts_dispatch()),
    }
