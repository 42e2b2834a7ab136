from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext_lazy as _


class Court(models.Model):
    class Level(models.TextChoices):
        HIGH = "high", _("High court")
        INTERMEDIATE = "intermediate", _("Intermediate court")
        BASIC = "basic", _("Basic court")
        TRIBUNAL = "tribunal", _("People's tribunal")

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BASIC)
    parent = models.ForeignKey(
        "self", verbose_name=_("superior court"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )

    class Meta:
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        ordering = ["id"]

    def __str__(self):
        return self.name

    def descendant_ids(self) -> list[int]:
        """This court and every court below it (a 中院 watches its 基层法院), in one query."""
        return Court.tree_ids(self.pk)

    @staticmethod
    def tree_ids(court_id: int) -> list[int]:
        """descendant_ids by the court's id, without loading the court."""
        with connection.cursor() as cur:
            cur.execute(
                "WITH RECURSIVE tree AS (SELECT id FROM accounts_court WHERE id = %s "
                "UNION SELECT c.id FROM accounts_court c JOIN tree t ON c.parent_id = t.id) "
                "SELECT id FROM tree ORDER BY id",
                [court_id],
            )
            return [row[0] for row in cur.fetchall()]


class Department(models.Model):
    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["court_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["court", "name"], name="department_unique_name_per_court")]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """Who answers for what (see the glossary below and ../shared/domain.md).

    Glossary of roles, and the scope each reads (measures.selectors.measure_scope, the one definition):

    - STAFF 部门联络员/经办人, DEPARTMENT_HEAD 部门负责人: their own department's measures (lead or
      supporting) and those they own; report progress and apply for close-out.
    - PARTY_SECRETARY 党组书记 (usually the 院长): 主体责任第一责任人 — every measure of his court and of the
      courts below it, every dashboard of that tree, and 批示 on any of them. A court leader.
    - LEADER 党组成员/院领导 (副院长): 一岗双责 — reads the whole of his court (and, like every role of a higher
      court, the courts below it as he reads his own); signs the first step of a close-out and gives 批示
      only on the measures he leads (责任领导) or whose lead department he supervises (分管). A court leader.
    - RECTIFICATION_OFFICE 整改办 (政治部/督察室): sets up reviews and measures, signs the second step of a
      close-out, within its court tree.
    - DISCIPLINE_OFFICE 纪检组 (监督责任): reads everything of its court tree, drafts and history included,
      exports, adds 督办意见 (supervision notes); never moves a status.
    - SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN 三员: run the system; see no rectification data.
    """

    STAFF = "staff", _("Department staff")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    PARTY_SECRETARY = "party_secretary", _("Party secretary (president)")
    LEADER = "leader", _("Court leader")
    RECTIFICATION_OFFICE = "rectification_office", _("Rectification office")
    DISCIPLINE_OFFICE = "discipline_office", _("Discipline office")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 三员分立: no single account may hold two of these.
SEPARATED_ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
OFFICE_ROLES = {Role.RECTIFICATION_OFFICE, Role.DISCIPLINE_OFFICE}
# 院领导: may be a measure's responsible leader and sign the first step of its close-out.
COURT_LEADER_ROLES = {Role.PARTY_SECRETARY, Role.LEADER}


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    court = models.ForeignKey(
        Court, verbose_name=_("court"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    title = models.CharField(_("title"), max_length=50, blank=True, help_text=_("e.g. president, liaison"))
    roles = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), verbose_name=_("roles"), default=list, blank=True
    )
    supervised_departments = models.ManyToManyField(
        Department, verbose_name=_("supervised departments"), blank=True, related_name="supervising_leaders"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        name = self.full_name or self.username
        return f"{self.title} {name}" if self.title else name

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def court_tree_ids(self) -> list[int]:
        """The user's court and the courts below it, looked up once per user object (per request)."""
        if self.court_id is None:
            return []
        cached = self.__dict__.get("_court_tree_ids")
        if cached is None or cached[0] != self.court_id:
            cached = self.__dict__["_court_tree_ids"] = (self.court_id, Court.tree_ids(self.court_id))
        return cached[1]

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_court_leader(self) -> bool:
        """党组书记 or 党组成员: may lead measures (责任领导) of his own court."""
        return self.has_role(*COURT_LEADER_ROLES)

    @property
    def is_office(self) -> bool:
        """The rectification and discipline offices see every measure of their court tree."""
        return self.has_role(*OFFICE_ROLES)

    def clean(self):
        super().clean()
        unknown = set(self.roles) - set(Role.values)
        if unknown:
            raise ValidationError({"roles": _("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))}})
        if len(SEPARATED_ADMIN_ROLES.intersection(self.roles)) > 1:
            raise ValidationError(
                {"roles": _("System, security and audit administrator roles must be held by different people.")}
            )
        if self.department_id and self.court_id and self.department.court_id != self.court_id:
            raise ValidationError({"department": _("The department belongs to another court.")})


class ApiToken(models.Model):
    """A credential for another system (办公系统, 法综, a mobile app), created by an administrator.

    Only the SHA-256 of the token is stored; the token itself is shown once, when it is created.
    Requests made with it act as ``acting_user`` (whose roles apply) and see only ``court`` and
    the courts below it.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it, e.g. the case system"))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key begins with"), max_length=12, editable=False)
    court = models.ForeignKey(Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="api_tokens")
    acting_user = models.ForeignKey(
        User, verbose_name=_("acting user"), on_delete=models.PROTECT, related_name="api_tokens",
        help_text=_("The account whose roles apply to requests made with this token, e.g. a system account."),
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def clean(self):
        super().clean()
        if self.acting_user_id and self.acting_user.has_usable_password():
            # A token acting as a person would let whoever creates it (the system administrator) act as
            # that person — the office, a leader — without their password: a back door around 三员分立.
            raise ValidationError({"acting_user": _(
                "A token acts as a system account (one without a password, that nobody logs in with), never as a "
                "person."
            )})
        if self.acting_user_id and self.created_by_id and self.acting_user_id == self.created_by_id:
            raise ValidationError({"acting_user": _("Nobody creates a token that acts as himself.")})
        if self.acting_user_id and self.court_id:
            user_court = self.acting_user.court
            if user_court is None or self.court_id not in user_court.descendant_ids():
                raise ValidationError(
                    {"court": _("The token's court must be the acting user's court or a court below it.")}
                )
