"""Each role's main journey in real Chromium, on a desktop (1440×900) and on a phone (390×844).

On every page: nothing scrolls sideways, the console stays free of errors, and a tile's count is the
number of rows its link shows. Screenshots go to test-artifacts/screenshots/roles/ for a person to
look at (docs/screenshots/ keeps four of them for the README).
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Court, Department, Role, User
from issues.models import Category, Problem, Review
from measures import workflow
from tests.factories import pdf_upload

from .conftest import ARTIFACTS, CHROMIUM_ARGS  # noqa: F401  (ARTIFACTS: where the shots go)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Roles@2026x"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = ARTIFACTS / "roles"


def _user(username, court, roles, department=None, title="", full_name=""):
    user = User(username=username, court=court, department=department, roles=roles, title=title, full_name=full_name)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def court():
    """One basic court: six measures of one review in every state a user meets, driven through the workflow."""
    court = Court.objects.create(name="无锡市新吴区人民法院", short_name="新吴法院", level=Court.Level.BASIC)
    execution = Department.objects.create(court=court, name="执行局", order=1)
    filing = Department.objects.create(court=court, name="立案庭", order=2)
    politics = Department.objects.create(court=court, name="政治部", order=3)
    discipline = Department.objects.create(court=court, name="派驻纪检组", order=4)
    staff = _user("liaison", court, [Role.STAFF], execution, "执行局联络员", "施洋")
    head = _user("head", court, [Role.DEPARTMENT_HEAD], execution, "执行局局长", "马骏")
    leader = _user("leader", court, [Role.LEADER], title="党组成员、副院长", full_name="孙卫东")
    leader.supervised_departments.add(execution, filing)
    office = _user("office", court, [Role.RECTIFICATION_OFFICE], politics, "整改办主任", "吴静")
    _user("discipline", court, [Role.DISCIPLINE_OFFICE], discipline, "派驻纪检组组长", "郑国平")
    today = timezone.localdate()
    review = Review.objects.create(
        court=court, title="市委第二巡察组巡察反馈意见整改", source=Review.Source.PARTY_INSPECTION,
        feedback_date=today - datetime.timedelta(days=120),
    )
    category = Category.objects.create(review=review, name="践行司法为民方面", order=1)
    problem = Problem.objects.create(category=category, description="执行案款管理存在较大风险", order=1)

    def measure(text, days, department=execution):
        return workflow.measure_create(
            problem=problem, actor=office, text=text, lead_department=department, responsible_leader=leader,
            original_deadline=today + datetime.timedelta(days=days),
        )

    def report(m, percent, *, files=()):
        workflow.measure_report_progress(measure=m, actor=staff, note=f"已完成{percent}%", percent=percent,
                                         files=list(files))

    closed = measure("全面清理历史案款，逐案建立台账", 30)
    report(closed, 100, files=[pdf_upload("案款台账.pdf")])
    workflow.measure_submit_closeout(measure=closed, actor=staff, result="历史案款已清理完毕", files=[])
    workflow.measure_approve_closeout(measure=closed, actor=leader)
    workflow.measure_approve_closeout(measure=closed, actor=office)
    report(measure("组织终本案件“回头看”，明确终本案件结案标准", -12), 40)
    report(measure("纠正执行文书送达不规范问题，组织书记员业务培训", 3), 70)
    awaiting = measure("设立案件质量专员，执行案件报结前质量检查全覆盖", 20)
    report(awaiting, 100, files=[pdf_upload("质量检查记录.pdf")])
    workflow.measure_submit_closeout(measure=awaiting, actor=staff, result="已设立质量专员2名", files=[])
    extension = measure("建立破产处置联动机制，规范管理人选任", -5)
    report(extension, 50)
    workflow.measure_request_extension(measure=extension, actor=head, new_deadline=today + datetime.timedelta(days=30),
                                       reason="涉及多部门协调，需延长整改时限")
    measure("严格落实立案登记制，当场立案登记率保持在95%以上", 45, filing)
    return {"review": review}


class Walk:
    """One user in one viewport: logs in, opens pages, checks each and takes its screenshot."""

    def __init__(self, browser, base, role, viewport):
        self.context = browser.new_context(locale="zh-CN", viewport=VIEWPORTS[viewport])
        self.page = self.context.new_page()
        self.base, self.name, self.errors, self.shots = base, f"{role}-{viewport}", [], 0
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def login(self, username):
        self.open("/login/", "login")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/my/")
        self.check("my")

    def open(self, path, label):
        self.page.goto(self.base + path)
        self.check(label)

    def check(self, label):
        self.page.wait_for_load_state("load")
        width, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{self.name} {label}: the page scrolls sideways ({width} > {inner})"
        assert self.errors == [], f"{self.name} {label}: {self.errors}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(SHOTS / f"{self.name}-{self.shots:02d}-{label}.png"), full_page=True)

    def tile_opens_its_rows(self, key, rows="table.measure-list tbody tr[class^='row-']"):
        count = int(self.page.locator(f"[data-testid=count-{key}]").inner_text())
        self.page.click(f"[data-testid=tile-{key}]")
        self.check(f"tile-{key}")
        assert self.page.locator(rows).count() == count, f"{self.name}: tile {key} says {count}"
        return count

    def close(self):
        self.context.close()


@pytest.fixture
def walk(browser, live_server):
    walks = []

    def start(role, viewport):
        walks.append(Walk(browser, live_server.url, role, viewport))
        return walks[-1]

    yield start
    for w in walks:
        w.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_liaison_sees_status_deadline_and_progress_of_every_measure_and_reports_progress(walk, court, viewport):
    w = walk("staff", viewport)
    w.login("liaison")
    assert w.tile_opens_its_rows("total") == 5  # closed included: the "全部" tile and its list agree
    card = w.page.locator("table.measure-list tbody tr.row-red").first
    for cell in ("[data-testid=status]", ".progress", "td[data-label]"):
        assert card.locator(cell).first.is_visible(), cell
    w.open("/my/", "my-again")
    assert w.tile_opens_its_rows("overdue") == 2
    w.page.locator("table.measure-list tbody tr a").first.click()
    w.check("measure")
    w.page.fill("#progress-form textarea[name=note]", "已约谈申请执行人12名")
    w.page.fill("#progress-form input[name=percent]", "60")
    w.page.click("#progress-form button[type=submit]")
    w.check("measure-reported")
    assert "已约谈申请执行人12名" in w.page.locator(".timeline").inner_text()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_leader_signs_a_close_out_and_reads_the_dashboard(walk, court, viewport):
    w = walk("leader", viewport)
    w.login("leader")
    w.open("/approvals/", "approvals")
    assert "1个附件" in w.page.locator("[data-testid=evidence-count]").inner_text()
    w.page.locator(".list-group a.list-group-item").first.click()
    w.check("closeout")
    approve = w.page.locator("button[name=decision][value=approve]")
    line = w.page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    assert approve.bounding_box()["height"] < 2 * line  # 批准 on one line, not one character per line
    w.page.locator("[data-testid=nav-dashboard]").click() if viewport == "desktop" else w.page.goto(
        w.base + "/dashboard/")
    w.check("dashboard")
    axes = w.page.evaluate(
        """() => window.dashboardCharts["chart-departments"].getOption().xAxis.map(a => [a.name, a.max, a.show])"""
    )
    (rate_name, rate_max, _), (count_name, count_max, count_shown) = axes
    assert rate_max == 100 and count_shown is not False and count_max >= 4  # counts on their own count axis
    keys = ["overdue"] if viewport == "phone" else [
        "measures", "closed", "in-progress", "closeout-requested", "not-started", "overdue", "due-soon"]
    for key in keys:  # every measure tile on the dashboard opens a list of exactly that many rows
        w.open("/dashboard/", f"dashboard-{key}")
        w.tile_opens_its_rows(key)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_rectification_office_decides_an_extension_and_opens_the_bulletins(walk, court, viewport):
    w = walk("office", viewport)
    w.login("office")
    w.open("/approvals/", "approvals")
    w.page.fill("form[action*='/extensions/'] input[name=note]", "同意延期，请按新时限完成")
    w.page.click("form[action*='/extensions/'] button[value=approve]")
    w.check("extension-approved")
    w.open(f"/reviews/{court['review'].pk}/", "review")
    w.open("/setup/", "setup")
    w.open(f"/bulletins/review/{court['review'].pk}/", "bulletins")
    assert w.page.locator("form button", has_text="拟稿").count() == 1  # the office drafts them here
    w.open("/my/", "my")
    w.tile_opens_its_rows("closed")
    if viewport == "desktop":  # English at 1280 px: the navbar on one line, the language box whole
        w.page.set_viewport_size({"width": 1280, "height": 900})
        with w.page.expect_navigation():
            w.page.select_option("[data-testid=language]", "en")
        w.check("english-1280")
        assert w.page.locator(".app-navbar").bounding_box()["height"] < 70
        box = w.page.evaluate("(() => { const s = document.querySelector('[data-testid=language]');"
                              " return [s.scrollWidth, s.clientWidth]; })()")
        assert box[0] <= box[1], box


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_discipline_office_oversees_every_measure_and_the_records(walk, court, viewport):
    w = walk("discipline", viewport)
    w.login("discipline")
    assert w.tile_opens_its_rows("total") == 6
    w.open("/dashboard/", "dashboard")
    w.tile_opens_its_rows("closed")
    w.open(f"/bulletins/review/{court['review'].pk}/", "bulletins")
    assert "整改办起草并发布" in w.page.locator("[data-testid=no-bulletins]").inner_text()
    w.open("/ledger/exports/", "exports")
