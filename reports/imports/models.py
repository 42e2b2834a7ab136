import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Review


def ledger_import_path(instance, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class LedgerImport(models.Model):
    """One uploaded ledger: previewed, then committed at once or, when it is long, by the worker
    with progress and cancel. An upload never committed is deleted after a day
    (``jobs.ledger_imports_purge``)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=ledger_import_path, max_length=200, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            # ledger_imports_purge: uploads left behind, oldest first.
            models.Index(fields=["uploaded_at"], name="ledgerimport_left_behind",
                         condition=models.Q(status__in=["uploaded", "failed", "cancelled"])),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def background(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
