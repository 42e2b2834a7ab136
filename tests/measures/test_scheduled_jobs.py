"""The daily scans and the digests they produce, as the office and the departments live them."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection

from courtreform.celery import app as celery_app
from measures import alerts, overdue, workflow
from measures.models import LookBack, Measure, MeasureAlert
from notifications.models import Notification, Preference
from notifications.services import notifications_pending_delivery

from .. import factories as f

DEADLINE = f.DEADLINE  # 2026-06-30
DAY_AFTER = DEADLINE + datetime.timedelta(days=1)


def at(day: datetime.date, hour: int = 9):
    return time_machine.travel(f.shanghai(day.year, day.month, day.day, hour), tick=False)


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_overdue_scan_flags_a_measure_once_and_records_the_day_it_became_overdue(measure):
    with at(DEADLINE + datetime.timedelta(days=3)):
        assert overdue.overdue_scan() == 1
        assert overdue.overdue_scan() == 0
    measure.refresh_from_db()
    assert measure.overdue_since == DAY_AFTER
    assert list(MeasureAlert.objects.values_list("kind", "key")) == [("overdue", DAY_AFTER)]


def test_a_measure_due_today_is_not_overdue_yet(measure):
    with at(DEADLINE, hour=23):
        assert overdue.overdue_scan() == 0


def test_overdue_is_judged_on_the_court_clock_not_utc(measure):
    # 2026-07-01 01:00 in Shanghai is still 2026-06-30 in UTC: the deadline has passed in court.
    with time_machine.travel(f.shanghai(2026, 7, 1, 1), tick=False):
        assert overdue.overdue_scan() == 1


def test_closed_and_ongoing_measures_are_never_flagged(measure, ongoing_measure, drive):
    drive.closed(measure)
    with at(DEADLINE + datetime.timedelta(days=30)):
        assert overdue.overdue_scan() == 0


def test_approved_extension_clears_the_overdue_flag_and_keeps_the_original_deadline(measure, org, drive):
    measure = drive.in_progress(measure)
    with at(DEADLINE + datetime.timedelta(days=2)):
        overdue.overdue_scan()
        extension = workflow.measure_request_extension(
            measure=measure, actor=org.staff_a, new_deadline=DEADLINE + datetime.timedelta(days=60), reason="涉及多部门"
        )
        workflow.measure_decide_extension(extension=extension, actor=org.office, approve=True)
    measure.refresh_from_db()
    assert measure.overdue_since is None
    assert measure.original_deadline == DEADLINE
    assert measure.current_deadline == DEADLINE + datetime.timedelta(days=60)


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_flag_each_measure_once(org):
    review = f.ReviewFactory(court=org.court)
    problem = f.ProblemFactory(category=f.CategoryFactory(review=review))
    f.MeasureFactory.create_batch(40, problem=problem, original_deadline=DEADLINE, lead_department=org.dept_a)
    results = []

    def scan():
        with at(DEADLINE + datetime.timedelta(days=1)):
            results.append(overdue.overdue_scan())
        connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 40]
    assert MeasureAlert.objects.filter(kind="overdue").count() == 40


def test_due_soon_reminders_follow_the_reviews_thresholds_without_repeats(measure):
    with at(DEADLINE - datetime.timedelta(days=6)):
        overdue.reminders_scan()
        overdue.reminders_scan()
    with at(DEADLINE - datetime.timedelta(days=2)):
        overdue.reminders_scan()
    assert sorted(MeasureAlert.objects.filter(kind="due_soon").values_list("days", flat=True)) == [3, 7]


def test_long_overdue_measures_are_escalated_to_the_rectification_office(measure, org, drive):
    drive.in_progress(measure)
    with at(DEADLINE + datetime.timedelta(days=5)):
        overdue.overdue_scan()
        overdue.reminders_scan()
    assert not MeasureAlert.objects.filter(kind="escalation").exists()
    with at(DEADLINE + datetime.timedelta(days=32)):
        overdue.reminders_scan()
        ids = alerts.alerts_dispatch()
    escalation = MeasureAlert.objects.get(kind="escalation")
    assert escalation.key == DAY_AFTER
    office_digest = Notification.objects.get(pk__in=ids, recipient=org.office)
    assert any(item["kind"] == "escalation" for item in office_digest.items)


def test_weekly_measure_without_a_report_this_week_gets_a_report_reminder(measure, org):
    Measure.objects.filter(pk=measure.pk).update(report_frequency="weekly")
    with at(datetime.date(2026, 5, 20)):  # a Wednesday, long after the measure was created
        Measure.objects.filter(pk=measure.pk).update(created_at=f.shanghai(2026, 2, 1, 9))
        overdue.reminders_scan()
    assert MeasureAlert.objects.get(kind="report_due").key == datetime.date(2026, 5, 18)


def test_look_back_is_created_three_months_after_close_out_and_only_once(measure, drive):
    with at(datetime.date(2026, 4, 1)):
        drive.closed(measure)
    with at(datetime.date(2026, 6, 30)):
        assert overdue.lookbacks_create() == 0
    with at(datetime.date(2026, 7, 2)):
        assert overdue.lookbacks_create() == 1
        assert overdue.lookbacks_create() == 0
    lookback = LookBack.objects.get()
    assert lookback.due_on == datetime.date(2026, 7, 1)
    assert lookback.outcome == LookBack.Outcome.PENDING


def test_each_person_gets_one_digest_per_run_listing_all_their_items(org, review, eager_celery,
                                                                    django_capture_on_commit_callbacks):
    problem = f.ProblemFactory(category=f.CategoryFactory(review=review))
    for text in ("清理久押不决案件", "规范案款发放"):
        f.MeasureFactory(problem=problem, text=text, lead_department=org.dept_a, responsible_leader=org.leader_a,
                         original_deadline=DEADLINE)
    org.head_a.email = "head@court.local"
    org.head_a.save()
    with at(DEADLINE + datetime.timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        overdue.overdue_scan()
        ids = alerts.alerts_dispatch()
    digests = Notification.objects.filter(pk__in=ids)
    assert {d.recipient_id for d in digests} == {org.head_a.pk, org.leader_a.pk}
    head_digest = digests.get(recipient=org.head_a)
    assert len(head_digest.items) == 2
    assert [m.to for m in mail.outbox] == [["head@court.local"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alerts_dispatch() == []
    assert len(mail.outbox) == 1


def test_a_person_who_turned_email_off_gets_only_the_in_app_notice(org, measure, eager_celery,
                                                                 django_capture_on_commit_callbacks):
    org.head_a.email = "head@court.local"
    org.head_a.save()
    Preference.objects.create(user=org.head_a, email=False)
    with at(DAY_AFTER), django_capture_on_commit_callbacks(execute=True):
        overdue.overdue_scan()
        alerts.alerts_dispatch()
    assert Notification.objects.filter(recipient=org.head_a).count() == 1
    assert mail.outbox == []


def test_notifications_wait_in_the_outbox_while_the_broker_is_down_and_are_sent_once_later(
    org, measure, settings, django_capture_on_commit_callbacks
):
    org.head_a.email = "head@court.local"
    org.head_a.save()
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        with at(DAY_AFTER), django_capture_on_commit_callbacks(execute=True):
            overdue.overdue_scan()
            alerts.alerts_dispatch()
    finally:
        celery_app.conf.broker_url = settings.CELERY_BROKER_URL
    assert mail.outbox == []
    pending = notifications_pending_delivery()
    assert len(pending) == 2  # head_a and leader_a
    from notifications.tasks import deliver_pending

    deliver_pending()
    deliver_pending()
    assert [m.to for m in mail.outbox] == [["head@court.local"]]


@pytest.mark.django_db  # the administrator's holiday table is read first
def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    from measures.calendar import add_working_days

    # 10月1日–7日 are holidays; Saturday 10月10日 is a make-up working day (调休).
    assert add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)
    assert add_working_days(datetime.date(2026, 9, 30), 3) == datetime.date(2026, 10, 10)


def test_a_review_counting_working_days_reminds_before_a_holiday_not_after_it(org):
    review = f.ReviewFactory(court=org.court, reminder_days=[3], reminder_working_days=True,
                             feedback_date=datetime.date(2026, 1, 10))
    problem = f.ProblemFactory(category=f.CategoryFactory(review=review))
    f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=datetime.date(2026, 10, 9))
    calendar_review = f.ReviewFactory(court=org.court, reminder_days=[3], reminder_working_days=False,
                                      feedback_date=datetime.date(2026, 1, 10))
    f.MeasureFactory(problem=f.ProblemFactory(category=f.CategoryFactory(review=calendar_review)),
                     lead_department=org.dept_a, original_deadline=datetime.date(2026, 10, 9))
    with at(datetime.date(2026, 9, 30)):
        overdue.reminders_scan()
    # 9 calendar days away, but only 2 working days: only the working-day review reminds now.
    assert list(MeasureAlert.objects.filter(kind="due_soon").values_list("measure__review", flat=True)) == [
        review.pk
    ]


def test_an_invalid_cron_expression_is_refused_with_a_message(admin_client):
    response = admin_client.post("/admin/django_celery_beat/crontabschedule/add/", {
        "minute": "99", "hour": "*", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*",
        "timezone": "Asia/Shanghai",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["minute"]
