"""工作日: the Chinese statutory holiday calendar, with make-up working days (调休), via chinese-calendar.

The package ships the State Council's calendar year by year; for a year it does not know yet,
Monday to Friday is used and a warning is logged, so a deadline is never silently wrong by much.
"""

import datetime
import logging

import chinese_calendar

log = logging.getLogger(__name__)


def is_working_day(day: datetime.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no statutory holiday data for %s; counting Monday to Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
