"""Creating digests and delivering them by email and SMS, each exactly once per channel."""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import Notification, Preference

log = logging.getLogger(__name__)


def notifications_create(*, batch_key: str, digests: dict[int, dict]) -> list[int]:
    """One notification per recipient for this batch; a second call with the same batch adds nothing.

    ``digests`` maps a user id to {"title": …, "body": …, "items": […]}.
    """
    rows = [
        Notification(recipient_id=user_id, batch_key=batch_key, title=d["title"], body=d.get("body", ""),
                     items=d.get("items", []))
        for user_id, d in digests.items()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Notification.objects.filter(batch_key=batch_key, recipient_id__in=digests).values_list("pk", flat=True)
    )


def notification_mark_read(*, notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def _claim(notification_id: int, field: str) -> bool:
    """The conditional UPDATE is the lock: only one worker can move the marker from NULL."""
    return bool(
        Notification.objects.filter(pk=notification_id, **{f"{field}__isnull": True}).update(
            **{field: timezone.now()}
        )
    )


def _release(notification_id: int, field: str) -> None:
    Notification.objects.filter(pk=notification_id).update(**{field: None})


def _text(notification: Notification) -> str:
    lines = [notification.body] if notification.body else []
    lines += [f"- {item.get('text', '')}" for item in notification.items]
    return "\n".join(lines)


def notification_deliver(*, notification_id: int) -> None:
    """Send by email and SMS where the person wants them. A failed send releases its marker and
    raises, so the task retries; a send that succeeded is never repeated."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    preference = Preference.objects.filter(user_id=notification.recipient_id).first()
    wants_email = preference.email if preference else True
    wants_sms = preference.sms if preference else False
    recipient = notification.recipient
    if not (wants_email and recipient.email):
        _claim(notification_id, "email_sent_at")
    elif _claim(notification_id, "email_sent_at"):
        try:
            send_mail(notification.title, _text(notification), settings.DEFAULT_FROM_EMAIL, [recipient.email])
        except Exception:
            _release(notification_id, "email_sent_at")
            raise
    if not (wants_sms and settings.SMS_GATEWAY_URL):
        _claim(notification_id, "sms_sent_at")
    elif _claim(notification_id, "sms_sent_at"):
        try:
            sms_send(user=recipient, text=notification.title)
        except OSError:
            # An unreachable gateway is logged and retried later; it never breaks the run.
            log.warning("SMS gateway unreachable for notification %s", notification_id, exc_info=True)
            _release(notification_id, "sms_sent_at")
            Notification.objects.filter(pk=notification_id).update(delivery_attempts=F("delivery_attempts") + 1)


def sms_send(*, user, text: str) -> None:
    """POST {"to": phone-or-username, "text": …} as JSON to SMS_GATEWAY_URL (off unless set)."""
    payload = json.dumps({"to": getattr(user, "phone", "") or user.username, "text": text}).encode()
    request = urllib.request.Request(
        settings.SMS_GATEWAY_URL, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"SMS gateway answered {response.status}")


def notifications_pending_delivery(limit: int = 500) -> list[int]:
    """Digests not yet delivered on some channel (the safety net after a broker outage)."""
    return list(
        Notification.objects.filter(email_sent_at__isnull=True).order_by("id").values_list("pk", flat=True)[:limit]
    ) + list(
        Notification.objects.filter(sms_sent_at__isnull=True, email_sent_at__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


def enqueue_delivery(notification_ids: list[int]) -> None:
    """After commit, hand each digest to the worker; if the broker is down, the periodic
    deliver-pending job picks them up later, so nothing is lost and nothing is sent twice."""
    from .tasks import deliver_notification

    def send():
        for pk in notification_ids:
            try:
                deliver_notification.delay(pk)
            except OperationalError:  # broker down: the row stays pending for the periodic sweep
                log.warning("broker unavailable; notification %s left for the periodic sweep", pk, exc_info=True)
                return

    transaction.on_commit(send)
