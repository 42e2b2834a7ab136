"""Leaders' dashboards: every tile and chart series equals the counts of a fixture built to known
numbers; every number drills down to a list of exactly that many measures; scope and query bounds."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import Instruction, Measure
from reports import dashboards
from reports.burndown import burndown_days_write
from reports.models import BurndownDay

from .. import factories as f

TODAY = datetime.date(2026, 4, 1)
NOW = f.shanghai(2026, 4, 1, 10, 0)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _frozen_and_fresh():
    cache.clear()  # the burn-down is cached under its query; each test starts cold
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(org, review):
    """Ten measures with known counts (today 2026-04-01):

    中院 review — 党的建设方面: P1 [closed, closed] (complete), P2 [in progress 3 days overdue, 长期坚持 continuing]
                  审判执行方面: P3 [not started 10 days overdue, close-out requested 40 days overdue,
                                 not started due in 5 days, in progress extended + relapsed],
                                P4 [长期坚持 not started]  (nothing to close: not complete)
    基层 review — 党的建设方面: P5 [in progress 2 days overdue]
    """
    basic_dept = org.basic_office.department
    cat_a = f.CategoryFactory(review=review, name="党的建设方面", order=1)
    cat_b = f.CategoryFactory(review=review, name="审判执行方面", order=2)
    p1, p2 = (f.ProblemFactory(category=cat_a, lead_department=org.dept_a) for _ in range(2))
    p3, p4 = (f.ProblemFactory(category=cat_b, lead_department=org.dept_b) for _ in range(2))
    a = {"lead_department": org.dept_a, "responsible_leader": org.leader_a}
    b = {"lead_department": org.dept_b}
    m = {
        "m1": f.MeasureFactory(problem=p1, read_only_closed=True, original_deadline=days(-20), **a),
        "m2": f.MeasureFactory(problem=p1, read_only_closed=True, original_deadline=days(-5), **a),
        "m3": f.MeasureFactory(problem=p2, read_only_in_progress=True, original_deadline=days(-3), **a),
        "m4": f.MeasureFactory(problem=p2, read_only_continuing=True, **a),
        "m5": f.MeasureFactory(problem=p3, original_deadline=days(-10), **b),
        "m6": f.MeasureFactory(problem=p3, read_only_closeout_requested=True, original_deadline=days(-40), **b),
        "m7": f.MeasureFactory(problem=p3, original_deadline=days(5), **b),
        "m8": f.MeasureFactory(
            problem=p3, read_only_in_progress=True, original_deadline=days(30), current_deadline=days(60),
            relapse_count=1, **b,
        ),
        "m9": f.MeasureFactory(problem=p4, ongoing=True, **b),
    }
    basic_review = f.ReviewFactory(court=org.basic_court, title="区法院自查整改")
    p5 = f.ProblemFactory(category=f.CategoryFactory(review=basic_review, name="党的建设方面"), lead_department=basic_dept)
    m["m10"] = f.MeasureFactory(
        problem=p5, read_only_in_progress=True, original_deadline=days(-2), lead_department=basic_dept
    )
    return m


def get_dashboard(client, user, url=None, **params):
    client.force_login(user)
    response = client.get(url or reverse("dashboard"), params)
    assert response.status_code == 200
    return response.context["dashboard"], response.context["charts"]


EXPECTED_TILES = {
    "problems": 5, "problems_complete": 1, "problems_incomplete": 4, "problem_rate": 20.0,
    "measures": 10, "ongoing": 2, "closable": 8, "closed": 2, "measure_rate": 25.0,
    "in_progress": 3, "closeout_requested": 1, "not_started": 2,
    "overdue": 4, "due_soon": 1, "extended": 1, "relapsed": 1,
}


def test_office_dashboard_tiles_equal_the_known_counts(client, org, known):
    dashboard, _ = get_dashboard(client, org.office)
    assert {k: dashboard.tiles[k] for k in EXPECTED_TILES} == EXPECTED_TILES


def test_every_chart_series_equals_the_known_counts(client, org, known):
    dashboard, charts = get_dashboard(client, org.office)
    assert [(c["name"], c["problems"], c["problems_complete"], c["closable"], c["closed"], c["rate"])
            for c in charts["categories"]] == [
        ("党的建设方面", 3, 1, 4, 2, 50.0),  # both reviews' 党的建设方面 add up
        ("审判执行方面", 2, 0, 4, 0, 0.0),
    ]
    assert [(d["name"], d["closable"], d["closed"], d["overdue"], d["rate"]) for d in charts["departments"]] == [
        ("某市中院 立案庭", 3, 2, 1, 66.7),
        ("某区法院 政治处", 1, 0, 1, 0.0),
        ("某市中院 刑事审判庭", 4, 0, 2, 0.0),
    ]
    assert {s["status"]: s["value"] for s in charts["statuses"]} == {
        "not_started": 3, "in_progress": 3, "closeout_requested": 1, "closed": 2, "ongoing": 1,
    }
    assert [(b["bucket"], b["value"]) for b in charts["overdue"]] == [("1-7", 2), ("8-30", 1), ("31+", 1)]
    # All ten were created today: a week ago nothing was open, today the six still to close are.
    assert charts["burndown"]["days"] == ["2026-03-25", "2026-04-01"]
    assert charts["burndown"]["open"] == [0, 6]
    assert [(c["name"], c["measures"], c["closable"], c["closed"], c["overdue"]) for c in charts["courts"]] == [
        ("某市中级人民法院", 9, 7, 2, 3),
        ("某市某区人民法院", 1, 1, 0, 1),
    ]


def _listed(client, url) -> tuple[int, int]:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["counts"]["total"], len(response.context["page"].items)


@pytest.mark.parametrize("tile", [
    "measures", "closable", "closed", "in_progress", "closeout_requested", "not_started", "ongoing",
    "overdue", "due_soon", "extended", "relapsed", "unfinished",
])
def test_each_tile_drills_down_to_a_list_of_as_many_measures(client, org, known, tile):
    dashboard, _ = get_dashboard(client, org.office)
    expected = dashboard.tiles.get(tile, dashboard.tiles["closable"] - dashboard.tiles["closed"])
    assert _listed(client, dashboard.links[tile]) == (expected, expected)


def test_every_chart_element_drills_down_to_its_count(client, org, known):
    _, charts = get_dashboard(client, org.office)
    pairs = [(c["closed"], c["closed_url"]) for c in charts["categories"]]
    pairs += [(c["unfinished"], c["unfinished_url"]) for c in charts["categories"]]
    pairs += [(c["closable"], c["url"]) for c in charts["categories"]]
    pairs += [(d["overdue"], d["overdue_url"]) for d in charts["departments"]]
    pairs += [(d["closable"], d["url"]) for d in charts["departments"]]
    pairs += [(s["value"], s["url"]) for s in charts["statuses"]]
    pairs += [(b["value"], b["url"]) for b in charts["overdue"]]
    pairs += [(c["measures"], c["url"]) for c in charts["courts"]]
    pairs += [(c["overdue"], c["overdue_url"]) for c in charts["courts"]]
    pairs += [(charts["burndown"]["open"][-1], charts["burndown"]["url"])]
    for count, url in pairs:
        assert _listed(client, url) == (count, count), url


def test_complete_problems_drill_down_to_their_measures(client, org, known):
    dashboard, _ = get_dashboard(client, org.office)
    response = client.get(dashboard.links["problems_complete"])
    assert {m.pk for m in response.context["page"].items} == {known["m1"].pk, known["m2"].pk}


def test_filters_in_the_url_narrow_every_figure_and_carry_into_the_drill_down(client, org, known, review):
    dashboard, _ = get_dashboard(client, org.office, review=review.pk, category="审判执行方面")
    assert (dashboard.tiles["measures"], dashboard.tiles["overdue"], dashboard.tiles["problems"]) == (5, 2, 2)
    assert "category=%E5%AE%A1" in dashboard.links["overdue"] and f"review={review.pk}" in dashboard.links["overdue"]
    assert _listed(client, dashboard.links["overdue"]) == (2, 2)
    dated, _ = get_dashboard(client, org.office, deadline_from=days(-10).isoformat(), deadline_to=days(0).isoformat())
    assert dated.tiles["measures"] == 4  # m2, m3, m5, m10


def test_review_dashboard_is_the_same_page_with_the_review_fixed(client, org, known, review):
    dashboard, _ = get_dashboard(client, org.office, url=reverse("review_dashboard", args=[review.pk]))
    assert dashboard.tiles["measures"] == 9
    assert f"review={review.pk}" in dashboard.links["measures"]


def test_leader_switched_to_mine_sees_only_the_departments_they_supervise(client, org, known):
    dashboard, charts = get_dashboard(client, org.leader_a, scope="mine")
    assert (dashboard.tiles["measures"], dashboard.tiles["closed"], dashboard.tiles["overdue"]) == (4, 2, 1)
    assert [d["name"] for d in charts["departments"]] == ["立案庭"]
    assert all("scope=mine" in url for url in dashboard.links.values())
    assert _listed(client, dashboard.links["overdue"]) == (1, 1)
    asked_for_other, _ = get_dashboard(client, org.leader_a, lead_department=org.dept_b.pk, scope="mine")
    assert asked_for_other.tiles["measures"] == 0


def test_leader_reads_the_whole_court_and_the_courts_below_by_default(client, org, known):
    office, _ = get_dashboard(client, org.office)
    leader, _ = get_dashboard(client, org.leader_none)
    assert leader.tiles == office.tiles and leader.tiles["measures"] == 10


def test_leader_supervising_nothing_sees_zeros_in_his_own_part(client, org, known):
    dashboard, charts = get_dashboard(client, org.leader_none, scope="mine")
    assert dashboard.tiles["measures"] == 0 and charts["departments"] == []


def test_basic_court_office_sees_only_its_court_and_no_courts_panel(client, org, known):
    dashboard, charts = get_dashboard(client, org.basic_office)
    assert (dashboard.tiles["measures"], dashboard.tiles["overdue"]) == (1, 1)
    assert charts["courts"] == []


def test_intermediate_court_leader_compares_the_courts_below_and_drills_into_one(client, org, known):
    org.leader_a.supervised_departments.add(org.basic_office.department)
    _, charts = get_dashboard(client, org.leader_a, scope="mine")
    assert [(c["name"], c["measures"], c["overdue"]) for c in charts["courts"]] == [
        ("某市中级人民法院", 4, 1), ("某市某区人民法院", 1, 1),
    ]
    basic, _ = get_dashboard(client, org.leader_a, court=org.basic_court.pk, scope="mine")
    assert (basic.tiles["measures"], basic.tiles["overdue"]) == (1, 1)
    assert _listed(client, basic.links["overdue"]) == (1, 1)


def test_staff_dashboard_is_limited_to_their_department(client, org, known):
    dashboard, _ = get_dashboard(client, org.staff_b)
    assert dashboard.tiles["measures"] == 5


def test_dashboard_needs_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302


def _queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("notification_list"))  # the session's first save (its idle timer) happens here
    burndown_days_write()  # last night's job
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(ctx.captured_queries)


def _fill(review, org, n):
    category = f.CategoryFactory(review=review, name=f"类别{n}")
    for i in range(n):
        problem = f.ProblemFactory(category=category, lead_department=org.dept_a)
        f.MeasureFactory(problem=problem, lead_department=org.dept_b if i % 2 else org.dept_a,
                         original_deadline=days(i - n // 2))


def test_query_count_does_not_grow_with_the_number_of_measures(client, org, review, django_assert_max_num_queries):
    _fill(review, org, 5)
    small = _queries(client, org.office)
    _fill(review, org, 45)
    large = _queries(client, org.office)
    assert small == large
    cache.clear()
    # 9 for the dashboard itself (filter choices, the scope's review ids, two aggregates, the burn-down);
    # the rest is the session, the user and the navbar (notifications, and for the office the statutory
    # calendar's table for a year the package does not know, read once per process every five minutes).
    with django_assert_max_num_queries(19):  # + the live count of 催办
        client.get(reverse("dashboard"))


def test_burndown_counts_open_measures_as_of_each_week_from_the_history(client, org, problem, drive):
    with time_machine.travel(f.shanghai(2026, 3, 1, 9), tick=False):
        a, b, _c = (f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a,
                                     original_deadline=days(30)) for _ in range(3))
        f.MeasureFactory(problem=problem, ongoing=True, lead_department=org.dept_a)  # never counted
    with time_machine.travel(f.shanghai(2026, 3, 10, 9), tick=False):
        drive.in_progress(a)  # still open
    with time_machine.travel(f.shanghai(2026, 3, 16, 9), tick=False):
        drive.closed(drive.reload(a))
    with time_machine.travel(f.shanghai(2026, 3, 20, 9), tick=False):
        drive.closed(b)
    _, charts = get_dashboard(client, org.office)
    assert charts["burndown"]["days"] == [
        "2026-02-25", "2026-03-04", "2026-03-11", "2026-03-18", "2026-03-25", "2026-04-01",
    ]
    assert charts["burndown"]["open"] == [0, 3, 3, 2, 1, 1]


def test_a_close_out_shows_on_the_next_visit_in_the_tiles_and_the_burndown(client, org, known, drive):
    before, charts_before = get_dashboard(client, org.office)
    assert get_dashboard(client, org.office)[0].tiles == before.tiles  # the second visit is served from cache
    drive.closed(known["m3"])  # 3 days overdue, in progress
    after, charts_after = get_dashboard(client, org.office)
    assert (after.tiles["closed"], after.tiles["overdue"]) == (before.tiles["closed"] + 1, before.tiles["overdue"] - 1)
    assert charts_after["burndown"]["open"] == [*charts_before["burndown"]["open"][:-1],
                                                charts_before["burndown"]["open"][-1] - 1]


def test_burndown_past_weeks_come_from_the_nightly_snapshot_not_the_history(client, org, problem, drive):
    with time_machine.travel(f.shanghai(2026, 3, 1, 9), tick=False):
        a, b = (f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=days(30))
                for _ in range(2))
    with time_machine.travel(f.shanghai(2026, 3, 20, 9), tick=False):
        drive.closed(b)
    with time_machine.travel(f.shanghai(2026, 3, 31, 0, 5), tick=False):
        assert burndown_days_write() > 0  # the job of the night after 2026-03-30
        assert burndown_days_write() == 0  # a second run writes nothing twice
    assert BurndownDay.objects.filter(day="2026-03-30", lead_department__isnull=True).get().open == 1
    Measure.history.all().delete()  # the past weeks no longer depend on the history
    _, charts = get_dashboard(client, org.office)
    assert charts["burndown"]["days"] == ["2026-02-25", "2026-03-04", "2026-03-11", "2026-03-18", "2026-03-25",
                                          "2026-04-01"]
    # past weeks as of each week's end; today's point is live
    assert charts["burndown"]["open"] == [0, 2, 2, 2, 1, 1]
    drive.closed(drive.reload(a))
    _, charts = get_dashboard(client, org.office)
    assert charts["burndown"]["open"][-1] == 0


def test_burndown_for_one_lead_department_reads_its_own_rows(client, org, problem):
    with time_machine.travel(f.shanghai(2026, 3, 1, 9), tick=False):
        f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=days(30))
        f.MeasureFactory(problem=problem, lead_department=org.dept_b, original_deadline=days(30))
    _, everyone = get_dashboard(client, org.office)
    _, one = get_dashboard(client, org.office, lead_department=org.dept_b.pk)
    assert everyone["burndown"]["open"] == [0, 2, 2, 2, 2, 2]
    assert one["burndown"]["open"] == [0, 1, 1, 1, 1, 1]


def test_dashboard_page_shows_charts_container_print_button_and_freshness(client, org, known):
    client.force_login(org.office)
    html = client.get(reverse("dashboard")).content.decode()
    assert "vendor/echarts/echarts.min.js" in html and 'id="dashboard-data"' in html
    assert "data-print" in html and 'data-testid="freshness"' in html
    assert 'data-testid="count-overdue">4<' in html


# --- 批示 ----------------------------------------------------------------------------------------

def test_leader_instruction_on_a_problem_shows_on_each_of_its_measures(client, org, known):
    m1, m2, m3 = known["m1"], known["m2"], known["m3"]
    client.force_login(org.leader_a)
    response = client.post(reverse("measure_instruct", args=[m1.pk]), {"text": "务必于月底前全部整改到位", "on_problem": "on"})
    assert response.status_code == 302
    client.force_login(org.staff_a)
    for measure in (m1, m2):
        page = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
        assert "务必于月底前全部整改到位" in page
    assert "务必于月底前全部整改到位" not in client.get(reverse("measure_detail", args=[m3.pk])).content.decode()


def test_leader_instruction_on_a_measure_shows_only_there(client, org, known):
    client.force_login(org.leader_a)
    client.post(reverse("measure_instruct", args=[known["m3"].pk]), {"text": "抓紧推进，每周报告"})
    instruction = Instruction.objects.get()
    assert (instruction.measure_id, instruction.problem_id, instruction.author) == (known["m3"].pk, None, org.leader_a)
    client.force_login(org.staff_a)
    assert "抓紧推进，每周报告" in client.get(reverse("measure_detail", args=[known["m3"].pk])).content.decode()
    assert "抓紧推进，每周报告" not in client.get(reverse("measure_detail", args=[known["m4"].pk])).content.decode()


def test_staff_cannot_give_instructions_and_see_no_form(client, org, known):
    client.force_login(org.staff_a)
    page = client.get(reverse("measure_detail", args=[known["m3"].pk])).content.decode()
    assert 'id="instruction-form"' not in page
    response = client.post(reverse("measure_instruct", args=[known["m3"].pk]), {"text": "越权批示"})
    assert response.status_code == 400
    assert not Instruction.objects.exists()


def test_leader_cannot_instruct_on_measures_he_neither_leads_nor_supervises(client, org, known):
    client.force_login(org.leader_a)  # reads m5 (department B) as a member of the Party group
    page = client.get(reverse("measure_detail", args=[known["m5"].pk])).content.decode()
    assert 'id="instruction-form"' not in page
    response = client.post(reverse("measure_instruct", args=[known["m5"].pk]), {"text": "越权批示"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "才能对本措施作出批示" in response.content.decode()
    assert not Instruction.objects.exists()
    assert not Instruction.objects.exists()


def test_an_instruction_is_on_exactly_one_of_measure_or_problem(org, known):
    with pytest.raises(IntegrityError):
        Instruction.objects.create(author=org.leader_a, text="两者皆有", measure=known["m1"], problem=known["m1"].problem)


def test_measure_page_lists_instructions_in_a_bounded_number_of_queries(client, org, known, django_assert_max_num_queries):
    for i in range(5):
        Instruction.objects.create(author=org.leader_a, text=f"批示{i}", problem=known["m1"].problem)
    client.force_login(org.staff_a)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("measure_detail", args=[known["m1"].pk])).status_code == 200


def test_dashboards_module_counts_only_in_sql(org, known):
    """The selector is usable without a request (bulletins, API): same figures as the page."""
    assert dashboards.dashboard_for(user=org.office, params={}).tiles["overdue"] == 4
    assert Measure.objects.count() == 10


def test_problem_tiles_open_no_measure_list_whose_rows_would_not_match_their_count(client, org, review, measure):
    """BUG (issue 17): the 问题 tiles counted problems but linked to the measure list, so the number and the rows
    it opened differed. Problems are counted, not listed, so those tiles link nowhere; measure tiles still do."""
    client.force_login(org.office)

    page = client.get(reverse("dashboard")).content.decode()

    assert '<div data-testid="tile-problems">' in page and '<div data-testid="tile-problem-rate">' in page
    assert 'href="' in page.split('data-testid="tile-measures"')[0].rsplit("<a", 1)[-1]
