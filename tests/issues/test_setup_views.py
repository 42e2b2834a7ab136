"""整改办 sets a review up in the browser: review → findings → categories → problems → measures."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from issues import services
from issues.models import Category, Finding, Problem, Review
from measures.models import Measure

from .. import factories as f

# Until courtreform/urls.py includes measures.setup_urls, this urlconf adds it to the project's.
pytestmark = pytest.mark.django_db

FEEDBACK = f.FEEDBACK_DATE


def _review_post(court, **overrides) -> dict:
    data = {
        "court": court.pk,
        "title": "市委第二巡察组反馈意见整改",
        "source": Review.Source.PARTY_INSPECTION,
        "issuing_body": "市委第二巡察组",
        "period_start": "2025-11-01",
        "period_end": "2025-12-01",
        "feedback_date": FEEDBACK.isoformat(),
        "deadline": "2026-06-30",
        "leading_group": "组长：院长\n副组长：政治部主任",
        "status": Review.Status.ACTIVE,
        "reminder_days": "7,3",
        "reminder_working_days": "on",
        "escalation_days": "30",
        "lookback_months": "3",
        "bulletin_frequency": Review.BulletinFrequency.MONTHLY,
    }
    data.update(overrides)
    return data


def _measure_post(org, **overrides) -> dict:
    data = {
        "text": "开展长期未结案件专项清理",
        "type": Measure.Type.DEADLINE,
        "target": "长期未结案件清零",
        "responsible_leader": org.leader_a.pk,
        "lead_department": org.dept_a.pk,
        "supporting_departments": [org.dept_b.pk],
        "owner": org.staff_a.pk,
        "report_frequency": Measure.Frequency.MONTHLY,
        "original_deadline": "2026-05-31",
    }
    data.update(overrides)
    return data


def _field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def test_office_sets_up_a_review_from_finding_to_measures_and_sees_the_tree(client, org):
    client.force_login(org.office)

    # The review.
    response = client.post(reverse("setup_review_new"), _review_post(org.court))
    review = Review.objects.get()
    assert response.status_code == 302 and response.url.startswith(reverse("setup_review", args=[review.pk]))
    assert review.court == org.court and review.reminder_days == [7, 3] and review.reminder_working_days
    assert review.history.get().history_user == org.office

    # Its finding, untraced at first and flagged as such.
    client.post(
        reverse("setup_finding_new", args=[review.pk]),
        {"text": "审判执行工作作风不够扎实，案件久拖不结", "aspect": "司法作风", "gap": "结案周期偏长"},
    )
    finding = Finding.objects.get(review=review)
    page = client.get(reverse("setup_review", args=[review.pk]))
    assert page.context["totals"]["untraced"] == 1
    assert b'data-testid="untraced"' in page.content

    # A category, and a problem in it that came from the finding.
    client.post(reverse("setup_category_new", args=[review.pk]), {"name": "司法作风方面"})
    category = Category.objects.get(review=review)
    response = client.post(
        reverse("setup_problem_new", args=[category.pk]),
        {
            "category": category.pk,
            "description": "审判作风不够扎实，案件久拖不结",
            "root_cause": "压力传导不够",
            "responsible_leader": org.leader_a.pk,
            "lead_department": org.dept_a.pk,
            "supporting_departments": [org.dept_b.pk],
            "findings": [finding.pk],
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.review == review and list(finding.problems.all()) == [problem]
    page = client.get(reverse("setup_review", args=[review.pk]))
    assert page.context["totals"]["untraced"] == 0
    assert b'data-testid="untraced"' not in page.content

    # Two measures through the workflow; the second is then moved above the first.
    for text in ("开展长期未结案件专项清理", "建立长期未结案件通报制度"):
        response = client.post(reverse("setup_measure_new", args=[problem.pk]), _measure_post(org, text=text))
        assert response.status_code == 302
    first, second = Measure.objects.filter(problem=problem).order_by("order", "id")
    assert first.status == Measure.Status.NOT_STARTED and first.current_deadline == datetime.date(2026, 5, 31)
    assert list(first.supporting_departments.all()) == [org.dept_b]
    client.post(reverse("setup_measure_move", args=[second.pk, "up"]))
    assert list(problem.measures.order_by("order", "id").values_list("text", flat=True)) == [
        "建立长期未结案件通报制度", "开展长期未结案件专项清理",
    ]
    assert Measure.objects.get(pk=second.pk).history.first().history_user == org.office

    # A second category, moved to the top.
    client.post(reverse("setup_category_new", args=[review.pk]), {"name": "党的建设方面"})
    later = Category.objects.get(name="党的建设方面")
    client.post(reverse("setup_category_move", args=[later.pk, "up"]))
    assert list(review.categories.order_by("order", "id").values_list("name", flat=True)) == ["党的建设方面", "司法作风方面"]

    # The set-up page and the review tree both count it: 2 categories, 1 problem, 2 measures.
    page = client.get(reverse("setup_review", args=[review.pk]))
    assert {k: page.context["totals"][k] for k in ("categories", "problems", "measures")} == {
        "categories": 2, "problems": 1, "measures": 2,
    }
    assert reverse("review_detail", args=[review.pk]).encode() in page.content
    tree = client.get(reverse("review_detail", args=[review.pk]))
    assert tree.context["totals"] == {"categories": 2, "problems": 1, "measures": 2, "closed": 0}
    assert [category.name for _no, category, _problems in tree.context["tree"]] == ["党的建设方面", "司法作风方面"]


def test_office_edits_a_measure_through_the_workflow(client, org, measure):
    client.force_login(org.office)
    url = reverse("setup_measure_edit", args=[measure.pk])
    assert client.get(url).context["form"].initial["version"] == measure.version
    response = client.post(url, _measure_post(org, text="开展专项清理并建立台账", version=measure.version))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.text == "开展专项清理并建立台账" and measure.version == 2
    assert measure.history.first().history_user == org.office


def test_edit_over_someone_elses_change_is_shown_and_keeps_the_input(client, org, measure):
    client.force_login(org.office)
    seen = measure.version
    from measures import workflow

    workflow.measure_update(measure=measure, actor=org.office, changes={"target": "三个月内清零"}, expected_version=seen)
    response = client.post(
        reverse("setup_measure_edit", args=[measure.pk]), _measure_post(org, text="我的修改", version=seen)
    )
    assert response.status_code == 409
    assert b'data-testid="stale"' in response.content
    assert response.context["form"]["text"].value() == "我的修改"
    assert response.context["form"]["version"].value() == str(seen + 1)
    measure.refresh_from_db()
    assert measure.text != "我的修改" and measure.target == "三个月内清零"


@pytest.mark.parametrize("who", ["staff_a", "head_a", "leader_a", "discipline"])
def test_staff_leaders_and_discipline_office_are_refused(client, org, review, category, problem, measure, who):
    client.force_login(getattr(org, who))
    finding = f.FindingFactory(review=review)
    gets = [
        reverse("setup_index"),
        reverse("setup_review_new"),
        reverse("setup_review", args=[review.pk]),
        reverse("setup_review_edit", args=[review.pk]),
        reverse("setup_finding_edit", args=[finding.pk]),
        reverse("setup_problem_new", args=[category.pk]),
        reverse("setup_problem_edit", args=[problem.pk]),
        reverse("setup_measure_new", args=[problem.pk]),
        reverse("setup_measure_edit", args=[measure.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    posts = [
        (reverse("setup_review_new"), _review_post(org.court)),
        (reverse("setup_category_new", args=[review.pk]), {"name": "新类别"}),
        (reverse("setup_category_move", args=[category.pk, "down"]), {}),
        (reverse("setup_measure_new", args=[problem.pk]), _measure_post(org)),
        (reverse("setup_measure_move", args=[measure.pk, "up"]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Review.objects.count() == 1 and Category.objects.count() == 1 and Measure.objects.count() == 1


def test_anonymous_is_sent_to_login(client, review):
    response = client.get(reverse("setup_review", args=[review.pk]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_office_of_another_court_gets_404(client, org, review, category, problem, measure):
    """The 基层法院's office cannot reach the 中院's review; the 中院's office reaches the 基层法院's."""
    client.force_login(org.basic_office)
    finding = f.FindingFactory(review=review)
    gets = [
        reverse("setup_review", args=[review.pk]),
        reverse("setup_review_edit", args=[review.pk]),
        reverse("setup_finding_new", args=[review.pk]),
        reverse("setup_finding_edit", args=[finding.pk]),
        reverse("setup_category_edit", args=[category.pk]),
        reverse("setup_problem_new", args=[category.pk]),
        reverse("setup_problem_edit", args=[problem.pk]),
        reverse("setup_measure_new", args=[problem.pk]),
        reverse("setup_measure_edit", args=[measure.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("setup_problem_move", args=[problem.pk, "up"]),
        reverse("setup_measure_move", args=[measure.pk, "up"]),
    ]:
        assert client.post(url).status_code == 404, url
    assert client.post(reverse("setup_review_new"), _review_post(org.court)).status_code == 400
    assert Review.objects.count() == 1
    assert review not in client.get(reverse("setup_index")).context["reviews"]

    basic_review = f.ReviewFactory(court=org.basic_court)
    client.force_login(org.office)
    assert client.get(reverse("setup_review", args=[basic_review.pk])).status_code == 200


def test_deadline_before_feedback_date_shows_the_field_error_and_writes_nothing(client, org):
    client.force_login(org.office)
    response = client.post(reverse("setup_review_new"), _review_post(org.court, deadline="2026-01-01"))
    assert response.status_code == 400
    assert _field_errors(response, "deadline")
    assert b'data-field="deadline"' in response.content
    assert not Review.objects.exists()


def test_bad_measure_input_shows_field_errors_and_writes_nothing(client, org, problem):
    client.force_login(org.office)
    url = reverse("setup_measure_new", args=[problem.pk])
    before = f.FEEDBACK_DATE - datetime.timedelta(days=1)
    cases = [
        ({"original_deadline": before.isoformat()}, "original_deadline"),
        ({"text": "   "}, "text"),
        ({"type": "whenever"}, "type"),
        ({"lead_department": f.DepartmentFactory().pk}, "lead_department"),
    ]
    for overrides, field in cases:
        response = client.post(url, _measure_post(org, **overrides))
        assert response.status_code == 400, overrides
        assert _field_errors(response, field), overrides
        assert f'data-field="{field}"'.encode() in response.content
    assert not Measure.objects.exists()


def test_bad_finding_and_problem_input_is_refused_in_place(client, org, review, category):
    client.force_login(org.office)
    response = client.post(reverse("setup_finding_new", args=[review.pk]), {"text": "  "})
    assert response.status_code == 400 and _field_errors(response, "text")
    response = client.post(reverse("setup_review_new"), _review_post(org.court, source="gossip"))
    assert response.status_code == 400 and _field_errors(response, "source")
    other_finding = f.FindingFactory()  # another review's finding
    response = client.post(
        reverse("setup_problem_new", args=[category.pk]),
        {"category": category.pk, "description": "问题", "findings": [other_finding.pk]},
    )
    assert response.status_code == 400 and _field_errors(response, "findings")
    assert not Finding.objects.filter(review=review).exists() and not Problem.objects.exists()


def test_services_check_the_actor_and_name_the_field(org, review, category, problem):
    with pytest.raises(PermissionDenied):
        services.category_create(review=review, actor=org.basic_office, name="类别")
    with pytest.raises(PermissionDenied):
        services.review_create(actor=org.staff_a, court=org.court, title="x", source=Review.Source.AUDIT)
    with pytest.raises(ValidationError) as error:
        services.review_create(
            actor=org.office, court=org.court, title="x", source=Review.Source.AUDIT,
            feedback_date=FEEDBACK, deadline=FEEDBACK - datetime.timedelta(days=1),
        )
    assert "deadline" in error.value.message_dict
    finding = f.FindingFactory(review=review)
    with pytest.raises(ValidationError) as error:
        services.finding_link_problems(finding=finding, actor=org.office, problems=[f.ProblemFactory()])
    assert "problems" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.problem_create(category=category, actor=org.office, description="x", lead_department=f.DepartmentFactory())
    assert "lead_department" in error.value.message_dict
    assert not finding.problems.exists() and review.problems.count() == 1


def test_moving_siblings_with_equal_orders_renumbers_them(org, review):
    a, b, c = (Category.objects.create(review=review, name=n, order=0) for n in "abc")
    assert services.siblings_move(obj=c, actor=org.office, direction="up")
    assert list(review.categories.order_by("order", "id").values_list("name", flat=True)) == ["a", "c", "b"]
    first = review.categories.order_by("order", "id").first()
    assert not services.siblings_move(obj=first, actor=org.office, direction="up")


def _fill(review, org, *, categories: int) -> None:
    for _c in range(categories):
        category = f.CategoryFactory(review=review)
        for _p in range(3):
            problem = f.ProblemFactory(
                category=category, responsible_leader=org.leader_a, lead_department=org.dept_a,
                supporting_departments=[org.dept_b],
            )
            f.FindingFactory(review=review, problems=[problem])
            for _m in range(3):
                f.MeasureFactory(problem=problem, lead_department=org.dept_a, owner=org.staff_a)


def test_setup_page_query_count_does_not_grow_with_the_review(client, org, review, django_assert_max_num_queries):
    url = reverse("setup_review", args=[review.pk])
    client.force_login(org.office)
    _fill(review, org, categories=1)
    client.get(url)  # the session settles on the first request
    with CaptureQueriesContext(connection) as small:
        client.get(url)

    _fill(review, org, categories=4)
    f.FindingFactory(review=review)  # one untraced
    # Session, user, the office's court tree, then review, findings (+problems), categories, problems
    # (+supporting departments, findings, measures), and what base.html shows: a fixed number.
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(small) <= 20
    assert response.context["totals"] == {
        "findings": 16, "untraced": 1, "categories": 5, "problems": 15, "measures": 45,
        "problems_without_measures": 0,
    }
    with django_assert_max_num_queries(12):
        assert client.get(reverse("setup_index")).status_code == 200


def test_office_opens_every_setup_form_and_relinks_a_finding(client, org, review, category, problem, measure):
    client.force_login(org.office)
    finding = f.FindingFactory(review=review)
    for url in [
        reverse("setup_index"), reverse("setup_review_new"), reverse("setup_review_edit", args=[review.pk]),
        reverse("setup_finding_new", args=[review.pk]), reverse("setup_finding_edit", args=[finding.pk]),
        reverse("setup_category_new", args=[review.pk]), reverse("setup_category_edit", args=[category.pk]),
        reverse("setup_problem_new", args=[category.pk]), reverse("setup_problem_edit", args=[problem.pk]),
        reverse("setup_measure_new", args=[problem.pk]), reverse("setup_measure_edit", args=[measure.pk]),
    ]:
        assert client.get(url).status_code == 200, url

    response = client.post(
        reverse("setup_finding_edit", args=[finding.pk]), {"text": finding.text, "problems": [problem.pk]}
    )
    assert response.status_code == 302
    assert list(problem.findings.all()) == [finding]

    response = client.post(reverse("setup_review_edit", args=[review.pk]), _review_post(org.court, title="新标题"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.title == "新标题"
