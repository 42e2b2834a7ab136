"""Working days: the statutory calendar counts holidays and 调休 by default, the system administrator keeps the
table for the years the calendar package does not know, and a missing year is a visible warning, not a silent
Monday-to-Friday."""

import datetime

import pytest

from measures.calendar import add_working_days, is_working_day, years_without_calendar
from measures.models import CalendarDay
from tests import factories as f

# A year no release of chinese-calendar will know while this code lives.
FAR = 2099


def test_a_new_review_counts_reminders_in_working_days_unless_the_office_says_otherwise(org):
    review = f.ReviewFactory.build(court=org.court)

    assert review.reminder_working_days is True


@pytest.mark.django_db
def test_the_administrators_table_is_the_calendar_of_a_year_the_package_does_not_know():
    # 2099-01-01 is a Thursday (holiday, 元旦), 2099-01-02 a Friday (holiday), 2099-01-04 a Sunday (调休上班).
    CalendarDay.objects.create(day=datetime.date(FAR, 1, 1), name="元旦")
    CalendarDay.objects.create(day=datetime.date(FAR, 1, 2), name="元旦")
    CalendarDay.objects.create(day=datetime.date(FAR, 1, 4), name="调休上班", is_working_day=True)

    assert not is_working_day(datetime.date(FAR, 1, 1))
    assert is_working_day(datetime.date(FAR, 1, 4))
    assert not is_working_day(datetime.date(FAR, 1, 3))  # an ordinary Saturday of that year
    assert is_working_day(datetime.date(FAR, 1, 5))  # an ordinary Monday
    # From New Year's Eve: Friday 2 January is a holiday, Sunday 4 January a make-up working day.
    assert add_working_days(datetime.date(FAR - 1, 12, 31), 1) == datetime.date(FAR, 1, 4)


@pytest.mark.django_db
def test_a_correction_in_the_table_overrides_the_package_for_a_year_it_knows():
    ordinary_wednesday = datetime.date(2026, 6, 10)
    assert is_working_day(ordinary_wednesday)

    CalendarDay.objects.create(day=ordinary_wednesday, name="地方假日")

    assert not is_working_day(ordinary_wednesday)


@pytest.mark.django_db
def test_a_year_without_any_schedule_is_named_until_the_administrator_enters_it():
    today = datetime.date(FAR - 1, 12, 1)
    assert years_without_calendar(today) == [FAR - 1, FAR]

    CalendarDay.objects.create(day=datetime.date(FAR, 1, 1), name="元旦")

    assert years_without_calendar(today) == [FAR - 1]


@pytest.mark.django_db
def test_readyz_warns_about_next_years_missing_holiday_table_without_failing(client, time_machine):
    time_machine.move_to(datetime.datetime(FAR - 1, 12, 1, 10, 0, tzinfo=datetime.UTC))

    answer = client.get("/readyz").json()

    assert "calendar: no statutory holiday table for 2099" in answer["warnings"]
    assert "calendar" not in answer.get("failed", [])


def test_the_office_sees_which_years_lack_a_holiday_table_and_staff_do_not(org, client, time_machine):
    time_machine.move_to(datetime.datetime(FAR - 1, 12, 1, 10, 0, tzinfo=datetime.UTC))
    CalendarDay.objects.create(day=datetime.date(FAR - 1, 1, 1), name="元旦")

    client.force_login(org.office)
    office_page = client.get("/my/").content.decode()
    client.force_login(org.staff_a)
    staff_page = client.get("/my/").content.decode()

    assert 'id="calendar-warning"' in office_page and "2099" in office_page
    assert 'id="calendar-warning"' not in staff_page
