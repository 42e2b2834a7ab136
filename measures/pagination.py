"""Keyset pagination for measure lists: the page after a (deadline, id) cursor, at any depth.

OFFSET at 90 % of 100,000 rows costs hundreds of milliseconds; a keyset seek on the
(current_deadline, id) index costs a few. Measures without a deadline (长期坚持) sort last.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet


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
    if descending:
        queryset = queryset.order_by(F("current_deadline").desc(nulls_first=True), "-id")
    else:
        queryset = queryset.order_by(F("current_deadline").asc(nulls_last=True), "id")
    position = _decode(cursor) if cursor else None
    if position:
        day, pk = position
        if not descending:
            if day is None:
                after = Q(current_deadline__isnull=True, id__gt=pk)
            else:
                after = (
                    Q(current_deadline__gt=day) | Q(current_deadline=day, id__gt=pk) | Q(current_deadline__isnull=True)
                )
        elif day is None:
            after = Q(current_deadline__isnull=True, id__lt=pk) | Q(current_deadline__isnull=False)
        else:
            after = Q(current_deadline__lt=day) | Q(current_deadline=day, id__lt=pk)
        queryset = queryset.filter(after)
    rows = list(queryset[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(items=rows, next_cursor=_encode(rows[-1]) if has_more else None, is_first=position is None)
