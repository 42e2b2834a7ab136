from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Court, Department


def default_reminder_days():
    return [7, 3]


class Review(models.Model):
    """整改任务: the campaign a set of findings came from (an inspection, a benchmarking visit, …)."""

    class Source(models.TextChoices):
        PARTY_INSPECTION = "xuncha", _("Party committee inspection (巡察)")
        CENTRAL_INSPECTION = "xunshi", _("Inspection tour (巡视)")
        POLITICAL_SUPERVISION = "political_supervision", _("Political supervision")
        CONDUCT_SUPERVISION = "conduct_supervision", _("Work-style supervision")
        BENCHMARKING = "benchmarking", _("Benchmarking against a leading court")
        THEME_EDUCATION = "theme_education", _("Theme education self-review")
        AUDIT = "audit", _("Audit")
        JUDICIAL_INSPECTION = "judicial_inspection", _("Judicial inspection")
        SELF_REVIEW = "self_review", _("Self-review")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being set up")
        ACTIVE = "active", _("Rectifying")
        COMPLETED = "completed", _("Completed")

    class BulletinFrequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        MANUAL = "manual", _("By hand")

    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="reviews")
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=100, blank=True)
    period_start = models.DateField(_("inspection from"), null=True, blank=True)
    period_end = models.DateField(_("inspection to"), null=True, blank=True)
    feedback_date = models.DateField(_("feedback date"), null=True, blank=True)
    deadline = models.DateField(_("overall deadline"), null=True, blank=True)
    leading_group = models.TextField(_("leading group"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    reminder_days = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("reminder days before deadline"),
        default=default_reminder_days, blank=True,
    )
    reminder_working_days = models.BooleanField(
        _("reminder days are working days"), default=True,
        help_text=_("Count reminder days on the statutory calendar, skipping holidays and counting make-up days."),
    )
    escalation_days = models.PositiveSmallIntegerField(_("escalate after days overdue"), default=30)
    lookback_months = models.PositiveSmallIntegerField(_("look-back after months"), default=3)
    bulletin_frequency = models.CharField(
        _("bulletin frequency"), max_length=10, choices=BulletinFrequency.choices, default=BulletinFrequency.MONTHLY
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-feedback_date", "-id"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The inspection cannot end before it starts.")})
        if self.feedback_date and self.deadline and self.deadline < self.feedback_date:
            raise ValidationError({"deadline": _("The deadline cannot be before the feedback date.")})


class Category(models.Model):
    """问题类别: the "4项" of "4项12个问题"."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["review_id", "order", "id"]

    def __str__(self):
        return self.name


class Problem(models.Model):
    """问题: one entry of the problem list, later broken into measures."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="problems"
    )
    # Copied from the category on save so dashboards filter by review without a join.
    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="problems", editable=False
    )
    description = models.TextField(_("description"))
    root_cause = models.TextField(_("root cause"), blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible leader"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="led_problems",
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="led_problems",
    )
    supporting_departments = models.ManyToManyField(
        Department, verbose_name=_("supporting departments"), blank=True, related_name="supported_problems"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["category__order", "category_id", "order", "id"]

    def __str__(self):
        return self.description[:60]

    def save(self, *args, **kwargs):
        self.review_id = self.category.review_id
        super().save(*args, **kwargs)


class Finding(models.Model):
    """反馈意见/差距: a raw finding as received, traced to the problem(s) it became."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="findings")
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("finding as received"))
    aspect = models.CharField(_("aspect"), max_length=50, blank=True, help_text=_("e.g. mindset, working style"))
    benchmark_practice = models.TextField(_("what the benchmark court does"), blank=True)
    gap = models.TextField(_("where we fall short"), blank=True)
    problems = models.ManyToManyField(Problem, verbose_name=_("became problems"), blank=True, related_name="findings")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["review_id", "order", "id"]

    def __str__(self):
        return (self.aspect + ": " if self.aspect else "") + self.text[:60]
