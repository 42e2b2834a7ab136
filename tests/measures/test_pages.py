"""我的整改任务 and the measure page as department liaisons, heads, leaders and the office use them."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from measures import workflow
from measures.models import Measure, ProgressReport, WorkPromptReceipt

from .. import factories as f

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _court_clock():
    with time_machine.travel(f.shanghai(2026, 6, 1, 10), tick=False):
        yield


@pytest.fixture
def dept_a_measures(problem, org):
    """Dept A: 2 overdue, 1 due in 3 days, 3 on track; dept B: 1 overdue."""
    made = []
    for days in (-5, -1, 3, 20, 40, 60):
        made.append(f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a,
                                     original_deadline=TODAY + datetime.timedelta(days=days)))
    f.MeasureFactory(problem=problem, lead_department=org.dept_b, original_deadline=TODAY - datetime.timedelta(days=9))
    return made


def test_a_liaison_sees_only_her_departments_measures_with_traffic_light_counts(client, org, dept_a_measures):
    client.force_login(org.staff_a)
    page = client.get(reverse("my_measures"))
    assert page.status_code == 200
    counts = page.context["counts"]
    assert (counts["total"], counts["overdue"], counts["due_soon"]) == (6, 2, 1)
    lights = sorted(m.traffic_light() for m in page.context["page"].items)
    assert lights == ["green", "green", "green", "red", "red", "yellow"]


def test_the_tiles_follow_every_change_at_once_though_they_are_cached(client, org, problem, dept_a_measures, drive):
    def tiles():
        counts = client.get(reverse("my_measures")).context["counts"]
        return counts["total"], counts["overdue"], counts["closed"]

    client.force_login(org.office)
    assert tiles() == tiles() == (7, 3, 0)
    drive.closed(dept_a_measures[0])  # one of the overdue ones
    assert tiles() == (7, 2, 1)
    workflow.measures_create_bulk(  # a ledger import: bulk_create, no model signals
        rows=[{"problem": problem, "original_deadline": TODAY - datetime.timedelta(days=2),
               "lead_department": org.dept_a, "text": "导入的措施"}],
        actor=org.office,
    )
    assert tiles() == (8, 3, 1)
    problem.delete()
    assert tiles() == (0, 0, 0)


def test_the_overdue_tile_opens_exactly_the_overdue_measures(client, org, dept_a_measures):
    client.force_login(org.staff_a)
    page = client.get(reverse("my_measures"), {"light": "red"})
    assert len(page.context["page"].items) == page.context["counts"]["overdue"] == 2


def test_filters_combine_text_search_status_and_deadline_range(client, org, dept_a_measures):
    target = dept_a_measures[3]
    Measure.objects.filter(pk=target.pk).update(text="建立执行案款台账")
    client.force_login(org.office)
    page = client.get(reverse("my_measures"), {"q": "案款台账", "deadline_from": "2026-06-10", "deadline_to": "2026-06-30"})
    assert [m.pk for m in page.context["page"].items] == [target.pk]


def test_keyset_pages_walk_every_measure_once_in_both_directions(client, org, problem):
    for i in range(120):
        f.MeasureFactory(problem=problem, lead_department=org.dept_a,
                         original_deadline=TODAY + datetime.timedelta(days=i % 17), ongoing=(i % 10 == 0))
    client.force_login(org.office)
    for sort in ("", "-deadline"):
        seen, cursor = [], None
        while True:
            params = {"sort": sort} | ({"after": cursor} if cursor else {})
            page = client.get(reverse("my_measures"), params).context["page"]
            seen += [m.pk for m in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 120


def test_the_list_page_costs_the_same_queries_for_five_or_sixty_measures(client, org, problem,
                                                                       django_assert_max_num_queries):
    client.force_login(org.staff_a)
    f.MeasureFactory.create_batch(5, problem=problem, lead_department=org.dept_a)
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("my_measures"))
    f.MeasureFactory.create_batch(55, problem=problem, lead_department=org.dept_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("my_measures"))


def test_a_stale_progress_form_is_refused_shows_what_changed_and_keeps_the_input(client, org, measure, drive):
    client.force_login(org.staff_a)
    seen_version = measure.version
    drive.in_progress(measure)  # a colleague reports first
    response = client.post(reverse("measure_progress", args=[measure.pk]),
                           {"version": seen_version, "note": "我写的进展", "percent": 50})
    assert response.status_code == 409
    assert response.context["stale_changes"]
    assert response.context["progress_form"]["note"].value() == "我写的进展"
    assert ProgressReport.objects.filter(measure=measure).count() == 1


def test_a_double_submitted_progress_form_writes_one_report(client, org, measure):
    client.force_login(org.staff_a)
    data = {"version": measure.version, "note": "本周完成排查", "percent": 40}
    first = client.post(reverse("measure_progress", args=[measure.pk]), data)
    second = client.post(reverse("measure_progress", args=[measure.pk]), data)
    assert (first.status_code, second.status_code) == (302, 409)
    assert ProgressReport.objects.filter(measure=measure).count() == 1


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(client, org, measure, upload):
    client.force_login(org.staff_a)
    response = client.post(reverse("measure_progress", args=[measure.pk]),
                           {"version": measure.version, "note": "附件", "percent": 150})
    assert response.status_code == 400 and "percent" in response.context["progress_form"].errors
    response = client.post(reverse("measure_progress", args=[measure.pk]),
                           {"version": measure.version, "note": "附件", "percent": 10,
                            "files": [upload.disguised_exe()]})
    assert response.status_code == 400 and "files" in response.context["progress_form"].errors
    assert not ProgressReport.objects.filter(measure=measure).exists()


def test_an_empty_close_out_result_is_refused(client, org, measure, drive):
    measure = drive.in_progress(measure, with_evidence=True)
    client.force_login(org.staff_a)
    response = client.post(reverse("measure_closeout", args=[measure.pk]), {"version": measure.version, "result": " "})
    assert response.status_code == 400
    assert "result" in response.context["closeout_form"].errors


def test_the_leader_and_then_the_office_find_the_close_out_in_their_queue(client, org, measure, drive):
    measure = drive.closeout_requested(measure)
    client.force_login(org.leader_a)
    assert [c.measure_id for c in client.get(reverse("approvals")).context["closeouts"]] == [measure.pk]
    client.force_login(org.office)
    assert list(client.get(reverse("approvals")).context["closeouts"]) == []
    client.force_login(org.leader_a)
    client.post(reverse("measure_decide", args=[measure.pk]), {"version": measure.version + 0, "decision": "approve"})
    measure.refresh_from_db()
    client.force_login(org.office)
    assert [c.measure_id for c in client.get(reverse("approvals")).context["closeouts"]] == [measure.pk]


def test_returning_a_close_out_needs_a_reason(client, org, measure, drive):
    measure = drive.closeout_requested(measure)
    client.force_login(org.leader_a)
    response = client.post(reverse("measure_decide", args=[measure.pk]),
                           {"version": measure.version, "decision": "return", "note": ""})
    assert response.status_code == 400
    measure.refresh_from_db()
    assert measure.status == Measure.Status.CLOSEOUT_REQUESTED


def test_a_department_head_moves_several_measures_at_once_all_or_nothing(client, org, problem):
    ours = f.MeasureFactory.create_batch(3, problem=problem, lead_department=org.dept_a)
    theirs = f.MeasureFactory(problem=problem, lead_department=org.dept_b)
    client.force_login(org.head_a)
    client.post(reverse("bulk_action"), {"measures": [m.pk for m in ours], "action": "progress",
                                         "note": "统一部署", "percent": 20})
    assert ProgressReport.objects.filter(measure__in=ours).count() == 3
    response = client.post(reverse("bulk_action"), {"measures": [ours[0].pk, theirs.pk], "action": "progress",
                                                    "note": "再次推进", "percent": 30}, follow=True)
    assert ProgressReport.objects.count() == 3  # dept B's measure is not in the head's list: nothing written
    assert response.context["messages"]


def test_bulk_with_one_refused_row_writes_nothing_and_names_the_row(client, org, problem):
    ours = f.MeasureFactory(problem=problem, lead_department=org.dept_a, text="本部门措施")
    closed = f.MeasureFactory(problem=problem, lead_department=org.dept_a, text="已销号措施", read_only_closed=True)
    client.force_login(org.head_a)
    response = client.post(reverse("bulk_action"), {"measures": [ours.pk, closed.pk], "action": "progress",
                                                    "note": "统一部署", "percent": 20}, follow=True)
    assert not ProgressReport.objects.exists()
    assert any("已销号措施" in str(m) for m in response.context["messages"])


def test_the_office_issues_numbered_prompt_sheets_and_sees_who_has_not_read(client, org, review):
    client.force_login(org.office)
    for title in ("关于加快整改进度的提示", "关于报送佐证材料的提示"):
        client.post(reverse("prompt_list"), {"review": review.pk, "title": title, "body": "请各部门抓紧落实。",
                                             "departments": [org.dept_a.pk, org.dept_b.pk]})
    prompts = list(client.get(reverse("prompt_list")).context["prompts"])
    assert sorted(p.number for p in prompts) == [1, 2]
    client.force_login(org.staff_a)
    first = next(p for p in prompts if p.number == 1)
    client.post(reverse("prompt_confirm", args=[first.pk]))
    client.post(reverse("prompt_confirm", args=[first.pk]))
    unread = WorkPromptReceipt.objects.filter(prompt=first, read_at__isnull=True)
    assert [r.department for r in unread] == [org.dept_b]
    client.force_login(org.staff_b)
    assert client.post(reverse("prompt_list"), {"review": review.pk, "title": "x", "body": "y",
                                                "departments": [org.dept_a.pk]}).status_code == 404


def test_closed_measures_leave_the_list_but_stay_counted_and_can_be_shown(client, org, problem):
    open_one = f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=TODAY)
    closed = f.MeasureFactory(problem=problem, lead_department=org.dept_a, read_only_closed=True)
    client.force_login(org.staff_a)
    page = client.get(reverse("my_measures"))
    assert [m.pk for m in page.context["page"].items] == [open_one.pk]
    assert (page.context["counts"]["total"], page.context["counts"]["closed"]) == (2, 1)
    shown = client.get(reverse("my_measures"), {"closed": "1"}).context["page"].items
    assert {m.pk for m in shown} == {open_one.pk, closed.pk}
    only_closed = client.get(reverse("my_measures"), {"status": "closed"}).context["page"].items
    assert [m.pk for m in only_closed] == [closed.pk]
