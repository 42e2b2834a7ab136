"""In-app notifications (the bell) and their delivery by email and SMS.

One Notification is one digest for one person from one run of a job, never one per item.
Delivery is idempotent by data: a channel's ``*_sent_at`` marker is claimed with a conditional
UPDATE before sending, so a doubled run or a redelivered task cannot send twice.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    # What produced it, e.g. "alerts:2026-11-23T08:00"; with the recipient it is unique, so a job
    # that runs twice for the same batch cannot make a second digest.
    batch_key = models.CharField(_("batch"), max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    items = models.JSONField(_("items"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    sms_sent_at = models.DateTimeField(_("SMS sent at"), null=True, blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "batch_key"], name="notification_one_per_batch"),
        ]
        indexes = [
            # Serves the bell: WHERE recipient_id = ? AND read_at IS NULL.
            models.Index(fields=["recipient"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
            # Serves the email sender: WHERE email_sent_at IS NULL.
            models.Index(fields=["id"], name="notification_email_pending", condition=models.Q(email_sent_at__isnull=True)),
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """Which channels a person wants; in-app is always on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)
