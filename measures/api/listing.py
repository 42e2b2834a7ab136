"""The measure list's rows, built straight from database values: the same keys and values as
MeasureSerializer, without a model instance per row and a serializer field walk per column.

Through ModelSerializer a page of 50 cost ~20 ms of Python for serialising and ~25 ms for building
three model instances per row (profiled on a loaded machine); these rows cost about a millisecond.
The detail endpoint and the workflow actions keep MeasureSerializer, which stays the documented
shape of a list row (drf-spectacular reads it; schemathesis checks the rows against it).

The keyset seek is measures.pagination's, the /my/ page's too.
"""

from types import SimpleNamespace

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Measure, local_today
from ..pagination import _encode, seek_sql
from .etags import measure_etag

# The page's measures with what each row shows, in one statement: the seek ({seek}:
# measures.pagination.seek_sql over the filtered scope) finds the ids, then the rows are read by id. Written
# out here, it costs the ORM nothing to build (the ORM's version with three latest-progress
# subqueries, four joins and the scope took ~10 ms to compile and plan per request; the seek's two
# segments as a union of querysets ~2 ms to compile), and the seek costs no round trip of its own.
# Keys are MeasureSerializer's; the supporting departments come in Department's ordering.
_PAGE_SQL = """
WITH page AS MATERIALIZED ({seek})
SELECT m.id, m.review_id, m.problem_id, m."order", m.text, m.type, m.target,
       m.responsible_leader_id, m.lead_department_id, m.owner_id, m.report_frequency,
       m.original_deadline, m.current_deadline, m.progress_percent, m.status, m.overdue_since,
       m.completed_on, m.result, m.rules_adopted, m.relapse_count, m.version, m.created_at, m.updated_at,
       leader.full_name, leader.username, lead.name, owner.full_name, owner.username,
       latest.note, latest.percent, latest.created_at, supporting.ids, supporting.names
FROM page JOIN measures_measure m ON m.id = page.id
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
ORDER BY {order}
"""
_ORDER = {False: "m.current_deadline ASC NULLS LAST, m.id ASC", True: "m.current_deadline DESC NULLS FIRST, m.id DESC"}
_COLUMNS = (
    "id", "review", "problem", "order", "text", "type", "target", "responsible_leader", "lead_department",
    "owner", "report_frequency", "original_deadline", "current_deadline", "progress_percent", "status",
    "overdue_since", "completed_on", "result", "rules_adopted", "relapse_count", "version", "created_at",
    "updated_at",
)
_DEADLINE = _COLUMNS.index("current_deadline")
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


def measure_list_page(queryset: QuerySet[Measure], *, position, size: int, descending: bool = False):
    """(rows, next position or None): the page after ``position`` = (deadline or None, id) of the
    filtered, scoped ``queryset``, in one query."""
    seek = seek_sql(queryset, position=position, size=size, descending=descending)
    if seek is None:
        return [], None
    seek, params = seek
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL.format(seek=seek, order=_ORDER[descending]), params)
        found = cursor.fetchall()
    next_position = None
    if len(found) > size:
        found = found[:size]
        last = found[-1]
        next_position = _encode(SimpleNamespace(current_deadline=last[_DEADLINE], pk=last[0]))
    return _rows(found), next_position


def _rows(found: list[tuple]) -> list[dict]:
    today, iso = local_today(), _datetime_formatter()
    rows = []
    for values in found:
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
