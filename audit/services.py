"""Writes to the audit log, and the account-security actions that go with it.

``audit_record`` is the one call every app makes. It joins the caller's transaction: if the
audit row cannot be written, the business change rolls back with it. The row goes into its actor's
court's chain (audit/chain.py: keyed seals, gapless numbers, checkpoints outside the database).
"""

import json
from collections.abc import Iterable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from . import chain as chains
from .chain import ChainReport, audit_verify  # noqa: F401  (callers import them from here)
from .models import AccountSecurity, AuditEvent, UserSession

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


def audit_record(
    *, action: str, actor=None, request=None, obj=None, object_type: str = "", object_id="",
    detail: dict | None = None, success: bool = True, username: str = "",
) -> AuditEvent:
    """Append one event to its court's chain, inside the caller's transaction (or its own)."""
    return audit_record_many(events=[{
        "action": action, "obj": obj, "object_type": object_type, "object_id": object_id, "detail": detail,
        "success": success, "username": username,
    }], actor=actor, request=request)[0]


def audit_record_many(
    *, events: Iterable[dict], actor=None, request=None, batch_size: int = 2000
) -> list[AuditEvent]:
    """Append many events in one go: each dict takes ``audit_record``'s keywords (``action``, ``obj``,
    ``object_type``, ``object_id``, ``detail``, ``success``, ``username``); ``actor`` and ``request``
    are shared, and so is the chain (the actor's court). The chain's lock is taken once, as late as
    possible: everything slow (hashing files, writing them) is done by the caller before this.
    """
    if request is None:
        request = current_request()
    actor = _actor(actor, request)
    rows = [_event(actor=actor, request=request, **event) for event in events]
    if not rows:
        return rows
    chain = chains.chain_for(actor)
    # No savepoint: a failed audit write must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        seq, prev = chains.lock_head(chain)
        for event in rows:
            seq += 1
            event.chain, event.seq, event.prev_hash = chain, seq, prev
            prev = event.hash = chains.chain_hash(prev, event)
        AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
        head = rows[-1]
        # Outside the database, once committed: a later deletion of these rows is then visible.
        transaction.on_commit(lambda: chains.checkpoint_head(chain, head.seq, head.hash), robust=True)
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


def audit_purge(*, older_than_days: int | None = None) -> int:
    """Delete rows older than the retention period through the database function, which itself
    refuses anything younger than 180 days and keeps every chain's head. Where each chain now
    starts is declared in a sealed AUDIT_PURGED event and in the checkpoint files, so that
    ``audit_verify`` tells this purge from someone deleting the oldest rows."""
    days = older_than_days or settings.AUDIT_RETENTION_DAYS
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_purge(%s)", [days])
            deleted = cursor.fetchone()[0]
            if not deleted:
                return 0
            cursor.execute("SELECT DISTINCT ON (chain) chain, seq, prev_hash FROM audit_auditevent "
                           "ORDER BY chain, seq")
            starts = {chain: (seq, prev) for chain, seq, prev in cursor.fetchall()}
        # Written before the commit: a start the file names but the database has not reached (the
        # purge rolled back) is still a start verify accepts, since seq 1 is always accepted too.
        for chain, (seq, prev) in starts.items():
            chains.checkpoint_start(chain, seq, prev)
        audit_record(action=AuditEvent.Action.AUDIT_PURGED,
                     detail={"older_than_days": days, "deleted": deleted,
                             "starts": {str(c): [s, p] for c, (s, p) in starts.items()}})
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
