"""Pages: who sees what, evidence downloads, and query counts that do not grow with the data.

Read-only pages, so review contents are built with factories (``read_only_*`` traits for status).
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures import workflow
from measures.models import Measure
from tests import factories as f

pytestmark = pytest.mark.django_db


def build_review(org, *, measures: int, court=None, title: str = "巡察反馈意见整改"):
    """A review with 2 categories and 3 problems (the last without measures), ``measures`` measures
    spread over the first two problems: every 5th closed, every 7th ongoing, the rest in progress;
    led by department A, every 3rd with department B supporting."""
    review = f.ReviewFactory(court=court or org.court, title=title)
    cat1 = f.CategoryFactory(review=review, name="政治建设方面", order=1)
    cat2 = f.CategoryFactory(review=review, name="司法作风方面", order=2)
    problems = [
        f.ProblemFactory(category=cat1, description="学习贯彻不深入", lead_department=org.dept_a,
                         responsible_leader=org.leader_a, order=1),
        f.ProblemFactory(category=cat2, description="案件久拖不结", lead_department=org.dept_a, order=1),
        f.ProblemFactory(category=cat2, description="尚未分解的问题", order=2),
    ]
    for i in range(measures):
        traits = {}
        if i % 5 == 4:
            traits["read_only_closed"] = True
        elif i % 7 == 6:
            traits.update(ongoing=True, read_only_in_progress=True)
        else:
            traits["read_only_in_progress"] = True
        f.MeasureFactory(
            problem=problems[i % 2], text=f"整改措施{i + 1}", order=i, lead_department=org.dept_a,
            responsible_leader=org.leader_a, owner=org.staff_a if i % 4 == 0 else None,
            supporting_departments=[org.dept_b] if i % 3 == 0 else [], **traits,
        )
    return review


def count_queries(client, url) -> int:
    client.get(url)  # warm up: session and language are settled by the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


# --- login and language --------------------------------------------------------------------------

def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "登录" in html


def test_anonymous_users_are_sent_to_login(client, org, drive, measure):
    measure = drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    for url in [
        reverse("home"), reverse("review_list"), reverse("review_detail", args=[measure.review_id]),
        reverse("measure_detail", args=[measure.pk]), reverse("evidence_download", args=[evidence.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_a_user_can_log_in_with_the_password(client, org):
    response = client.post(reverse("login"), {"username": "staff_a", "password": f.DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --- review list and tree roll-ups ---------------------------------------------------------------

def test_review_list_shows_roll_up_counts_to_the_office(client, org):
    build_review(org, measures=10)
    client.force_login(org.office)

    response = client.get(reverse("review_list"))

    assert response.status_code == 200
    [card] = response.context["reviews"]
    assert (card.category_count, card.problem_count, card.measure_count) == (2, 3, 10)
    assert (card.closed_count, card.ongoing_count) == (2, 1)
    rollup = re.search(r'class="rollup[^"]*">(.*?)</p>', response.content.decode()).group(1)
    assert re.findall(r"\d+", rollup) == ["2", "3", "10"]


def test_a_leader_reads_the_whole_court_and_narrows_to_his_own_part(client, org):
    build_review(org, measures=10)
    f.MeasureFactory(problem__category__review__court=org.court, lead_department=org.dept_b)
    client.force_login(org.leader_none)  # 党组成员 supervising nothing

    whole = client.get(reverse("review_list")).context["reviews"]
    assert sum(r.measure_count for r in whole) == 11
    assert list(client.get(reverse("review_list"), {"scope": "mine"}).context["reviews"]) == []


def test_review_tree_shows_roll_up_counts(client, org):
    review = build_review(org, measures=10)
    client.force_login(org.office)

    response = client.get(reverse("review_detail", args=[review.pk]))

    assert response.status_code == 200
    assert response.context["totals"] == {"categories": 2, "problems": 3, "measures": 10, "closed": 2}
    html = response.content.decode()
    rollup = re.search(r'data-testid="rollup">(.*?)</div>', html, re.S).group(1)
    assert re.findall(r"\d+", rollup) == ["2", "3", "10", "2"]
    assert "尚未分解的问题" in html  # the office sees problems not yet broken into measures


def test_staff_see_only_their_departments_part_of_the_tree(client, org):
    review = build_review(org, measures=6)
    client.force_login(org.staff_b)  # department B supports measures 1 and 4

    response = client.get(reverse("review_detail", args=[review.pk]))

    # measures 1 and 4: one under each of the first two problems; the third problem is hidden
    assert response.context["totals"] == {"categories": 2, "problems": 2, "measures": 2, "closed": 0}
    assert "尚未分解的问题" not in response.content.decode()


def test_review_list_and_tree_agree_for_staff(client, org):
    """Staff see the part of the tree their measures are in: the list card counts the same
    categories and problems as the tree page (not every category of the review)."""
    review = build_review(org, measures=6)
    client.force_login(org.staff_b)

    [card] = client.get(reverse("review_list")).context["reviews"]
    totals = client.get(reverse("review_detail", args=[review.pk])).context["totals"]

    assert (card.category_count, card.problem_count, card.measure_count) == (
        totals["categories"], totals["problems"], totals["measures"],
    )


def test_a_review_with_nothing_visible_is_404(client, org):
    review = build_review(org, measures=3)
    client.force_login(f.UserFactory(department=f.DepartmentFactory(court=org.court, name="行装科"), staff=True))
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404


def test_the_basic_court_office_cannot_open_the_intermediate_courts_review(client, org):
    review = build_review(org, measures=3)
    client.force_login(org.basic_office)
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404
    assert list(client.get(reverse("review_list")).context["reviews"]) == []


def test_the_intermediate_court_office_sees_the_basic_courts_reviews(client, org):
    build_review(org, measures=2, title="中院整改")
    build_review(org, measures=2, court=org.basic_court, title="基层法院整改")
    client.force_login(org.office)

    titles = {r.title for r in client.get(reverse("review_list")).context["reviews"]}

    assert titles == {"中院整改", "基层法院整改"}


# --- the measure page ----------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["staff_a", "head_a", "leader_a", "office", "discipline"])
def test_the_measure_page_opens_for_those_in_scope(client, org, measure, drive, actor):
    measure = drive.in_progress(measure, with_evidence=True)
    client.force_login(getattr(org, actor))

    response = client.get(reverse("measure_detail", args=[measure.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "开展长期未结案件专项清理" in html
    assert "已召开专题部署会" in html  # the progress note
    assert reverse("evidence_download", args=[measure.evidence.get().pk]) in html
    assert "2026年6月30日" in html


def _outsider(org, name):
    """Someone the 中院's measure is out of scope for; a lower court's leader reads only his own court tree."""
    if name == "basic_leader":
        return f.UserFactory(username="basic_leader", court=org.basic_court, leader=True)
    return getattr(org, name)


@pytest.mark.parametrize("actor", ["staff_b", "basic_leader", "basic_office"])
def test_the_measure_page_is_404_out_of_scope(client, org, measure, actor):
    client.force_login(_outsider(org, actor))
    assert client.get(reverse("measure_detail", args=[measure.pk])).status_code == 404


def test_supporting_department_staff_and_the_owner_open_the_measure_page(client, org, problem):
    outsider = f.UserFactory(department=f.DepartmentFactory(court=org.court, name="办公室"), staff=True)
    measure = f.MeasureFactory(
        problem=problem, lead_department=org.dept_a, supporting_departments=[org.dept_b], owner=outsider
    )
    for user in (org.staff_b, outsider):
        client.force_login(user)
        assert client.get(reverse("measure_detail", args=[measure.pk])).status_code == 200


def test_the_measure_page_shows_who_did_what(client, org, measure, drive):
    measure = drive.closeout_requested(measure)
    workflow.measure_return_closeout(measure=measure, actor=org.leader_a, reason="请补充制度文件")
    client.force_login(org.discipline)

    html = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()

    assert "请补充制度文件" in html
    assert "赵副院长" in html and "张立案" in html


def test_an_unknown_measure_is_404(client, org):
    client.force_login(org.office)
    assert client.get(reverse("measure_detail", args=[999999])).status_code == 404


# --- evidence downloads --------------------------------------------------------------------------

def test_evidence_downloads_as_an_attachment_for_those_in_scope(client, org, measure, drive):
    measure = drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    client.force_login(org.leader_a)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == f.PDF_BYTES
    response.close()
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("actor", ["staff_b", "basic_leader", "basic_office"])
def test_evidence_is_404_out_of_scope(client, org, measure, drive, actor):
    measure = drive.in_progress(measure, with_evidence=True)
    client.force_login(_outsider(org, actor))
    assert client.get(reverse("evidence_download", args=[measure.evidence.get().pk])).status_code == 404


def test_evidence_is_not_reachable_under_media_url(client, org, measure, drive):
    measure = drive.in_progress(measure, with_evidence=True)
    client.force_login(org.office)
    name = measure.evidence.get().file.name
    assert client.get("/evidence-not-served/" + name).status_code == 404


# --- bounded queries -----------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["office", "staff_a", "staff_b", "leader_a"])
def test_the_review_tree_uses_the_same_queries_for_5_or_50_measures(
    client, org, actor, django_assert_max_num_queries
):
    small = build_review(org, measures=5, title="小")
    large = build_review(org, measures=50, title="大")
    client.force_login(getattr(org, actor))

    small_count = count_queries(client, reverse("review_detail", args=[small.pk]))
    large_count = count_queries(client, reverse("review_detail", args=[large.pk]))

    assert large_count == small_count
    # session, user, court tree walk, review, categories, problems, measures, navbar, session save
    with django_assert_max_num_queries(18):
        client.get(reverse("review_detail", args=[large.pk]))


@pytest.mark.parametrize("actor", ["office", "staff_a"])
def test_the_review_list_uses_the_same_queries_for_few_or_many_reviews(
    client, org, actor, django_assert_max_num_queries
):
    build_review(org, measures=5)
    client.force_login(getattr(org, actor))
    few = count_queries(client, reverse("review_list"))
    for i in range(5):
        build_review(org, measures=10, title=f"第{i}轮")

    assert count_queries(client, reverse("review_list")) == few
    with django_assert_max_num_queries(18):
        client.get(reverse("review_list"))


def _busy_measure(org, problem, n: int) -> Measure:
    """A measure with ``n`` of everything its page lists: reports with evidence, close-outs,
    extensions, look-backs, supporting departments and history rows."""
    measure = f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a,
                               owner=org.staff_a, read_only_in_progress=True)
    departments = [f.DepartmentFactory(court=org.court) for _ in range(n)]
    measure.supporting_departments.set(departments)
    for i in range(n):
        report = f.ProgressReportFactory(measure=measure, author=f.UserFactory(department=org.dept_a), percent=i)
        f.EvidenceFactory(measure=measure, progress_report=report, uploaded_by=report.author)
        closeout = f.CloseOutFactory(measure=measure, requested_by=f.UserFactory(department=org.dept_a),
                                     stage="returned", return_reason=f"退回{i}",
                                     leader_decided_by=f.UserFactory(court=org.court, leader=True))
        f.EvidenceFactory(measure=measure, closeout=closeout, uploaded_by=closeout.requested_by)
        f.ExtensionFactory(measure=measure, requested_by=f.UserFactory(department=org.dept_a),
                           decision="rejected", decided_by=org.office, decision_note="不同意")
        f.LookBackFactory(measure=measure, due_on=f.DEADLINE.replace(year=2027) + datetime.timedelta(i))
        measure.target = f"目标{i}"
        measure._history_user = f.UserFactory(department=org.dept_a)
        measure.save()
    return measure


def test_the_measure_page_uses_the_same_queries_for_5_or_50_of_everything(
    client, org, problem, django_assert_max_num_queries
):
    small = _busy_measure(org, problem, 5)
    large = _busy_measure(org, problem, 50)
    client.force_login(org.office)

    small_count = count_queries(client, reverse("measure_detail", args=[small.pk]))
    large_count = count_queries(client, reverse("measure_detail", args=[large.pk]))

    assert large_count == small_count
    # one query per prefetched relation; the office's court-tree walk costs one per court level
    with django_assert_max_num_queries(30):
        client.get(reverse("measure_detail", args=[large.pk]))
