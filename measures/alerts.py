"""Turning pending measure alerts into one digest per person (in-app, then email / SMS)."""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.services import enqueue_delivery, notifications_create

from .models import MeasureAlert

K = MeasureAlert.Kind
BATCH = 5000


def _recipients(alerts: list[MeasureAlert]) -> dict[int, set[int]]:
    """alert id → user ids, in three queries whatever the number of alerts.

    due soon / report due: the owner and the lead department's staff and head;
    overdue: the owner, the lead department's head and the responsible leader;
    escalation and look-back: the rectification office of the review's court.
    """
    departments = {a.measure.lead_department_id for a in alerts if a.measure.lead_department_id}
    courts = {a.measure.review.court_id for a in alerts}
    staff, heads = defaultdict(set), defaultdict(set)
    for user_id, department_id, roles in User.objects.filter(
        department_id__in=departments, is_active=True
    ).values_list("pk", "department_id", "roles"):
        if Role.STAFF in roles:
            staff[department_id].add(user_id)
        if Role.DEPARTMENT_HEAD in roles:
            heads[department_id].add(user_id)
    offices = defaultdict(set)
    for user_id, court_id in User.objects.filter(
        court_id__in=courts, is_active=True, roles__contains=[Role.RECTIFICATION_OFFICE]
    ).values_list("pk", "court_id"):
        offices[court_id].add(user_id)
    result = {}
    for alert in alerts:
        m = alert.measure
        people = {m.owner_id} if m.owner_id else set()
        if alert.kind in (K.DUE_SOON, K.REPORT_DUE):
            people |= staff[m.lead_department_id] | heads[m.lead_department_id]
        elif alert.kind == K.OVERDUE:
            people |= heads[m.lead_department_id]
            if m.responsible_leader_id:
                people.add(m.responsible_leader_id)
        else:
            people = set(offices[m.review.court_id])
        result[alert.pk] = people
    return result


def _item(alert: MeasureAlert) -> dict:
    m = alert.measure
    if alert.kind == K.DUE_SOON:
        what = _("due in %(days)d days (%(date)s)") % {"days": (alert.key - timezone.localdate()).days,
                                                       "date": alert.key.isoformat()}
    elif alert.kind == K.OVERDUE:
        what = _("overdue since %(date)s") % {"date": alert.key.isoformat()}
    elif alert.kind == K.ESCALATION:
        what = _("overdue for more than %(days)d days") % {"days": alert.days}
    elif alert.kind == K.REPORT_DUE:
        what = _("no progress report this period")
    else:
        what = _("look-back due on %(date)s") % {"date": alert.key.isoformat()}
    return {"measure_id": m.pk, "kind": alert.kind, "text": f"{m.text[:60]} — {what}"}


def alerts_dispatch() -> list[int]:
    """Claim pending alerts (SKIP LOCKED, so two dispatchers split the work instead of doubling it),
    write one digest per person in the same transaction, and enqueue delivery after commit."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        alerts = list(
            MeasureAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(processed_at__isnull=True)
            .select_related("measure__review")
            .order_by("id")[:BATCH]
        )
        if not alerts:
            return []
        per_person: dict[int, list[dict]] = defaultdict(list)
        by_id = {a.pk: a for a in alerts}
        for alert_id, people in _recipients(alerts).items():
            item = _item(by_id[alert_id])
            for user_id in people:
                per_person[user_id].append(item)
        digests = {
            user_id: {
                "title": _("Rectification reminders: %(n)d items") % {"n": len(items)},
                "items": items,
            }
            for user_id, items in per_person.items()
        }
        ids = notifications_create(batch_key=f"alerts:{alerts[0].pk}-{alerts[-1].pk}", digests=digests)
        MeasureAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(processed_at=timezone.now())
        enqueue_delivery(ids)
        return ids
