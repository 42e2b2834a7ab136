"""Reads of the audit log: who may read it and the filtered list."""

import datetime

from django.db.models import QuerySet

from accounts.models import Role

from .models import AuditEvent


def can_read_audit_log(user) -> bool:
    """Only the audit administrator (三员分立: not the system or security administrator)."""
    return user.is_authenticated and user.is_active and user.has_role(Role.AUDIT_ADMIN)


def audit_events(*, actor: str = "", action: str = "", date_from: datetime.date | None = None,
                 date_to: datetime.date | None = None, success: bool | None = None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_username__icontains=actor)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    if success is not None:
        events = events.filter(success=success)
    return events.order_by("-id")
