"""工作日: the Chinese statutory holiday calendar, with make-up working days (调休).

Two sources, in this order:
1. ``CalendarDay`` rows, kept by the system administrator for the years chinese-calendar does not know
   yet (next year's schedule is announced late in the year) or to correct it;
2. the chinese-calendar package, which ships the State Council's schedule year by year.

For a year neither knows, Monday to Friday is used, and that is not silent: ``years_without_calendar``
feeds /readyz's warnings and the banner the office and the system administrator see, and every
fallback is logged.
"""

import datetime
import logging
import threading
import time

import chinese_calendar

log = logging.getLogger(__name__)

# The table changes a few times a year; a process re-reads a year after this many seconds, and at
# once after a change it made itself (the model's signals call ``forget``).
TABLE_SECONDS = 300
_tables: dict[int, tuple[float, dict[datetime.date, bool]]] = {}
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _tables.clear()


def _table(year: int) -> dict[datetime.date, bool]:
    with _lock:
        cached = _tables.get(year)
        if cached and time.monotonic() - cached[0] < TABLE_SECONDS:
            return cached[1]
    from .models import CalendarDay

    days = dict(CalendarDay.objects.filter(day__year=year).values_list("day", "is_working_day"))
    with _lock:
        _tables[year] = (time.monotonic(), days)
    return days


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def is_working_day(day: datetime.date) -> bool:
    table = _table(day.year)
    if day in table:
        return table[day]
    if table:  # the administrator's table is this year's calendar
        return day.weekday() < 5
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no statutory holiday data for %s; counting Monday to Friday", day.year)
        return day.weekday() < 5


def years_without_calendar(today: datetime.date) -> list[int]:
    """This year and next, where neither the package nor the administrator's table has the schedule."""
    return [year for year in (today.year, today.year + 1) if not _package_knows(year) and not _table(year)]


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
