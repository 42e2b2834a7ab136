import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Department
from issues.models import Problem, Review


def local_today() -> datetime.date:
    """Deadlines are dates; overdue is judged in Asia/Shanghai (settings.TIME_ZONE)."""
    return timezone.localdate()


class Measure(models.Model):
    """整改措施: the unit of work."""

    class Type(models.TextChoices):
        IMMEDIATE = "immediate", _("Fix immediately")
        DEADLINE = "deadline", _("Fix by a deadline")
        ONGOING = "ongoing", _("Ongoing")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSEOUT_REQUESTED = "closeout_requested", _("Close-out requested")
        CLOSED = "closed", _("Closed")
        ONGOING = "ongoing", _("Continuing")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        BY_STAGE = "stage", _("By stage")

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.CLOSEOUT_REQUESTED)

    # No index of its own: measure_problem_cover leads with problem_id. Every index here is paid for by
    # each overdue flag (overdue_since is in measure_overdue_candidates' condition, so those updates
    # are never HOT and insert into every index); keep only the ones a query needs.
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="measures", db_index=False
    )
    # Copied from the problem on save: dashboards and lists filter by review without joins.
    review = models.ForeignKey(
        Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="measures", editable=False
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("measure"))
    type = models.CharField(_("type"), max_length=12, choices=Type.choices, default=Type.DEADLINE)
    target = models.TextField(_("target"), blank=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible leader"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="led_measures",
    )
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="led_measures",
    )
    supporting_departments = models.ManyToManyField(
        Department, verbose_name=_("supporting departments"), blank=True, related_name="supported_measures"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_measures",
    )
    report_frequency = models.CharField(
        _("reporting frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    original_deadline = models.DateField(_("original deadline"), null=True, blank=True)
    current_deadline = models.DateField(_("current deadline"), null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED, editable=False
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True, editable=False)
    result = models.TextField(_("result"), blank=True)
    rules_adopted = models.PositiveSmallIntegerField(_("rules adopted"), default=0)
    # Set by the overdue scan (measures/overdue.py); cleared by an approved extension or a close-out.
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True, editable=False)
    relapse_count = models.PositiveSmallIntegerField(_("relapses"), default=0, editable=False)
    # Optimistic concurrency: every write through the workflow bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[supporting_departments])

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["problem_id", "order", "id"]
        indexes = [
            # Serves the dashboards' per-problem counts (reports.dashboards._categories): read in problem
            # order without visiting the table, grouped as they stream, scoped by review_id.
            models.Index(fields=["problem"], name="measure_problem_cover", include=["review", "type", "status"]),
            models.Index(fields=["lead_department", "current_deadline", "id"], name="measure_dept_deadline"),
            models.Index(fields=["current_deadline", "id"], name="measure_deadline_id"),
            # Serves the overdue scan: WHERE overdue_since IS NULL AND status IN open AND type <> ongoing.
            models.Index(
                fields=["current_deadline"], name="measure_overdue_candidates",
                condition=models.Q(
                    overdue_since__isnull=True,
                    status__in=["not_started", "in_progress", "closeout_requested"],
                ) & ~models.Q(type="ongoing"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_percent__gte=0, progress_percent__lte=100), name="measure_percent_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["not_started", "in_progress", "closeout_requested", "closed", "ongoing"]),
                name="measure_status_known",
            ),
        ]

    def __str__(self):
        return self.text[:60]

    def clean(self):
        super().clean()
        if not (self.text or "").strip():
            raise ValidationError({"text": _("The measure text cannot be empty.")})
        review = self.problem.review if self.problem_id else None
        if review and review.feedback_date and self.original_deadline and self.original_deadline < review.feedback_date:
            raise ValidationError({"original_deadline": _("The deadline cannot be before the feedback date.")})

    def save(self, *args, **kwargs):
        self.review_id = self.problem.review_id
        if self.current_deadline is None:
            self.current_deadline = self.original_deadline
        super().save(*args, **kwargs)

    # --- derived state -------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def days_left(self, today: datetime.date | None = None) -> int | None:
        if self.current_deadline is None:
            return None
        return (self.current_deadline - (today or local_today())).days

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Judged from the current deadline; the stored ``overdue_since`` marker is set by the scan."""
        if self.type == self.Type.ONGOING or not self.is_open or self.current_deadline is None:
            return False
        return self.current_deadline < (today or local_today())

    def days_overdue(self, today: datetime.date | None = None) -> int:
        return -self.days_left(today) if self.is_overdue(today) else 0

    def traffic_light(self, today: datetime.date | None = None) -> str:
        """green on track, yellow within DUE_SOON_DAYS of the deadline, red overdue, grey when closed."""
        if not self.is_open:
            return "grey" if self.status == self.Status.CLOSED else "green"
        if self.type == self.Type.ONGOING:
            return "green"
        if self.is_overdue(today):
            return "red"
        left = self.days_left(today)
        if left is not None and left <= settings.DUE_SOON_DAYS:
            return "yellow"
        return "green"

    @property
    def is_extended(self) -> bool:
        return self.current_deadline != self.original_deadline


class ProgressReport(models.Model):
    """整改进展: a dated note with a percent."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="progress_reports"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    note = models.TextField(_("progress note"))
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["measure", "-created_at"], name="progress_latest")]

    def __str__(self):
        return f"{self.measure_id}: {self.percent}%"


class CloseOut(models.Model):
    """销号: a request to close a measure and its two sign-offs (leader, then rectification office)."""

    class Stage(models.TextChoices):
        PENDING_LEADER = "pending_leader", _("Awaiting the responsible leader")
        PENDING_OFFICE = "pending_office", _("Awaiting the rectification office")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="closeouts")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    result = models.TextField(_("result"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PENDING_LEADER)
    leader_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("leader sign-off by"),
    )
    leader_decided_at = models.DateTimeField(_("leader sign-off at"), null=True, blank=True)
    office_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("office sign-off by"),
    )
    office_decided_at = models.DateTimeField(_("office sign-off at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)

    class Meta:
        verbose_name = _("close-out")
        verbose_name_plural = _("close-outs")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one request in flight per measure.
            models.UniqueConstraint(
                fields=["measure"], name="closeout_one_pending_per_measure",
                condition=models.Q(stage__in=["pending_leader", "pending_office"]),
            )
        ]

    def __str__(self):
        return f"{self.measure_id}: {self.get_stage_display()}"

    @property
    def is_pending(self) -> bool:
        return self.stage in (self.Stage.PENDING_LEADER, self.Stage.PENDING_OFFICE)


def evidence_path(instance, filename: str) -> str:
    """Generated names only: the uploader's file name is kept in ``original_name``, never on disk."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """佐证材料: a file attached to a progress report or a close-out request."""

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="evidence")
    progress_report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence",
        verbose_name=_("progress report"),
    )
    closeout = models.ForeignKey(
        CloseOut, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence",
        verbose_name=_("close-out"),
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Extension(models.Model):
    """延期: asks to move the current deadline; the original deadline is never touched."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    previous_deadline = models.DateField(_("deadline before"), null=True, blank=True)
    requested_deadline = models.DateField(_("new deadline"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"], name="extension_one_pending_per_measure", condition=models.Q(decision="pending")
            )
        ]

    def __str__(self):
        return f"{self.measure_id}: {self.previous_deadline} → {self.requested_deadline}"


class LookBack(models.Model):
    """回头看: months after close-out, a check that the fix held."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        HELD = "held", _("Held")
        RELAPSED = "relapsed", _("Relapsed")

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="lookbacks")
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("look-back")
        verbose_name_plural = _("look-backs")
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "due_on"], name="lookback_unique_per_measure_due"),
        ]

    def __str__(self):
        return f"{self.measure_id}: {self.due_on} {self.get_outcome_display()}"


class WorkPrompt(models.Model):
    """工作提示单 第N期: a numbered notice from the rectification office to chosen departments."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="prompts")
    number = models.PositiveIntegerField(_("issue number"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), through="WorkPromptReceipt", related_name="prompts"
    )

    class Meta:
        verbose_name = _("work prompt sheet")
        verbose_name_plural = _("work prompt sheets")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["review", "number"], name="prompt_number_unique_per_review")]

    def __str__(self):
        return f"{self.title} ({self.number})"


class WorkPromptReceipt(models.Model):
    """One department's copy of a prompt sheet, and when someone there confirmed reading it."""

    prompt = models.ForeignKey(WorkPrompt, on_delete=models.CASCADE, related_name="receipts")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("read by"),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("prompt receipt")
        verbose_name_plural = _("prompt receipts")
        constraints = [
            models.UniqueConstraint(fields=["prompt", "department"], name="prompt_receipt_unique_department")
        ]

    def __str__(self):
        return f"{self.prompt_id}: {self.department_id}"


class MeasureAlert(models.Model):
    """Outbox of things someone must be told about a measure, written by the scheduled scans.

    Unique per (measure, kind, key, days): the scans insert with ON CONFLICT DO NOTHING, so running
    a scan twice, or two beats at once, cannot make a second alert. The dispatcher claims
    unprocessed rows with SELECT … FOR UPDATE SKIP LOCKED and turns them into one digest per person.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Deadline approaching")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Long overdue, escalated")
        REPORT_DUE = "report_due", _("Progress report due")
        LOOKBACK_DUE = "lookback_due", _("Look-back due")

    # No index of its own: measure_alert_unique leads with measure_id.
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="alerts", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.DateField(_("for date"))
    days = models.SmallIntegerField(_("days"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure alert")
        verbose_name_plural = _("measure alerts")
        constraints = [
            models.UniqueConstraint(fields=["measure", "kind", "key", "days"], name="measure_alert_unique"),
        ]
        indexes = [
            # Serves the dispatcher: WHERE processed_at IS NULL ORDER BY id.
            models.Index(fields=["id"], name="measure_alert_pending", condition=models.Q(processed_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.measure_id}: {self.kind} {self.key}"


class Instruction(models.Model):
    """批示: a court leader's instruction on a problem or on one measure, shown in the measures' timelines;
    or 督办意见: the discipline office's supervision note (监督责任), shown the same way."""

    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("Instruction")
        SUPERVISION = "supervision", _("Supervision note")
        CHASE = "chase", _("Chase")  # 催办: a leader or the office presses the measure's owner

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INSTRUCTION)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="instructions"
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(_("given at"), default=timezone.now)
    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="instructions",
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="instructions",
    )

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(measure__isnull=False, problem__isnull=True)
                | models.Q(measure__isnull=True, problem__isnull=False),
                name="instruction_on_measure_or_problem",
            ),
        ]

    def __str__(self):
        return self.text[:60]


class CalendarDay(models.Model):
    """One day of the statutory calendar kept by the system administrator: a holiday (放假) or a make-up
    working day (调休上班).

    chinese-calendar ships the State Council's schedule year by year, and the next year's is announced
    only late in the year before. Once a year has any row here, this table is that year's calendar:
    its listed days are as stated and every other day is Monday to Friday. Listed days also override
    the package for a year it knows (a correction, e.g. a local holiday).
    """

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), default=False, help_text=_("Tick for a make-up working day (调休), leave empty for a holiday.")
    )
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 春节, 国庆节, 调休上班"))

    class Meta:
        verbose_name = _("statutory calendar day")
        verbose_name_plural = _("statutory calendar")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.name}"


def rule_path(instance, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"rules/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Rule(models.Model):
    """制度成果: a rule a court adopted or revised as a result of rectification ("制定或完善相关制度20个"),
    linked to the measures and problems it answers. Bulletins and reports count rules from this register."""

    court = models.ForeignKey(
        "accounts.Court", verbose_name=_("court"), on_delete=models.PROTECT, related_name="rules"
    )
    name = models.CharField(_("rule"), max_length=200, help_text=_("e.g. 《案款发放管理规定》"))
    document_number = models.CharField(_("document number"), max_length=100, blank=True,
                                       help_text=_("文号, e.g. 滨法发〔2020〕12号"))
    adopted_on = models.DateField(_("adopted on"))
    issuing_department = models.ForeignKey(
        Department, verbose_name=_("issuing department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="rules",
    )
    measures = models.ManyToManyField(Measure, verbose_name=_("measures"), blank=True, related_name="rules")
    problems = models.ManyToManyField(Problem, verbose_name=_("problems"), blank=True, related_name="rules")
    file = models.FileField(_("file"), upload_to=rule_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("rule adopted")
        verbose_name_plural = _("rules adopted")
        ordering = ["-adopted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["court", "name"], name="rule_unique_name_per_court"),
        ]

    def __str__(self):
        return self.name
