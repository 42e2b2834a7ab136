"""回头看 in the browser's pages: the office sees the look-backs due and records 巩固 or 反弹 on the measure page;
a relapse without a new deadline is refused in Chinese and nothing is written."""

import datetime

import pytest
from django.urls import reverse

from measures.models import LookBack, Measure
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(f.shanghai(2026, 9, 28, 10, 0), tick=False)]


@pytest.fixture
def due_lookback(measure, drive):
    measure = drive.closed(measure)
    return f.LookBackFactory(measure=measure, due_on=datetime.date(2026, 9, 28))


def test_the_office_sees_the_lookbacks_due_and_staff_cannot_open_the_list(client, org, due_lookback):
    client.force_login(org.office)
    office_page = client.get(reverse("lookback_list"))
    client.force_login(org.basic_office)
    other_court = client.get(reverse("lookback_list"))
    client.force_login(org.staff_a)
    staff = client.get(reverse("lookback_list"))

    assert office_page.status_code == 200
    assert due_lookback.measure.text in office_page.content.decode()
    assert due_lookback.measure.text not in other_court.content.decode()
    assert staff.status_code == 403


def test_the_office_records_that_the_fix_held_on_the_measure_page(client, org, due_lookback):
    client.force_login(org.office)
    page = client.get(reverse("measure_detail", args=[due_lookback.measure_id])).content.decode()
    assert 'id="lookback"' in page

    response = client.post(reverse("measure_lookback", args=[due_lookback.measure_id]),
                           {"outcome": "held", "note": "整改成效巩固"})

    due_lookback.refresh_from_db()
    assert response.status_code == 302
    assert (due_lookback.outcome, due_lookback.checked_by) == (LookBack.Outcome.HELD, org.office)
    assert Measure.objects.get(pk=due_lookback.measure_id).status == Measure.Status.CLOSED


def test_a_relapse_without_a_new_deadline_is_refused_in_chinese_and_nothing_changes(client, org, due_lookback):
    client.force_login(org.office)

    response = client.post(reverse("measure_lookback", args=[due_lookback.measure_id]),
                           {"outcome": "relapsed", "note": "同类问题再次出现"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    due_lookback.refresh_from_db()
    assert response.status_code == 400
    assert 'data-field="new_deadline"' in response.content.decode()
    assert "发现反弹须给出新的整改时限" in response.content.decode()
    assert due_lookback.outcome == LookBack.Outcome.PENDING
    assert Measure.objects.get(pk=due_lookback.measure_id).status == Measure.Status.CLOSED


def test_a_relapse_with_a_new_deadline_reopens_the_measure_from_the_page(client, org, due_lookback):
    client.force_login(org.office)

    client.post(reverse("measure_lookback", args=[due_lookback.measure_id]),
                {"outcome": "relapsed", "note": "同类问题再次出现", "new_deadline": "2026-12-31"})

    measure = Measure.objects.get(pk=due_lookback.measure_id)
    assert (measure.status, measure.relapse_count) == (Measure.Status.IN_PROGRESS, 1)
    assert measure.current_deadline == datetime.date(2026, 12, 31)


def test_staff_see_no_lookback_form_and_cannot_post_one(client, org, due_lookback):
    client.force_login(org.staff_a)
    page = client.get(reverse("measure_detail", args=[due_lookback.measure_id])).content.decode()

    response = client.post(reverse("measure_lookback", args=[due_lookback.measure_id]), {"outcome": "held"})

    due_lookback.refresh_from_db()
    assert 'id="lookback"' not in page
    assert response.status_code in (400, 403)
    assert due_lookback.outcome == LookBack.Outcome.PENDING
