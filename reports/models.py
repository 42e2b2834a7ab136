import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.models import Review


class Bulletin(models.Model):
    """整改通报 第N期: a frozen snapshot of a review at a period's end, rendered as page, .docx, .xlsx."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed")
        PUBLISHED = "published", _("Published")

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.PROTECT, related_name="bulletins")
    # 第N期 is given when the bulletin is published, so the published series has no gaps and runs in period
    # order; a draft has none yet.
    number = models.PositiveIntegerField(_("issue number"), null=True, blank=True, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    snapshot = models.JSONField(_("snapshot"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-period_end", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["review", "period_end", "version"], name="bulletin_unique_period_version"),
            models.UniqueConstraint(fields=["review", "number"], name="bulletin_unique_published_number",
                                    condition=models.Q(number__isnull=False)),
            models.UniqueConstraint(
                fields=["review", "period_end"], name="bulletin_one_published_per_period",
                condition=models.Q(status="published"),
            ),
        ]

    def __str__(self):
        return f"{self.review} {self.label}"

    @property
    def label(self) -> str:
        """第N期 once published; before that the draft is named by its period."""
        if self.number:
            return _("No. %(n)d") % {"n": self.number}
        label = _("Draft to %(date)s") % {"date": f"{self.period_end:%Y-%m-%d}"}
        return label + (f" v{self.version}" if self.version > 1 else "")


def ledger_export_path(instance, filename: str) -> str:
    """Generated names only; the download is served under a readable name after a permission check."""
    return f"exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class LedgerExport(models.Model):
    """One export of the 整改台账: who asked, when, with which filter, how many rows — and, for a
    large one run in the background, its progress and file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT,
        related_name="ledger_exports",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    params = models.JSONField(_("filter"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    background = models.BooleanField(_("ran in the background"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to=ledger_export_path, max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.requested_by} {self.requested_at:%Y-%m-%d %H:%M} ({self.row_count})"
