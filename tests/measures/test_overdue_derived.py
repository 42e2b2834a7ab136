"""Derived overdue state and traffic lights (挂图作战), judged on the court's calendar (Asia/Shanghai).

These tests only read a measure's state, so they may build closed / in-flight measures with the
factory's ``read_only_*`` traits instead of driving the workflow.
"""

import datetime

import pytest

from measures import workflow
from measures.models import Measure
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(f.shanghai(2026, 3, 10, 12, 0), tick=False)


def deadline_in(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def test_a_measure_past_its_deadline_is_red_and_overdue(at_noon):
    measure = f.MeasureFactory(original_deadline=deadline_in(-1), read_only_in_progress=True)
    assert measure.is_overdue()
    assert measure.days_overdue() == 1
    assert measure.days_left() == -1
    assert measure.traffic_light() == "red"


def test_a_measure_not_yet_started_is_overdue_too(at_noon):
    measure = f.MeasureFactory(original_deadline=deadline_in(-10))
    assert (measure.is_overdue(), measure.days_overdue(), measure.traffic_light()) == (True, 10, "red")


def test_the_deadline_day_itself_is_not_overdue_but_yellow(at_noon):
    measure = f.MeasureFactory(original_deadline=TODAY, read_only_in_progress=True)
    assert not measure.is_overdue()
    assert measure.days_overdue() == 0
    assert measure.traffic_light() == "yellow"


@pytest.mark.parametrize(("days", "light"), [(1, "yellow"), (7, "yellow"), (8, "green"), (60, "green")])
def test_yellow_within_due_soon_days_green_beyond(at_noon, settings, days, light):
    settings.DUE_SOON_DAYS = 7
    measure = f.MeasureFactory(original_deadline=deadline_in(days), read_only_in_progress=True)
    assert measure.traffic_light() == light
    assert not measure.is_overdue()


def test_due_soon_days_is_a_setting(at_noon, settings):
    settings.DUE_SOON_DAYS = 3
    measure = f.MeasureFactory(original_deadline=deadline_in(5), read_only_in_progress=True)
    assert measure.traffic_light() == "green"


def test_a_closed_measure_is_never_overdue(at_noon):
    measure = f.MeasureFactory(original_deadline=deadline_in(-30), read_only_closed=True)
    assert not measure.is_overdue()
    assert measure.days_overdue() == 0
    assert measure.traffic_light() == "grey"


def test_a_measure_awaiting_closeout_past_its_deadline_is_still_overdue(at_noon):
    measure = f.MeasureFactory(original_deadline=deadline_in(-3), read_only_closeout_requested=True)
    assert measure.is_overdue()
    assert measure.traffic_light() == "red"


def test_a_continuing_measure_is_never_overdue(at_noon):
    measure = f.MeasureFactory(read_only_continuing=True)
    assert not measure.is_overdue()
    assert measure.days_overdue() == 0
    assert measure.traffic_light() == "green"


def test_an_ongoing_measure_is_green_from_setup_to_continuing(at_noon, org, problem):
    measure = workflow.measure_create(
        problem=problem, actor=org.office, text="坚持每周调度", type=Measure.Type.ONGOING,
        lead_department=org.dept_a, original_deadline=deadline_in(-1),
    )
    assert (measure.is_overdue(), measure.traffic_light()) == (False, "green")

    workflow.measure_start(measure=measure, actor=org.staff_a)

    measure.refresh_from_db()
    assert measure.status == Measure.Status.ONGOING
    assert (measure.is_overdue(), measure.traffic_light()) == (False, "green")


def test_a_measure_without_a_deadline_is_not_overdue(at_noon):
    measure = f.MeasureFactory(original_deadline=None, read_only_in_progress=True)
    assert measure.days_left() is None
    assert not measure.is_overdue()
    assert measure.traffic_light() == "green"


def test_overdue_is_judged_from_the_current_deadline_after_an_extension(at_noon):
    measure = f.MeasureFactory(original_deadline=deadline_in(-5), read_only_in_progress=True)
    measure.current_deadline = deadline_in(20)
    assert measure.is_extended
    assert not measure.is_overdue()
    assert measure.traffic_light() == "green"


def test_overdue_is_judged_on_shanghai_time_not_utc(time_machine):
    """01:00 on 1 March in Shanghai is still 28 February in UTC; the court's day has turned."""
    measure = f.MeasureFactory(original_deadline=datetime.date(2026, 2, 28), read_only_in_progress=True)
    time_machine.move_to(datetime.datetime(2026, 2, 28, 17, 0, tzinfo=datetime.UTC), tick=False)

    assert f.shanghai(2026, 3, 1, 1, 0) == datetime.datetime(2026, 2, 28, 17, 0, tzinfo=datetime.UTC)
    assert measure.is_overdue()
    assert measure.days_overdue() == 1
    assert measure.traffic_light() == "red"


def test_the_last_minute_of_the_deadline_day_in_shanghai_is_not_overdue(time_machine):
    measure = f.MeasureFactory(original_deadline=datetime.date(2026, 2, 28), read_only_in_progress=True)
    time_machine.move_to(f.shanghai(2026, 2, 28, 23, 59), tick=False)  # 15:59 UTC
    assert not measure.is_overdue()
    assert measure.traffic_light() == "yellow"


def test_an_explicit_day_overrides_the_clock(at_noon):
    measure = f.MeasureFactory(original_deadline=TODAY, read_only_in_progress=True)
    assert measure.is_overdue(today=deadline_in(1))
    assert measure.traffic_light(today=deadline_in(-30)) == "green"
