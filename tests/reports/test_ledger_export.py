"""The discipline office downloads the 整改台账: the official layout, safe cells, print settings,
every export recorded, large ones in the background."""

import datetime
import io
import subprocess
import sys
import time
import unicodedata
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from courtreform.childenv import child_env
from measures.models import Measure
from reports import ledgers, tasks
from reports.exports.base import safe_cell
from reports.exports.ledger import HEADERS
from reports.models import LedgerExport

from .. import factories as f

TODAY = datetime.date(2026, 7, 10)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def on_day():
    with time_machine.travel(f.shanghai(TODAY.year, TODAY.month, TODAY.day, 10), tick=False):
        yield


@pytest.fixture
def ledger_review(org, review, on_day):
    """Two categories, three problems, five measures of department A (one also supported by B)."""
    first = f.CategoryFactory(review=review, name="政治建设方面", order=1)
    second = f.CategoryFactory(review=review, name="队伍建设方面", order=2)
    p1 = f.ProblemFactory(category=first, description="党组理论学习不够深入", order=1)
    p2 = f.ProblemFactory(category=first, description="意识形态工作不够扎实", order=2)
    p3 = f.ProblemFactory(category=second, description="年轻干警培养不足", order=1)
    common = {"lead_department": org.dept_a, "responsible_leader": org.leader_a}
    m1 = f.MeasureFactory(problem=p1, order=1, text="制定党组理论学习计划", original_deadline=datetime.date(2026, 6, 30),
                          target="按季度完成学习计划", owner=org.staff_a, supporting_departments=[org.dept_b], **common)
    m2 = f.MeasureFactory(problem=p1, order=2, text="=HYPERLINK(\"http://evil.example\",\"点击\")",
                          original_deadline=datetime.date(2026, 12, 31), **common)
    m3 = f.MeasureFactory(problem=p2, order=1, text="坚持每周调度机制", read_only_continuing=True, **common)
    m4 = f.MeasureFactory(problem=p3, order=1, text="建立优秀年轻干警库", read_only_closed=True,
                          original_deadline=datetime.date(2026, 5, 31), **common)
    m5 = f.MeasureFactory(problem=p3, order=2, text="-开展轮岗交流", immediate=True, original_deadline=None, **common)
    f.ProgressReportFactory(measure=m1, note="旧的进展", created_at=f.shanghai(2026, 5, 1, 9))
    f.ProgressReportFactory(measure=m1, note="已制定学习计划并印发", created_at=f.shanghai(2026, 6, 1, 9))
    return review, [m1, m2, m3, m4, m5]


def download(client, user, query: str = ""):
    client.force_login(user)
    response = client.get(reverse("ledger_export") + (f"?{query}" if query else ""))
    return response


def open_workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def data_rows(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(min_row=5, values_only=True)]


def test_discipline_office_downloads_review_ledger_in_official_layout(client, org, ledger_review):
    review, (m1, m2, m3, m4, m5) = ledger_review
    wb = open_workbook(download(client, org.discipline, f"review={review.pk}"))
    assert wb.sheetnames == ["整改台账", "汇总"]
    ws = wb["整改台账"]
    assert ws["A1"].value == "某市中级人民法院市委第二巡察组反馈意见整改工作台账"
    assert ws["A2"].value == "截至2026年7月10日"
    assert [c.value for c in ws[3]] == [
        "序号", "问题类别", "具体问题", "整改措施", "整改目标", "整改类型", "责任分工", None, None, None, "整改时限",
        None, "整改进展情况", "完成情况", "销号情况", "销号日期", "超期天数", "备注",
    ]
    assert [c.value for c in ws[4]][6:12] == ["责任领导", "牵头部门", "配合部门", "责任人", "原定时限", "现时限"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:R1", "A2:R2", "G3:J3", "K3:L3", "A3:A4", "D3:D4", "E3:E4", "R3:R4"} <= merged
    # 问题类别 merged over its four measures and then two; 具体问题 over its measures.
    assert {"B5:B7", "B8:B9", "C5:C6", "C8:C9"} <= merged
    assert "C7:C7" not in merged

    rows = data_rows(ws)
    assert len(rows) == 5
    assert rows[0][:12] == [
        1, "政治建设方面", "党组理论学习不够深入", "制定党组理论学习计划", "按季度完成学习计划", "限期整改",
        "副院长 赵副院长", "立案庭", "刑事审判庭", "联络员 张立案", datetime.datetime(2026, 6, 30),
        datetime.datetime(2026, 6, 30),
    ]
    assert rows[0][12:] == ["已制定学习计划并印发", "未启动", "未销号", None, 10, None]
    assert rows[1][1:3] == [None, None]  # covered by the merges above
    assert rows[2][5] == "长期坚持" and rows[2][10] == "长期坚持" and rows[2][13] == "持续推进"
    assert rows[3][13:15] == ["已完成", "已销号"] and isinstance(rows[3][15], datetime.datetime)  # 销号日期
    assert rows[3][16] is None  # a closed measure is not overdue
    assert rows[4][5] == "立行立改" and rows[4][10] == "立行立改"


def test_formula_like_texts_come_back_as_the_same_text(client, org, ledger_review):
    review, (m1, m2, *_rest, m5) = ledger_review
    ws = open_workbook(download(client, org.office, f"review={review.pk}"))["整改台账"]
    formula_cell, minus_cell = ws["D6"], ws["D9"]
    assert formula_cell.value == m2.text and formula_cell.data_type == "s"
    assert minus_cell.value == "-开展轮岗交流" and minus_cell.data_type == "s"
    assert formula_cell.quotePrefix


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_forces_every_trigger_to_text(text):
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet("x")
    cell = safe_cell(ws, text)
    assert cell.data_type == "s" and cell.value == text


def test_ledger_prints_on_a3_landscape_one_page_wide_with_repeated_header(client, org, ledger_review):
    review, _measures = ledger_review
    ws = open_workbook(download(client, org.discipline, f"review={review.pk}"))["整改台账"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 8  # A3
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$4"
    assert ws.freeze_panes == "A5"
    body = ws["D5"]
    assert body.font.name == "宋体" and body.alignment.wrap_text and body.border.left.style == "thin"
    assert ws["D3"].font.name == "黑体"
    assert ws.oddHeader.center.text.endswith("某市中级人民法院市委第二巡察组反馈意见整改工作台账")
    assert ws.oddHeader.right.text.endswith("截至2026年7月10日")
    assert ws.oddFooter.center.text.endswith("第 &P 页 共 &N 页")


def test_the_printed_ledger_body_is_at_least_10_pt_on_a3(client, org, ledger_review):
    """Fit-to-width only shrinks a sheet wider than the page; these columns fit A3 landscape at 100%,
    so the 10 pt body prints at 10 pt."""
    review, _measures = ledger_review
    ws = open_workbook(download(client, org.discipline, f"review={review.pk}"))["整改台账"]
    a3_landscape_inches = 420 / 25.4
    printable_px = (a3_landscape_inches - ws.page_margins.left - ws.page_margins.right) * 96
    columns_px = sum(ws.column_dimensions[col].width * 7 + 5 for col in "ABCDEFGHIJKLMNOPQ")
    assert columns_px <= printable_px
    sizes = {cell.font.size for row in ws.iter_rows(min_row=3) for cell in row if cell.value is not None}
    assert min(sizes) >= 10


def lines_needed(text, width: float) -> int:
    """An estimate independent of the exporter's: a wide character is two units, a line holds the
    column width less one unit."""
    def units(line):
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
    return sum(max(1, -(-units(line) // int(width - 1))) for line in str(text).split("\n"))


def assert_no_wrapped_text_overflows(ws, first_row: int):
    merged = {(r.min_row, r.min_col): r for r in ws.merged_cells.ranges}
    covered = {(row, col) for r in ws.merged_cells.ranges for row in range(r.min_row, r.max_row + 1)
               for col in range(r.min_col, r.max_col + 1)}
    width = {col: ws.column_dimensions[get_column_letter(col)].width for col in range(1, ws.max_column + 1)}
    checked = 0
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            span = merged.get((cell.row, cell.column))
            if span is None and (cell.row, cell.column) in covered:
                continue
            rows = range(span.min_row, span.max_row + 1) if span else [cell.row]
            cols = range(span.min_col, span.max_col + 1) if span else [cell.column]
            height = sum(ws.row_dimensions[r].height or 15 for r in rows)
            need = lines_needed(cell.value, sum(width[c] for c in cols))
            line_pt = cell.font.size * 1.4  # the Noto CJK fallback's line spacing is about 1.45 em
            assert need * line_pt <= height, (cell.coordinate, cell.value, need, height)
            checked += 1
    return checked


def test_no_wrapped_cell_needs_more_lines_than_its_row_holds(client, org, ledger_review):
    review, (m1, *_rest) = ledger_review
    category = m1.problem.category
    long_problem = f.ProblemFactory(
        category=category, order=3,
        description="党组落实全面从严治党主体责任不够到位，对“两个责任”的认识存在偏差，" * 4,
    )
    leader = f.UserFactory(court=org.court, title="党组成员、副院长", full_name="刘海燕")
    for order, text in enumerate(["短", "建立健全审判权力运行监督制约机制，完善院庭长阅核制度，" * 3], start=1):
        measure = f.MeasureFactory(
            problem=long_problem, order=order, text=text, responsible_leader=leader, lead_department=org.dept_a,
            target="形成长效机制\n年底前制度全覆盖", supporting_departments=[org.dept_b],
            original_deadline=datetime.date(2026, 12, 31),
        )
        f.ProgressReportFactory(measure=measure, note="已召开专题会议研究部署。\n已起草制度初稿，正在征求意见。")
    wb = open_workbook(download(client, org.discipline, f"review={review.pk}"))
    assert assert_no_wrapped_text_overflows(wb["整改台账"], first_row=3) > 50
    assert assert_no_wrapped_text_overflows(wb["汇总"], first_row=3) > 5


def test_overdue_rows_are_highlighted(client, org, ledger_review):
    review, _measures = ledger_review
    ws = open_workbook(download(client, org.discipline, f"review={review.pk}"))["整改台账"]
    assert ws["D5"].fill.fgColor.rgb.endswith("FFC7CE")  # 2026-06-30 passed: 10 days overdue
    assert ws["Q5"].value == 10
    assert ws["D6"].fill.fill_type is None


def test_summary_sheet_counts_by_category_and_department(client, org, ledger_review):
    review, _measures = ledger_review
    ws = open_workbook(download(client, org.discipline, f"review={review.pk}"))["汇总"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = ["问题类别", "问题数", "整改措施数", "应销号措施数", "已完成", "推进中", "未启动", "持续推进", "超期",
              "完成率"]
    at = rows.index(header)
    assert rows[at + 1] == ["政治建设方面", 2, 3, 2, 0, 0, 2, 1, 1, 0]
    assert rows[at + 2] == ["队伍建设方面", 1, 2, 2, 1, 0, 1, 0, 0, 0.5]
    # 长期坚持 is counted apart: 1 closed of the 4 to be closed, not of all 5.
    assert rows[at + 3] == ["合计", 3, 5, 4, 1, 0, 3, 1, 1, 0.25]
    dept = rows.index(["牵头部门", *header[1:]])
    assert rows[dept + 1][:3] == ["立案庭", 3, 5]
    note = next(r[0] for r in rows if r[0] and str(r[0]).startswith("注："))
    assert "完成率＝已销号的整改措施数÷应销号的整改措施数" in note


def test_every_export_is_recorded(client, org, ledger_review):
    review, _measures = ledger_review
    open_workbook(download(client, org.discipline, f"review={review.pk}&light=red&after=xyz"))
    export = LedgerExport.objects.get()
    assert export.requested_by == org.discipline
    assert export.params == {"review": str(review.pk), "light": "red"}
    assert export.row_count == 1 and export.status == LedgerExport.Status.DONE and not export.background


def test_export_reads_rows_in_a_bounded_number_of_queries(client, org, ledger_review, django_assert_max_num_queries):
    review, measures = ledger_review
    client.force_login(org.discipline)
    url = reverse("ledger_export") + f"?review={review.pk}"
    with CaptureQueriesContext(connection) as few:
        open_workbook(client.get(url))
    problem = measures[0].problem
    for i in range(40):
        m = f.MeasureFactory(problem=problem, lead_department=org.dept_a, supporting_departments=[org.dept_b],
                             text=f"追加措施{i}")
        f.ProgressReportFactory(measure=m)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
        assert len(data_rows(open_workbook(response)["整改台账"])) == 45


def test_staff_cannot_export_other_departments_measures(client, org, ledger_review):
    review, measures = ledger_review
    f.MeasureFactory(problem=measures[0].problem, lead_department=org.dept_b, text="刑庭的措施")
    ws = open_workbook(download(client, org.staff_b, f"review={review.pk}"))["整改台账"]
    texts = [row[3] for row in data_rows(ws)]
    # 刑事审判庭 sees its own measure and the one it supports, nothing else of 立案庭's.
    assert sorted(texts) == sorted(["刑庭的措施", "制定党组理论学习计划"])


def test_staff_cannot_export_by_naming_a_review_out_of_scope(client, org, on_day):
    other = f.ReviewFactory(court=f.CourtFactory(name="别的法院"))
    f.MeasureFactory(problem=f.ProblemFactory(category=f.CategoryFactory(review=other)))
    response = download(client, org.staff_b, f"review={other.pk}")
    assert response.status_code == 302
    assert not LedgerExport.objects.exists()


def test_basic_court_office_does_not_see_the_intermediate_courts_measures(client, org, ledger_review):
    wb = open_workbook(download(client, org.basic_office))
    assert data_rows(wb["整改台账"]) == []


def test_large_export_is_queued_on_commit_and_written_by_the_job(
    client, org, ledger_review, settings, django_capture_on_commit_callbacks
):
    settings.LEDGER_SYNC_MAX_ROWS = 2
    review, measures = ledger_review
    client.force_login(org.discipline)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("ledger_export") + f"?review={review.pk}")
    export = LedgerExport.objects.get()
    assert response.status_code == 302 and response.url == reverse("ledger_export_status", args=[export.pk])
    assert export.background and export.status == LedgerExport.Status.QUEUED and export.row_count == 5
    # the task is sent only once the export row is committed (beside it: the audit chain's checkpoint)
    assert len([c for c in callbacks if "ledger_export" in c.__qualname__]) == 1

    status = client.get(reverse("ledger_export_status_json", args=[export.pk])).json()
    assert status["status"] == "queued" and status["download_url"] is None

    ledgers.ledger_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == LedgerExport.Status.DONE and export.progress == 100 and export.finished_at
    assert export.file.name.startswith("exports/")
    assert (Path(settings.MEDIA_ROOT) / export.file.name).exists()
    status = client.get(reverse("ledger_export_status_json", args=[export.pk])).json()
    assert status["download_url"] == reverse("ledger_export_download", args=[export.pk])
    wb = open_workbook(client.get(status["download_url"]))
    assert len(data_rows(wb["整改台账"])) == 5

    # a redelivered task finds the export done and does nothing
    assert ledgers.ledger_export_run(export_id=export.pk).file.name == export.file.name
    page = client.get(reverse("ledger_export_status", args=[export.pk]))
    assert page.status_code == 200 and b"status.json" in page.content


def test_only_the_requester_and_offices_download_a_background_export(client, org, ledger_review, settings):
    settings.LEDGER_SYNC_MAX_ROWS = 0
    review, _measures = ledger_review
    download(client, org.staff_a, f"review={review.pk}")
    export = LedgerExport.objects.get()
    ledgers.ledger_export_run(export_id=export.pk)
    url = reverse("ledger_export_download", args=[export.pk])
    for user, expected in [(org.staff_a, 200), (org.office, 200), (org.discipline, 200), (org.staff_b, 404),
                           (org.leader_a, 404), (org.basic_office, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == expected, user


def test_export_list_shows_who_exported_what(client, org, ledger_review):
    review, _measures = ledger_review
    download(client, org.staff_a, f"review={review.pk}")
    client.force_login(org.discipline)
    page = client.get(reverse("ledger_export_list"))
    assert page.status_code == 200 and "张立案".encode() in page.content


def test_list_and_review_pages_offer_the_export(client, org, ledger_review):
    review, _measures = ledger_review
    client.force_login(org.office)
    page = client.get(reverse("my_measures") + "?light=red").content.decode()
    assert reverse("ledger_export") + "?light=red" in page
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert reverse("ledger_export") + f"?review={review.pk}" in page
    assert reverse("ledger_import_upload", args=[review.pk]) in page


# --- a real worker ------------------------------------------------------------------------------

@pytest.fixture
def worker():
    queue = f"test-ledger-{uuid.uuid4().hex[:8]}"
    env = child_env(REDIS_URL=settings.CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER="0", DEMO="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "courtreform", "worker", "-Q", queue, "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    yield queue
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_background_export_runs_on_a_real_worker(org, worker):
    review = f.ReviewFactory(court=org.court)
    problem = f.ProblemFactory(category=f.CategoryFactory(review=review))
    for i in range(3):
        f.MeasureFactory(problem=problem, lead_department=org.dept_a, text=f"措施{i}")
    export = LedgerExport.objects.create(
        requested_by=org.discipline, params={"review": str(review.pk)}, row_count=3, background=True
    )
    tasks.ledger_export_run.apply_async(args=[export.pk], queue=worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.status in (LedgerExport.Status.DONE, LedgerExport.Status.FAILED):
            break
        time.sleep(0.5)
    assert export.status == LedgerExport.Status.DONE, export.error
    with export.file.open("rb") as fh:
        ws = load_workbook(fh)["整改台账"]
    assert sorted(row[3] for row in data_rows(ws)) == ["措施0", "措施1", "措施2"]
    assert HEADERS["measure"] == ws["D3"].value
    assert Measure.objects.count() == 3
