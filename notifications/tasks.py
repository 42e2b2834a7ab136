"""Thin tasks: ids in, one plain function call, unexpected errors raise (bounded retries)."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (OSError, ConnectionError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5}


@shared_task(acks_late=True, **RETRY)
def deliver_notification(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True)
def deliver_pending() -> int:
    ids = services.notifications_pending_delivery()
    for pk in ids:
        services.notification_deliver(notification_id=pk)
    return len(ids)
