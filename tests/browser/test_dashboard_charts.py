"""A leader's dashboard in real Chromium: the charts draw, and clicking a bar opens the list behind it."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Court, Department, Role, User
from issues.models import Category, Problem, Review
from measures import workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Dash@2026x"


def _user(username, court, roles, department=None):
    user = User(username=username, court=court, department=department, roles=roles, full_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def court_with_measures():
    court = Court.objects.create(name="无锡市中级人民法院", short_name="无锡中院", level=Court.Level.INTERMEDIATE)
    execution = Department.objects.create(court=court, name="执行局", order=1)
    filing = Department.objects.create(court=court, name="立案庭", order=2)
    office_dept = Department.objects.create(court=court, name="政治部", order=3)
    office = _user("office", court, [Role.RECTIFICATION_OFFICE], office_dept)
    leader = _user("president", court, [Role.LEADER])
    leader.supervised_departments.add(execution, filing)
    today = timezone.localdate()
    review = Review.objects.create(court=court, title="巡察反馈意见整改", source=Review.Source.PARTY_INSPECTION,
                                   feedback_date=today - datetime.timedelta(days=90))
    category = Category.objects.create(review=review, name="审判执行方面", order=1)
    problem = Problem.objects.create(category=category, description="执行案款管理不规范", order=1)
    for i, department in enumerate([execution, execution, execution, filing]):
        workflow.measure_create(
            problem=problem, actor=office, text=f"整改措施{i + 1}", lead_department=department, responsible_leader=leader,
            original_deadline=today - datetime.timedelta(days=5 + 10 * i),
        )
    return {"execution": execution}


def test_leader_sees_charts_and_a_click_on_a_bar_opens_the_overdue_list(live_server, page, shoot, court_with_measures):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "president")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/my/")
    page.click("[data-testid=nav-dashboard]")
    page.wait_for_url(f"{base}/dashboard/")
    for chart in ("categories", "statuses", "departments", "burndown", "overdue"):
        assert page.locator(f"[data-testid=chart-{chart}] canvas").count() >= 1, chart
    assert page.locator("[data-testid=count-overdue]").inner_text() == "4"
    shoot("dashboard-01")
    assert page.js_errors == []

    # The department ranking's 超期数 bar (series 1) in 执行局's row: click where ECharts drew it.
    x, y = page.evaluate(
        """() => {
          const chart = window.dashboardCharts["chart-departments"];
          chart.getDom().scrollIntoView({block: "center", behavior: "instant"});
          const row = chart.getOption().yAxis[0].data.indexOf("执行局");
          const bar = chart.getModel().getSeriesByIndex(1).getData().getItemLayout(row);
          const rect = chart.getDom().getBoundingClientRect();
          return [rect.left + bar.x + bar.width / 2, rect.top + bar.y + bar.height / 2];
        }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url(lambda url: "/my/?" in url)
    assert f"lead_department={court_with_measures['execution'].pk}" in page.url and "light=red" in page.url
    assert page.locator("[data-testid=count-total]").inner_text() == "3"
    assert page.locator("table.measure-list tbody tr").count() == 3
    shoot("dashboard-02-drilled")
    assert page.js_errors == []
