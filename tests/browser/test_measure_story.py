"""The user's story in real Chromium: a liaison reports and applies, the leader and the office sign off."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Court, Department, Role, User
from issues.models import Category, Problem, Review
from measures import workflow
from measures.models import Measure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Story@2026x"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username, court, roles, department=None, title="", full_name=""):
    user = User(username=username, court=court, department=department, roles=roles, title=title, full_name=full_name)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def court_with_overdue_measure():
    court = Court.objects.create(name="无锡市新吴区人民法院", level=Court.Level.BASIC)
    execution = Department.objects.create(court=court, name="执行局")
    office_dept = Department.objects.create(court=court, name="政治部")
    liaison = _user("liaison", court, [Role.STAFF], execution, "联络员", "李联络")
    leader = _user("vicepresident", court, [Role.LEADER], title="副院长", full_name="王副院长")
    leader.supervised_departments.add(execution)
    office = _user("office", court, [Role.RECTIFICATION_OFFICE], office_dept, "督察室主任", "赵督察")
    today = timezone.localdate()
    review = Review.objects.create(
        court=court, title="市委第二巡察组巡察反馈意见整改", source=Review.Source.PARTY_INSPECTION,
        feedback_date=today - datetime.timedelta(days=120),
    )
    category = Category.objects.create(review=review, name="落实全面从严治党方面", order=1)
    problem = Problem.objects.create(category=category, description="案款管理存在较大风险", order=1)
    overdue = workflow.measure_create(
        problem=problem, actor=office, text="全面清理历史案款,逐案建立台账", lead_department=execution,
        responsible_leader=leader, original_deadline=today - datetime.timedelta(days=10),
    )
    workflow.measure_create(
        problem=problem, actor=office, text="建立案款到账提醒机制", lead_department=execution,
        responsible_leader=leader, original_deadline=today + datetime.timedelta(days=60),
    )
    return {"measure": overdue, "liaison": liaison, "leader": leader, "office": office}


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/my/")


def _logout(page):
    page.click("nav form[action$='/logout/'] button")


def test_liaison_closes_an_overdue_measure_with_leader_and_office_sign_off(
    live_server, page, shoot, court_with_overdue_measure, tmp_path
):
    base = live_server.url
    measure = court_with_overdue_measure["measure"]
    evidence = tmp_path / "清理台账.pdf"
    evidence.write_bytes(PDF)

    _login(page, base, "liaison")
    assert page.locator("[data-testid=count-overdue]").inner_text() == "1"
    shoot("01-my-measures")
    page.click("a.tile-red")
    rows = page.locator("table.measure-list tbody tr")
    assert rows.count() == 1
    rows.first.locator("a").first.click()
    page.wait_for_url(f"{base}/measures/{measure.pk}/")

    page.fill("#progress-form textarea[name=note]", "已完成历史案款清理的80%")
    page.fill("#progress-form input[name=percent]", "80")
    page.set_input_files("#progress-form input[name=files]", str(evidence))
    page.click("#progress-form button[type=submit]")
    page.wait_for_url(f"{base}/measures/{measure.pk}/")
    assert "已完成历史案款清理的80%" in page.locator(".timeline").inner_text()
    assert "清理台账.pdf" in page.locator(".timeline").inner_text()

    page.fill("#closeout-form textarea[name=result]", "历史案款已全部清理,建立台账制度")
    page.click("#closeout-form button[type=submit]")
    page.wait_for_url(f"{base}/measures/{measure.pk}/")
    shoot("02-measure-closeout-requested")
    measure.refresh_from_db()
    assert measure.status == Measure.Status.CLOSEOUT_REQUESTED
    _logout(page)

    for signer in ("vicepresident", "office"):
        _login(page, base, signer)
        page.goto(f"{base}/approvals/")
        page.click(f"a[href='/measures/{measure.pk}/']")
        page.click("button[name=decision][value=approve]")
        page.wait_for_url(f"{base}/measures/{measure.pk}/")
        _logout(page)

    measure.refresh_from_db()
    assert measure.status == Measure.Status.CLOSED
    assert measure.overdue_since is None
    _login(page, base, "liaison")
    page.goto(f"{base}/measures/{measure.pk}/")
    assert page.locator(".badge.status-closed").count() == 1
    shoot("03-measure-closed")
    assert page.js_errors == []
