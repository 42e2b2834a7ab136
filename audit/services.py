"""Writes to the audit log, and the account-security actions that go with it.

``audit_record`` is the one call every app makes. It joins the caller's transaction: if the
audit row cannot be written, the business change rolls back with it.
"""

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from .models import AccountSecurity, AuditEvent, UserSession

# pg_advisory_xact_lock key: "audit" in ASCII. Held from reading the last hash to commit, so two
# transactions can never chain onto the same predecessor.
CHAIN_LOCK_KEY = 0x6175646974
# Keys whose values never go into the log, whatever a caller passes in ``detail``.
SECRET_KEYS = {"password", "password1", "password2", "old_password", "new_password1", "new_password2",
               "token", "otp_token", "secret", "key", "authorization", "csrfmiddlewaretoken"}


def client_ip(request) -> str | None:
    if request is None:
        return None
    from courtreform.proxy import client_ip as proxied

    return proxied(getattr(request, "_request", request))


def current_request():
    """The request being served on this thread, if any (simple_history's middleware keeps it)."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def _scrub(value):
    if isinstance(value, dict):
        return {str(k): ("[removed]" if str(k).lower() in SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_scrub(v) for v in value]
    return value


def canonical(event: AuditEvent) -> str:
    """The row as hashed: every column but id and hash, with sorted keys and UTC times."""
    at = event.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    row = {
        "actor_id": event.actor_id, "actor_username": event.actor_username, "at": at, "ip": event.ip,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "detail": event.detail, "success": event.success,
    }
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def audit_record(
    *, action: str, actor=None, request=None, obj=None, object_type: str = "", object_id="",
    detail: dict | None = None, success: bool = True, username: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (or its own)."""
    if request is None:
        request = current_request()
    actor = _actor(actor, request)
    event = _event(action=action, actor=actor, request=request, obj=obj, object_type=object_type,
                   object_id=object_id, detail=detail, success=success, username=username)
    with transaction.atomic():
        event.prev_hash = _lock_chain()
        event.hash = chain_hash(event.prev_hash, event)
        event.save(force_insert=True)
    return event


def audit_record_many(
    *, events: Iterable[dict], actor=None, request=None, batch_size: int = 2000
) -> list[AuditEvent]:
    """Append many events in one go: each dict takes ``audit_record``'s keywords (``action``, ``obj``,
    ``object_type``, ``object_id``, ``detail``, ``success``, ``username``); ``actor`` and ``request``
    are shared. The chain lock is taken once and the hashes are chained here, so 10,000 events cost
    a lock, one read and a few multi-row INSERTs instead of three queries each. Same chain, same rows
    as calling ``audit_record`` for each event in order: ``audit_verify`` cannot tell them apart.
    """
    if request is None:
        request = current_request()
    actor = _actor(actor, request)
    rows = [_event(actor=actor, request=request, **event) for event in events]
    if not rows:
        return rows
    with transaction.atomic():
        prev = _lock_chain()
        for event in rows:
            event.prev_hash = prev
            prev = event.hash = chain_hash(prev, event)
        AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
        # The chain is walked in id order. PostgreSQL numbers a multi-row INSERT's rows in VALUES order
        # and nobody else can insert while we hold the lock; should that ever not hold, refuse the
        # write (and the caller's change with it) rather than leave a chain that no longer verifies.
        if any(a.pk >= b.pk for a, b in zip(rows, rows[1:], strict=False)):
            raise RuntimeError("audit rows were not numbered in chain order")
    return rows


def _actor(actor, request):
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    return actor


def _event(
    *, action: str, actor, request, obj=None, object_type: str = "", object_id="", detail: dict | None = None,
    success: bool = True, username: str = "",
) -> AuditEvent:
    """The row, not yet chained or saved."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    # What is hashed must be what PostgreSQL gives back: round-trip through JSON first.
    detail = json.loads(json.dumps(_scrub(detail or {}), default=str, ensure_ascii=False))
    return AuditEvent(
        actor=actor, actor_username=(actor.get_username() if actor is not None else username)[:150],
        at=timezone.now(), ip=client_ip(request), action=action, object_type=object_type,
        object_id=str(object_id or "")[:60], detail=detail, success=success,
    )


def _lock_chain() -> str:
    """Take the chain lock (until the transaction ends) and return the last hash."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or ""


@dataclass
class ChainReport:
    checked: int
    first_bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def audit_verify(*, batch: int = 2000) -> ChainReport:
    """Walk the chain in id order; the first row whose hash or link does not hold is reported.

    The oldest remaining row's ``prev_hash`` is taken as given: a purge removes its predecessors.
    """
    checked, prev, last_id = 0, None, 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return ChainReport(checked=checked)
        for event in rows:
            if prev is not None and event.prev_hash != prev:
                return ChainReport(checked, event.id, "prev_hash does not match the previous row's hash")
            if chain_hash(event.prev_hash, event) != event.hash:
                return ChainReport(checked, event.id, "the row's content does not match its hash")
            prev, last_id = event.hash, event.id
            checked += 1


def audit_purge(*, older_than_days: int | None = None) -> int:
    """Delete rows older than the retention period through the database function, which itself
    refuses anything younger than 180 days; records the purge (and where the chain now starts)."""
    days = older_than_days or settings.AUDIT_RETENTION_DAYS
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge(%s)", [days])
            deleted = cursor.fetchone()[0]
        if deleted:
            audit_record(action=AuditEvent.Action.AUDIT_PURGED, detail={"older_than_days": days, "deleted": deleted})
    return deleted


# --- sessions --------------------------------------------------------------------------------------

def session_index(*, user, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.get_or_create(session_key=session_key, defaults={"user": user})


def sessions_end_all(*, user, reason: str, request=None) -> int:
    """Delete every stored session of the user (all browsers, all devices)."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if not keys:
        return 0
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            action=AuditEvent.Action.SESSIONS_ENDED, request=request, obj=user, detail={"reason": reason, "sessions": deleted}, username=user.get_username(),
        )
    return deleted


# --- passwords -------------------------------------------------------------------------------------

def password_state(user) -> AccountSecurity | None:
    return AccountSecurity.objects.filter(user=user).first()


def password_mark_set(*, user, by_owner: bool) -> None:
    """After any new password: it must be changed unless its owner chose it themselves."""
    AccountSecurity.objects.update_or_create(
        user=user, defaults={"must_change_password": not by_owner, "password_changed_at": timezone.now()}
    )
