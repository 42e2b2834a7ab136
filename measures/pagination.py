"""Keyset pagination for measure lists: the page after a (deadline, id) cursor, at any depth.

OFFSET at 90 % of 100,000 rows costs hundreds of milliseconds; a keyset seek on the
(current_deadline, id) index costs a few. Measures without a deadline (长期坚持) sort last.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet


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


def keyset_page(queryset: QuerySet, *, cursor: str | None, size: int = 50, descending: bool = False) -> Page:
    """The page after ``cursor``. Dated and undated measures are sought separately, each on its own
    index range, because an ``OR current_deadline IS NULL`` in one condition makes PostgreSQL read the
    index from its start at every depth; a page that straddles the two parts costs two queries."""
    dated = queryset.filter(current_deadline__isnull=False)
    undated = queryset.filter(current_deadline__isnull=True)
    if descending:
        dated = dated.order_by("-current_deadline", "-id")
        undated = undated.order_by("-id")
        parts = [undated, dated]  # NULLS FIRST when descending
    else:
        dated = dated.order_by("current_deadline", "id")
        undated = undated.order_by("id")
        parts = [dated, undated]
    position = _decode(cursor) if cursor else None
    if position:
        day, pk = position
        if day is None:
            undated = undated.filter(id__lt=pk) if descending else undated.filter(id__gt=pk)
            parts = [undated, dated] if descending else [undated]
        else:
            # The plain bound on current_deadline is what lets the index scan start at the cursor;
            # the OR alone is only a filter, read from the start of the index (50,000 rows at mid-depth).
            if descending:
                dated = dated.filter(Q(current_deadline__lt=day) | Q(current_deadline=day, id__lt=pk),
                                     current_deadline__lte=day)
                parts = [dated]
            else:
                dated = dated.filter(Q(current_deadline__gt=day) | Q(current_deadline=day, id__gt=pk),
                                     current_deadline__gte=day)
                parts = [dated, undated]
    rows: list = []
    for part in parts:
        rows += list(part[: size + 1 - len(rows)])
        if len(rows) > size:
            break
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=_encode(rows[-1]) if has_more else None, is_first=position is None)
