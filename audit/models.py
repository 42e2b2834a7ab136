"""The audit log (append-only in PostgreSQL, hash-chained), password history, and the index of
a user's sessions so that logout, disabling an account or a new password can end all of them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Keys of ``detail`` that hold rectification text (what a measure says, notes, results, prompt sheets,
# instructions). The audit administrator sees that they changed, not what they say: the text is for
# the 纪检组, in the measure's history (三员分立: the audit administrator audits the system, not the work).
RECTIFICATION_TEXT_KEYS = {"text", "note", "body", "result", "title", "description", "root_cause", "target"}
REDACTED = "[…]"


def redact(value):
    if isinstance(value, dict):
        return {k: (REDACTED if k in RECTIFICATION_TEXT_KEYS and v not in ("", None) else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class AuditEvent(models.Model):
    """One audited action: who, when, from which address, what, and whether it succeeded.

    Never holds passwords or tokens. Rows are chained per court (``chain``, numbered without gaps
    by ``seq``) and sealed with a key kept outside the database: ``hash = HMAC(key, prev_hash +
    canonical JSON of the row)`` (audit/chain.py). A trigger refuses UPDATE and DELETE (migration
    0002) and the app's database role may not UPDATE, DELETE or TRUNCATE in the first place; the
    table's owner could, and ``manage.py verify_audit`` then finds it.
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("Login")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logout")
        LOCKOUT = "lockout", _("Account or address locked out")
        OTP_FAILED = "otp_failed", _("Wrong one-time code")
        OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        ROLE_CHANGED = "role_changed", _("Roles or permissions changed")
        ADMIN_CHANGE = "admin_change", _("Changed in the administration")
        SUPERUSER_GRANTED = "superuser_granted", _("Superuser granted or revoked (break-glass)")
        ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
        SESSIONS_ENDED = "sessions_ended", _("All sessions ended")
        MEASURE_CREATED = "measure_created", _("Measure created")
        MEASURE_CHANGED = "measure_changed", _("Measure changed")
        EVIDENCE_UPLOADED = "evidence_uploaded", _("Evidence uploaded")
        EVIDENCE_DOWNLOADED = "evidence_downloaded", _("Evidence downloaded")
        EVIDENCE_TAMPERED = "evidence_tampered", _("Evidence checksum mismatch")
        EVIDENCE_QUARANTINED = "evidence_quarantined", _("Evidence quarantined by the virus scan")
        LEDGER_EXPORTED = "ledger_exported", _("Ledger exported")
        BULLETIN_PUBLISHED = "bulletin_published", _("Bulletin published")
        AUDIT_EXPORTED = "audit_exported", _("Audit log exported")
        AUDIT_PURGED = "audit_purged", _("Old audit records purged")
        PROMPT_ISSUED = "prompt_issued", _("Prompt sheet issued")
        PROMPT_READ = "prompt_read", _("Prompt sheet confirmed as read")
        REVIEW_CHANGED = "review_changed", _("Review created or changed")
        FINDING_CHANGED = "finding_changed", _("Feedback finding created or changed")
        PROBLEM_CHANGED = "problem_changed", _("Problem created or changed")
        CATEGORY_CHANGED = "category_changed", _("Problem category created or renamed")
        BULLETIN_DRAFTED = "bulletin_drafted", _("Bulletin drafted")
        BULLETIN_REVIEWED = "bulletin_reviewed", _("Bulletin reviewed")
        INSTRUCTION_GIVEN = "instruction_given", _("Instruction given")
        API_TOKEN_CREATED = "api_token_created", _("API token created")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        SUPERVISION_NOTED = "supervision_noted", _("Supervision note added")
        MEASURE_CHASED = "measure_chased", _("Measure chased (催办)")
        CONTACT_CREATED = "contact_created", _("Contact (a person without a login) added by an import")
        RULE_REGISTERED = "rule_registered", _("Rule adopted registered")
        RULE_FILE_DOWNLOADED = "rule_file_downloaded", _("Rule document downloaded")
        RULE_FILE_TAMPERED = "rule_file_tampered", _("Rule document checksum mismatch")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=60, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    success = models.BooleanField(_("success"), default=True)
    # The chain is the actor's court (0: none); seq numbers each chain's rows 1, 2, 3 … without gaps.
    chain = models.PositiveIntegerField(_("chain"), default=0)
    seq = models.BigIntegerField(_("sequence number"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor_username", "at"], name="audit_actor_at")]
        # Serves the chain head lookup (ORDER BY seq DESC LIMIT 1) and verify's walk.
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.action}"

    @property
    def detail_redacted(self) -> dict:
        """The detail as the audit administrator sees it: which fields, without rectification text."""
        return redact(self.detail)


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so the last N cannot be reused."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("password history")
        verbose_name_plural = _("password history")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class AccountSecurity(models.Model):
    """Per-account security state kept outside accounts.User: whether the current password was
    set by someone else (initial or reset) and must be changed, and when it was last set."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="security",
        primary_key=True,
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account security")
        verbose_name_plural = _("account security")

    def __str__(self):
        return str(self.user_id)


class UserSession(models.Model):
    """Which sessions belong to which user: ending all of a user's sessions is one indexed DELETE
    instead of decoding every row of django_session."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self):
        return f"{self.user_id} {self.session_key[:8]}…"
