"""The measure list's rows, built straight from database values: the same keys and values as
MeasureSerializer, without a model instance per row and a serializer field walk per column.

Through ModelSerializer a page of 50 cost ~20 ms of Python for serialising and ~25 ms for building
three model instances per row (profiled on a loaded machine); these rows cost about a millisecond.
The detail endpoint and the workflow actions keep MeasureSerializer, which stays the documented
shape of a list row (drf-spectacular reads it; schemathesis checks the rows against it).

The keyset seek is done per segment — measures with a deadline, then those without (长期坚持) —
so each part is a range scan on the (current_deadline, id) index. One query with
``deadline > d OR (deadline = d AND id > n) OR deadline IS NULL`` cannot seek: PostgreSQL walked
the index from the start and filtered 50,000 rows at half depth (~25 ms).
"""

from types import SimpleNamespace

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ..models import Measure, local_today
from ..pagination import _encode
from .etags import measure_etag

# The page's measures with what each row shows, by id: one statement whose text never changes,
# so it costs the ORM nothing to build and PostgreSQL little to plan (the ORM's version with three
# latest-progress subqueries, four joins and the scope took ~10 ms to compile and plan per request).
# Keys are MeasureSerializer's; the supporting departments come in Department's ordering.
_PAGE_SQL = """
SELECT m.id, m.review_id, m.problem_id, m."order", m.text, m.type, m.target,
       m.responsible_leader_id, m.lead_department_id, m.owner_id, m.report_frequency,
       m.original_deadline, m.current_deadline, m.progress_percent, m.status, m.overdue_since,
       m.completed_on, m.result, m.rules_adopted, m.relapse_count, m.version, m.created_at, m.updated_at,
       leader.full_name, leader.username, lead.name, owner.full_name, owner.username,
       latest.note, latest.percent, latest.created_at, supporting.ids, supporting.names
FROM measures_measure m
LEFT JOIN accounts_user leader ON leader.id = m.responsible_leader_id
LEFT JOIN accounts_department lead ON lead.id = m.lead_department_id
LEFT JOIN accounts_user owner ON owner.id = m.owner_id
LEFT JOIN LATERAL (
    SELECT p.note, p.percent, p.created_at FROM measures_progressreport p
    WHERE p.measure_id = m.id ORDER BY p.created_at DESC, p.id DESC LIMIT 1
) latest ON true
LEFT JOIN LATERAL (
    SELECT array_agg(d.id ORDER BY d.court_id, d."order", d.id) AS ids,
           array_agg(d.name ORDER BY d.court_id, d."order", d.id) AS names
    FROM measures_measure_supporting_departments s JOIN accounts_department d ON d.id = s.department_id
    WHERE s.measure_id = m.id
) supporting ON true
WHERE m.id = ANY(%s)
"""
_COLUMNS = (
    "id", "review", "problem", "order", "text", "type", "target", "responsible_leader", "lead_department",
    "owner", "report_frequency", "original_deadline", "current_deadline", "progress_percent", "status",
    "overdue_since", "completed_on", "result", "rules_adopted", "relapse_count", "version", "created_at",
    "updated_at",
)
_DATES = ("original_deadline", "current_deadline", "overdue_since", "completed_on")
_DATETIMES = ("created_at", "updated_at")


class _Derived:
    """Measure's derived-state rules over one value row: the model's own methods, without the cost
    of Model.__init__ (30+ fields, defaults, signals) for each row."""

    Status, Type, OPEN_STATUSES = Measure.Status, Measure.Type, Measure.OPEN_STATUSES
    is_open = Measure.is_open
    is_extended = Measure.is_extended
    days_left = Measure.days_left
    is_overdue = Measure.is_overdue
    traffic_light = Measure.traffic_light

    __slots__ = ("pk", "type", "status", "version", "original_deadline", "current_deadline")

    def __init__(self, values: dict):
        self.pk, self.type, self.status, self.version = values["id"], values["type"], values["status"], values["version"]
        self.original_deadline, self.current_deadline = values["original_deadline"], values["current_deadline"]


def _datetime_formatter():
    """DRF's DateTimeField.to_representation (ISO 8601 in the current time zone, UTC as "Z"),
    with the time zone looked up once per page instead of once per value."""
    zone = timezone.get_current_timezone()

    def iso(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _segments(queryset: QuerySet, *, position, descending: bool) -> list[QuerySet]:
    """The ordered parts of the list that follow ``position``, each an index range scan."""
    dated = queryset.filter(current_deadline__isnull=False)
    undated = queryset.filter(current_deadline__isnull=True)
    if descending:  # deadline DESC NULLS FIRST, id DESC: undated first
        segments = [undated.order_by("-id"), dated.order_by("-current_deadline", "-id")]
    else:  # deadline ASC NULLS LAST, id ASC
        segments = [dated.order_by("current_deadline", "id"), undated.order_by("id")]
    if position is None:
        return segments
    day, pk = position
    if day is None:
        first = 0 if descending else 1
        after = Q(id__lt=pk) if descending else Q(id__gt=pk)
    else:
        first = 1 if descending else 0
        if descending:
            after = Q(current_deadline__lte=day) & (Q(current_deadline__lt=day) | Q(id__lt=pk))
        else:
            after = Q(current_deadline__gte=day) & (Q(current_deadline__gt=day) | Q(id__gt=pk))
    segments = segments[first:]
    segments[0] = segments[0].filter(after)
    return segments


def measure_list_page(queryset: QuerySet[Measure], *, position, size: int, descending: bool = False):
    """(rows, next position or None): the page after ``position`` = (deadline or None, id) of the
    filtered, scoped ``queryset``, in two queries: the seek for the ids, then the rows by id."""
    parts = [
        segment.values_list("id", "current_deadline")[: size + 1]
        for segment in _segments(queryset, position=position, descending=descending)
    ]
    if len(parts) > 1:  # one query: UNION ALL of the two seeks, each already limited
        deadline = F("current_deadline")
        parts = [parts[0].union(*parts[1:], all=True).order_by(
            deadline.desc(nulls_first=True) if descending else deadline.asc(nulls_last=True),
            "-id" if descending else "id",
        )]
    keys = list(parts[0][: size + 1])
    next_position = None
    if len(keys) > size:
        keys = keys[:size]
        pk, day = keys[-1]
        next_position = _encode(SimpleNamespace(current_deadline=day, pk=pk))
    return _rows([pk for pk, _day in keys]), next_position


def _rows(ids: list[int]) -> list[dict]:
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, [ids])
        found = {values[0]: values for values in cursor.fetchall()}
    today, iso = local_today(), _datetime_formatter()
    rows = []
    for pk in ids:
        values = found[pk]
        row = dict(zip(_COLUMNS, values, strict=False))
        (leader_full, leader_user, lead_name, owner_full, owner_user,
         note, percent, progress_at, supporting_ids, supporting_names) = values[len(_COLUMNS):]
        measure = _Derived(row)
        for key in _DATES:
            if row[key] is not None:
                row[key] = row[key].isoformat()  # DRF's DateField: ISO 8601
        for key in _DATETIMES:
            row[key] = iso(row[key])
        row.update(
            # User.display_name: the full name, or the username when it is empty.
            responsible_leader_name=(leader_full or leader_user) if row["responsible_leader"] is not None else None,
            lead_department_name=lead_name,
            owner_name=(owner_full or owner_user) if row["owner"] is not None else None,
            supporting_departments=[
                {"id": i, "name": n} for i, n in zip(supporting_ids or (), supporting_names or (), strict=True)
            ],
            is_extended=measure.is_extended,
            traffic_light=measure.traffic_light(today),
            is_overdue=measure.is_overdue(today),
            etag=measure_etag(measure),
            latest_progress_note=note,
            latest_progress_percent=percent,
            latest_progress_at=iso(progress_at),
        )
        rows.append(row)
    return rows
