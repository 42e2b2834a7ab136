"""Keyset pagination for measure lists (the /my/ page and the API): the page after a (deadline, id)
cursor, at any depth.

OFFSET at 90 % of 100,000 rows costs hundreds of milliseconds; a keyset seek on the
(current_deadline, id) index costs a few. Measures without a deadline (长期坚持) sort last.
The seek is done per segment — measures with a deadline, then those without — so each part is a
range scan on the index, and within the dated part the cursor is a row-value comparison, one range
seek. One condition with ``deadline > d OR (deadline = d AND id > n) OR deadline IS NULL`` cannot
seek: PostgreSQL walked the index from the start and filtered 50,000 rows at half depth (~25-50 ms).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet


@dataclass
class Page:
    items: list
    next_cursor: str | None
    is_first: bool


def _encode(measure) -> str:
    day = measure.current_deadline.isoformat() if measure.current_deadline else "none"
    return f"{day}.{measure.pk}"


def _decode(cursor: str) -> tuple[datetime.date | None, int] | None:
    try:
        day, pk = cursor.split(".", 1)
        return (None if day == "none" else datetime.date.fromisoformat(day)), int(pk)
    except ValueError:
        return None


def seek_sql(queryset: QuerySet, *, position, size: int, descending: bool = False) -> tuple[str, list] | None:
    """One statement for the ids and deadlines of the ``size + 1`` measures that follow ``position``
    (a decoded cursor, or None for the first page) in list order, with its parameters; None when the
    filters leave nothing to read.

    Each segment reads ``scope`` — the queryset's SQL, inlined by PostgreSQL (NOT MATERIALIZED; no
    ORDER BY, which would keep it from inlining) — in its own order with its own limit."""
    try:
        scope, params = queryset.values_list("id", "current_deadline").order_by().query.get_compiler(
            connection=connection
        ).as_sql()
    except EmptyResultSet:  # e.g. a filter on an empty list
        return None
    dated, undated = "current_deadline IS NOT NULL", "current_deadline IS NULL"
    if descending:  # deadline DESC NULLS FIRST, id DESC: undated first
        segments = [[undated, "id DESC"], [dated, "current_deadline DESC, id DESC"]]
    else:  # deadline ASC NULLS LAST, id ASC
        segments = [[dated, "current_deadline, id"], [undated, "id"]]
    params = list(params)
    if position is not None:
        day, pk = position
        after = "<" if descending else ">"
        if day is None:  # within the undated measures
            segments = segments if descending else segments[1:]
            segments[0][0] += f" AND id {after} %s"
            params.append(pk)
        else:
            segments = segments[1:] if descending else segments
            segments[0][0] += f" AND (current_deadline, id) {after} (%s, %s)"
            params += [day, pk]
    union = " UNION ALL ".join(
        f"(SELECT id, current_deadline FROM scope WHERE {where} ORDER BY {order} LIMIT {size + 1})"
        for where, order in segments
    )
    order = "current_deadline DESC NULLS FIRST, id DESC" if descending else "current_deadline ASC NULLS LAST, id"
    sql = (
        f"WITH scope AS NOT MATERIALIZED ({scope}) "
        f"SELECT id, current_deadline FROM ({union}) seek ORDER BY {order} LIMIT {size + 1}"
    )
    return sql, params


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int = 50, descending: bool = False) -> Page:
    """The page after ``cursor``: the seek for the ids, then the queryset's rows by id."""
    position = _decode(cursor) if cursor else None
    seek = seek_sql(queryset, position=position, size=size, descending=descending)
    keys = []
    if seek is not None:
        with connection.cursor() as cur:
            cur.execute(*seek)
            keys = cur.fetchall()
    has_more = len(keys) > size
    ids = [pk for pk, _day in keys[:size]]
    found = queryset.in_bulk(ids) if ids else {}
    rows = [found[pk] for pk in ids]
    return Page(items=rows, next_cursor=_encode(rows[-1]) if has_more else None, is_first=position is None)
