"""整改台账: the ledger the discipline office keeps and hands to inspectors, as .xlsx.

Layout (one sheet per ledger, then 汇总):

    row 1  title "XX法院XX整改工作台账"                      (merged over all columns)
    row 2  "截至YYYY年M月D日"                                (merged)
    row 3  序号 问题类别 具体问题 整改措施 整改类型 | 责任分工 ………… | 整改时限 …… | 整改进展情况 …
    row 4                                          | 责任领导 牵头部门 配合部门 责任人 | 原定时限 现时限 |
    row 5… one row per measure; 问题类别 and 具体问题 merged over their measures

Streaming: the rows come from one query (latest progress note and supporting departments as
subqueries, never a query per row) read with a server-side cursor, and go into an openpyxl
write-only sheet, so memory stays flat at 100,000 rows. A write-only sheet keeps ``merged_cells``
and writes it after the rows (openpyxl/worksheet/_writer.py, ``write_tail``), so a merge is
recorded when its category or problem ends.

The Chinese texts below are the ledger's data — the official column names and wording that
courts and inspectors recognise — not interface strings, so they are not translated. The import
(reports/imports/ledger_import.py) reads the same names.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Department
from measures.models import Measure, ProgressReport

from .. import rates
from .base import BaseExporter, CellStyles, ProgressCallback, ProgressTotal, SafeWorkbook, safe_cell
from .layout import line_count, lines_height

# --- the ledger's vocabulary (data) -------------------------------------------------------------

# key → (official column name, column width in characters). Order = column order.
# The widths add up to what one A3 landscape page holds at 100% (Excel draws a column of width w as
# w × 7 + 5 pixels, 96 to the inch: 195 units are 1,088 pt of the 1,133 pt between the margins), so the
# body prints at its own 10 pt; a date needs 13 ("2026年12月31日" does not wrap).
COLUMNS: dict[str, tuple[str, float]] = {
    "seq": ("序号", 5),
    "category": ("问题类别", 9),
    "problem": ("具体问题", 16),
    "measure": ("整改措施", 23),
    "target": ("整改目标", 15),
    "type": ("整改类型", 6),
    "leader": ("责任领导", 9),
    "lead_department": ("牵头部门", 9),
    "supporting": ("配合部门", 9),
    "owner": ("责任人", 9),
    "original_deadline": ("原定时限", 13),
    "current_deadline": ("现时限", 13),
    "progress": ("整改进展情况", 21),
    "status": ("完成情况", 6),
    "closeout": ("销号情况", 6),
    # The day the office's sign-off closed it: a closed measure re-imported keeps its completion date.
    "completed_on": ("销号日期", 13),
    "overdue_days": ("超期天数", 5),
    "remarks": ("备注", 8),
}
HEADERS = {key: name for key, (name, _width) in COLUMNS.items()}
# Parent headers spanning two header rows: 责任分工 over the four "who" columns, 整改时限 over two.
HEADER_GROUPS: dict[str, tuple[str, ...]] = {
    "责任分工": ("leader", "lead_department", "supporting", "owner"),
    "整改时限": ("original_deadline", "current_deadline"),
}
TYPE_WORDS = {
    Measure.Type.IMMEDIATE: "立行立改",
    Measure.Type.DEADLINE: "限期整改",
    Measure.Type.ONGOING: "长期坚持",
}
STATUS_WORDS = {
    Measure.Status.NOT_STARTED: "未启动",
    Measure.Status.IN_PROGRESS: "推进中",
    Measure.Status.CLOSEOUT_REQUESTED: "申请销号",
    Measure.Status.CLOSED: "已完成",
    Measure.Status.ONGOING: "持续推进",
}
CLOSEOUT_WORDS = {
    Measure.Status.CLOSEOUT_REQUESTED: "待审核",
    Measure.Status.CLOSED: "已销号",
    Measure.Status.ONGOING: "长期坚持",
}
NOT_CLOSED_WORD = "未销号"
TITLE_FORMAT = "{court}{review}整改工作台账"
TITLE_FORMAT_ALL = "{court}整改工作台账"
AS_OF_FORMAT = "截至{date}"
DATE_FORMAT = "{d.year}年{d.month}月{d.day}日"
DATE_NUMBER_FORMAT = 'yyyy"年"m"月"d"日"'
EXTENDED_REMARK = "已延期至{date}"
RELAPSE_REMARK = "回头看反弹{n}次"
NO_DEPARTMENT = "（未明确牵头部门）"
SUMMARY_SHEET = "汇总"
SUMMARY_TITLE = "整改情况汇总"
SUMMARY_BY_CATEGORY = "按问题类别"
SUMMARY_BY_DEPARTMENT = "按牵头部门"
SUMMARY_COLUMNS = ("问题数", "整改措施数", "应销号措施数", "已完成", "推进中", "未启动", "持续推进", "超期", "完成率")
SUMMARY_NOTE = "注：{rate}＝{definition}。应销号措施数＝已完成＋推进中＋未启动。"
SUMMARY_TOTAL = "合计"
LEDGER_SHEET = "整改台账"

BODY_FONT = "宋体"
HEADER_FONT = "黑体"
BODY_SIZE = 10  # points; printed at 100% (the columns fit the page), so never smaller on paper
HEADER_SIZE = 11
PAGE_HEADER = '&"黑体"&12{title}'
PAGE_HEADER_DATE = "&10" + AS_OF_FORMAT
PAGE_FOOTER = "&10第 &P 页 共 &N 页"
SIDE_MARGIN_INCHES = 0.4
OVERDUE_FILL = "FFC7CE"
HEADER_FILL = "D9E1F2"
HEADER_ROWS = (3, 4)
FIRST_DATA_ROW = 5

OPEN = set(Measure.OPEN_STATUSES)


def chinese_date(day: datetime.date | None) -> str:
    return DATE_FORMAT.format(d=day) if day else ""


def ledger_title(*, court_name: str, review_title: str | None) -> str:
    """"XX法院XX整改工作台账"; a review titled "…整改" does not say 整改 twice."""
    if not review_title:
        return TITLE_FORMAT_ALL.format(court=court_name)
    review = review_title.strip()
    if review.endswith("整改"):
        review = review[: -len("整改")]
    return TITLE_FORMAT.format(court=court_name, review=review)


def person(title: str | None, name: str | None, username: str | None) -> str:
    """"副院长 张明", as the ledger writes a leader; the import strips the title again."""
    name = name or username or ""
    return f"{title} {name}" if title and name else name


# --- rows ---------------------------------------------------------------------------------------

ROW_FIELDS = (
    "id", "problem__category_id", "problem__category__name", "problem_id", "problem__description", "text",
    "target", "type", "status", "responsible_leader__title", "responsible_leader__full_name",
    "responsible_leader__username", "lead_department__name", "lead_department__order", "owner__title",
    "owner__full_name", "owner__username", "original_deadline", "current_deadline", "completed_on",
    "relapse_count", "latest_note", "supporting_names",
)
LEDGER_ORDER = (
    "review__feedback_date", "review_id", "problem__category__order", "problem__category_id", "problem__order",
    "problem_id", "order", "id",
)


def ledger_rows(measures: QuerySet[Measure]) -> QuerySet:
    """Every column of the ledger in one query: the latest progress note and the supporting
    departments come as correlated subqueries (served by the ``progress_latest`` index)."""
    latest_note = (
        ProgressReport.objects.filter(measure=OuterRef("pk")).order_by("-created_at", "-id").values("note")[:1]
    )
    supporting = ArraySubquery(
        Department.objects.filter(supported_measures=OuterRef("pk")).order_by("order", "id").values("name")
    )
    return (
        measures.annotate(latest_note=Subquery(latest_note), supporting_names=supporting)
        .order_by(*LEDGER_ORDER)
        .values(*ROW_FIELDS)
    )


def overdue_days(row: dict, today: datetime.date) -> int:
    deadline = row["current_deadline"]
    if row["type"] == Measure.Type.ONGOING or row["status"] not in OPEN or deadline is None:
        return 0
    return max((today - deadline).days, 0)


def deadline_value(row: dict, day: datetime.date | None):
    """A date cell, or the ledger's words where a measure has no date."""
    if row["type"] == Measure.Type.ONGOING:
        return TYPE_WORDS[Measure.Type.ONGOING]
    if day is None and row["type"] == Measure.Type.IMMEDIATE:
        return TYPE_WORDS[Measure.Type.IMMEDIATE]
    return day


def row_values(row: dict, seq: int, today: datetime.date) -> dict:
    remarks = []
    if row["current_deadline"] and row["original_deadline"] and row["current_deadline"] != row["original_deadline"]:
        remarks.append(EXTENDED_REMARK.format(date=chinese_date(row["current_deadline"])))
    if row["relapse_count"]:
        remarks.append(RELAPSE_REMARK.format(n=row["relapse_count"]))
    status = row["status"]
    days = overdue_days(row, today)
    return {
        "seq": seq,
        "category": row["problem__category__name"],
        "problem": row["problem__description"],
        "measure": row["text"],
        "target": row["target"],
        "type": TYPE_WORDS.get(row["type"], ""),
        "leader": person(
            row["responsible_leader__title"], row["responsible_leader__full_name"], row["responsible_leader__username"]
        ),
        "lead_department": row["lead_department__name"] or "",
        "supporting": "、".join(row["supporting_names"] or ()),
        "owner": person(row["owner__title"], row["owner__full_name"], row["owner__username"]),
        "original_deadline": deadline_value(row, row["original_deadline"]),
        "current_deadline": deadline_value(row, row["current_deadline"]),
        "progress": row["latest_note"] or "",
        "status": STATUS_WORDS.get(status, ""),
        "closeout": CLOSEOUT_WORDS.get(status, NOT_CLOSED_WORD),
        "completed_on": row["completed_on"] if status == Measure.Status.CLOSED else None,
        "overdue_days": days or None,
        "remarks": "；".join(remarks),
    }


# --- the summary (汇总) ---------------------------------------------------------------------------

@dataclass
class Tally:
    """The counts of a set of measures, bucketed by ``rates.measure_bucket`` like the dashboard's."""

    problems: set = field(default_factory=set)
    measures: int = 0
    buckets: dict = field(default_factory=lambda: dict.fromkeys(rates.BUCKETS, 0))
    overdue: int = 0

    def add(self, row: dict, overdue: bool) -> None:
        self.problems.add(row["problem_id"])
        self.measures += 1
        self.buckets[rates.measure_bucket(status=row["status"], type_=row["type"])] += 1
        self.overdue += overdue

    def values(self) -> list:
        b = self.buckets
        closable = sum(b[key] for key in rates.CLOSABLE_BUCKETS)
        rate = rates.completion_rate(b[rates.CLOSED], closable)
        return [len(self.problems), self.measures, closable, b[rates.CLOSED], b[rates.IN_PROGRESS],
                b[rates.NOT_STARTED], b[rates.ONGOING], self.overdue, None if rate is None else rate / 100]


class Summary:
    def __init__(self):
        self.total = Tally()
        self.categories: dict[int, tuple[str, Tally]] = {}
        self.departments: dict[str, tuple[tuple, Tally]] = {}

    def add(self, row: dict, overdue: bool) -> None:
        self.total.add(row, overdue)
        name = row["problem__category__name"]
        self.categories.setdefault(row["problem__category_id"], (name, Tally()))[1].add(row, overdue)
        dept = row["lead_department__name"] or NO_DEPARTMENT
        key = (row["lead_department__order"] if row["lead_department__name"] else 10**9, dept)
        self.departments.setdefault(dept, (key, Tally()))[1].add(row, overdue)


# --- the exporter -------------------------------------------------------------------------------

class LedgerExporter(BaseExporter):
    identifier = "ledger"
    verbose_name = _("Rectification ledger")

    def __init__(self, *, measures: QuerySet[Measure], title: str, as_of: datetime.date, total: int | None = None):
        self.measures = measures
        self.title = title
        self.as_of = as_of
        self.total = total

    def _total(self) -> int:
        if self.total is None:
            self.total = self.measures.count()
        return self.total

    def records(self) -> Iterator[tuple[dict, dict]]:
        """(database row, ledger values) per measure, read through a server-side cursor."""
        for seq, row in enumerate(ledger_rows(self.measures).iterator(chunk_size=2000), start=1):
            yield row, row_values(row, seq, self.as_of)

    def iterate(self) -> Iterator:
        yield ProgressTotal(self._total())
        yield list(HEADERS.values())
        for _row, values in self.records():
            yield [values[key] for key in COLUMNS]

    def render(self, out: IO[bytes], *, progress: ProgressCallback | None = None) -> int:
        workbook = SafeWorkbook()
        ws = workbook.create_sheet(LEDGER_SHEET)
        summary_ws = workbook.create_sheet(SUMMARY_SHEET)
        styles = _styles(ws)
        keys = list(COLUMNS)
        ncols = len(keys)
        last_col = get_column_letter(ncols)
        _page_setup(ws, ncols, title=self.title, as_of=self.as_of)

        total = self._total()
        ws.append([safe_cell(ws, self.title, styles["title"])])
        ws.append([safe_cell(ws, AS_OF_FORMAT.format(date=chinese_date(self.as_of)), styles["as_of"])])
        merges = ws.merged_cells.ranges  # added to directly: MultiCellRange.add() scans every range
        merges.add(CellRange(f"A1:{last_col}1"))
        merges.add(CellRange(f"A2:{last_col}2"))
        top, bottom = _header_rows(keys)
        for row_idx, height in zip(HEADER_ROWS, _header_heights(keys), strict=True):
            ws.row_dimensions[row_idx].height = height
        ws.append([safe_cell(ws, value, styles["header"]) for value in top])
        ws.append([safe_cell(ws, value, styles["header"]) for value in bottom])
        for merge in _header_merges(keys):
            merges.add(CellRange(merge))

        summary = Summary()
        writer = _RowWriter(ws, styles, keys)
        for row, values in self.records():
            overdue = values["overdue_days"] is not None
            summary.add(row, overdue)
            writer.add(row, values, overdue)
            if progress and writer.written and writer.written % 2000 == 0:
                progress(writer.written, total)
        writer.finish()

        _write_summary(summary_ws, summary, title=self.title, as_of=self.as_of)
        workbook.save(out)
        rows = writer.written
        if progress:
            progress(rows, total)
        return rows


GROUPED_KEYS = ("category", "problem")
CENTERED_KEYS = ("seq", "type", "status", "closeout", "overdue_days", "original_deadline", "current_deadline")


class _RowWriter:
    """Writes the measure rows one problem at a time, so each row's height is known before it is
    written (a write-only sheet writes a row the moment it is appended): a row is as tall as its
    longest wrapped cell, and the rows a problem (and a category) are merged over together hold its text.
    """

    def __init__(self, ws, styles: CellStyles, keys: list[str]):
        self.ws, self.styles, self.keys = ws, styles, keys
        self.widths = [COLUMNS[key][1] for key in keys]
        self.next_row = FIRST_DATA_ROW
        self.written = 0
        self.pending: list[tuple[list, float]] = []
        self.category_id = self.problem_id = None
        self.category_start: int | None = None
        self.category_text = self.problem_text = ""
        self.merges = ws.merged_cells.ranges

    def add(self, row: dict, values: dict, overdue: bool) -> None:
        new_category = row["problem__category_id"] != self.category_id
        if new_category or row["problem_id"] != self.problem_id:
            self._flush()
        if new_category:
            self._close(self.keys.index("category") + 1, self.category_start, self.next_row - 1)
            self.category_id, self.category_start = row["problem__category_id"], self.next_row
            self.category_text = values["category"]
        self.problem_id = row["problem_id"]
        first_of_problem = not self.pending
        suffix = "_overdue" if overdue else ""
        cells, lines = [], 1
        for key, width in zip(self.keys, self.widths, strict=True):
            value = values[key]
            if key in GROUPED_KEYS:
                if not first_of_problem or (key == "category" and self.next_row + len(self.pending) != self.category_start):
                    value = None
                style = self.styles["group"]
            elif isinstance(value, datetime.date):
                style = self.styles["date" + suffix]
            else:
                style = self.styles[("center" if key in CENTERED_KEYS else "text") + suffix]
                lines = max(lines, line_count(value, width))
            cells.append(safe_cell(self.ws, value, style))
        self.pending.append((cells, lines_height(lines, BODY_SIZE)))
        if first_of_problem:
            self.problem_text = values["problem"]

    def _flush(self) -> None:
        if not self.pending:
            return
        heights = [height for _cells, height in self.pending]
        need = lines_height(line_count(self.problem_text, COLUMNS["problem"][1]), BODY_SIZE)
        if self.next_row == self.category_start:
            # The category may end with this problem: its text must fit in these rows too.
            need = max(need, lines_height(line_count(self.category_text, COLUMNS["category"][1]), BODY_SIZE))
        if sum(heights) < need:
            extra = (need - sum(heights)) / len(heights)
            heights = [round(height + extra, 1) for height in heights]
        start = self.next_row
        for (cells, _height), height in zip(self.pending, heights, strict=True):
            self.ws.row_dimensions[self.next_row].height = height
            self.ws.append(cells)
            del self.ws.row_dimensions[self.next_row]  # written: keep memory flat over 100,000 rows
            self.next_row += 1
        self.written += len(self.pending)
        self._close(self.keys.index("problem") + 1, start, self.next_row - 1)
        self.pending = []

    def _close(self, col: int, start: int | None, end: int) -> None:
        if start is not None and end > start:
            self.merges.add(CellRange(min_col=col, min_row=start, max_col=col, max_row=end))

    def finish(self) -> None:
        self._flush()
        self._close(self.keys.index("category") + 1, self.category_start, self.next_row - 1)


def _header_rows(keys: list[str]) -> tuple[list, list]:
    parent_of = {key: parent for parent, children in HEADER_GROUPS.items() for key in children}
    top, bottom = [], []
    for key in keys:
        parent = parent_of.get(key)
        if parent is None:
            top.append(HEADERS[key])
            bottom.append(None)
        else:
            first = HEADER_GROUPS[parent][0] == key
            top.append(parent if first else None)
            bottom.append(HEADERS[key])
    return top, bottom


def _header_merges(keys: list[str]) -> list[str]:
    grouped = {key for children in HEADER_GROUPS.values() for key in children}
    merges = []
    for index, key in enumerate(keys, start=1):
        letter = get_column_letter(index)
        if key not in grouped:
            merges.append(f"{letter}{HEADER_ROWS[0]}:{letter}{HEADER_ROWS[1]}")
    for children in HEADER_GROUPS.values():
        first = get_column_letter(keys.index(children[0]) + 1)
        last = get_column_letter(keys.index(children[-1]) + 1)
        merges.append(f"{first}{HEADER_ROWS[0]}:{last}{HEADER_ROWS[0]}")
    return merges


def _styles(ws) -> CellStyles:
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap_left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    # A category or problem merged over many rows (and pages) starts at its first row, not halfway down.
    wrap_top = Alignment(horizontal="left", vertical="top", wrap_text=True)
    body = Font(name=BODY_FONT, size=BODY_SIZE)
    overdue_font = Font(name=BODY_FONT, size=BODY_SIZE, color="9C0006")
    overdue_fill = PatternFill("solid", fgColor=OVERDUE_FILL)
    styles = CellStyles(ws)
    styles.add("title", font=Font(name=HEADER_FONT, size=18), alignment=Alignment(horizontal="center",
                                                                                   vertical="center"))
    styles.add("as_of", font=Font(name=BODY_FONT, size=11), alignment=Alignment(horizontal="right"))
    styles.add("header", font=Font(name=HEADER_FONT, size=HEADER_SIZE, bold=True), alignment=wrap_center, border=border,
               fill=PatternFill("solid", fgColor=HEADER_FILL))
    styles.add("group", font=body, alignment=wrap_top, border=border)
    styles.add("text", font=body, alignment=wrap_left, border=border)
    styles.add("center", font=body, alignment=wrap_center, border=border)
    styles.add("date", font=body, alignment=wrap_center, border=border, number_format=DATE_NUMBER_FORMAT)
    styles.add("text_overdue", font=overdue_font, alignment=wrap_left, border=border, fill=overdue_fill)
    styles.add("center_overdue", font=overdue_font, alignment=wrap_center, border=border, fill=overdue_fill)
    styles.add("date_overdue", font=overdue_font, alignment=wrap_center, border=border, fill=overdue_fill,
               number_format=DATE_NUMBER_FORMAT)
    styles.add("number", font=body, alignment=wrap_center, border=border)
    styles.add("percent", font=body, alignment=wrap_center, border=border, number_format="0.0%")
    styles.add("section", font=Font(name=HEADER_FONT, size=12, bold=True))
    styles.add("note", font=body, alignment=Alignment(horizontal="left", vertical="top", wrap_text=True))
    return styles


def _header_heights(keys: list[str]) -> tuple[float, float]:
    """Heights of the two header rows: a group's name over its columns' joint width on the first,
    its columns' names on the second, and every other name (merged over both rows) in their sum."""
    grouped = {key: parent for parent, children in HEADER_GROUPS.items() for key in children}
    top = max(line_count(parent, sum(COLUMNS[k][1] for k in children)) for parent, children in HEADER_GROUPS.items())
    bottom = max(line_count(HEADERS[key], COLUMNS[key][1]) for key in grouped)
    both = max(line_count(HEADERS[key], COLUMNS[key][1]) for key in keys if key not in grouped)
    first, second = lines_height(top, HEADER_SIZE), lines_height(bottom, HEADER_SIZE)
    return first, max(second, lines_height(both, HEADER_SIZE) - first)


def _page_setup(ws, ncols: int, *, title: str, as_of: datetime.date) -> None:
    """A3 landscape at 100%, header rows repeated on every printed page, frozen on screen; the page
    header carries the title and date, the footer the page number. fitToWidth only ever shrinks, and
    the columns fit the page, so it never does: it is there for a reader who widens a column."""
    for index, (_name, width) in enumerate(COLUMNS.values(), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROWS[0]}:{HEADER_ROWS[1]}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_INCHES
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.oddHeader.center.text = PAGE_HEADER.format(title=title)
    ws.oddHeader.right.text = PAGE_HEADER_DATE.format(date=chinese_date(as_of))
    ws.oddFooter.center.text = PAGE_FOOTER


def _write_summary(ws, summary: Summary, *, title: str, as_of: datetime.date) -> None:
    styles = _styles(ws)
    ncols = len(SUMMARY_COLUMNS) + 1
    last = get_column_letter(ncols)
    widths = [28] + [10] * (ncols - 1)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = PAGE_HEADER.format(title=f"{title}{SUMMARY_TITLE}")
    ws.oddFooter.center.text = PAGE_FOOTER
    merges = ws.merged_cells.ranges
    row = 1

    def append(cells: list, height: float | None = None) -> None:
        nonlocal row
        if height is not None:
            ws.row_dimensions[row].height = height
        ws.append(cells)
        row += 1

    append([safe_cell(ws, f"{title}{SUMMARY_TITLE}", styles["title"])], 36)
    append([safe_cell(ws, AS_OF_FORMAT.format(date=chinese_date(as_of)), styles["as_of"])])
    merges.add(CellRange(f"A1:{last}1"))
    merges.add(CellRange(f"A2:{last}2"))
    header = [HEADERS["category"], *SUMMARY_COLUMNS]
    header_height = lines_height(max(line_count(h, w) for h, w in zip(header, widths, strict=True)), HEADER_SIZE)

    def table(heading: str, first_column: str, entries: list[tuple[str, Tally]]) -> None:
        append([])
        append([safe_cell(ws, heading, styles["section"])])
        append([safe_cell(ws, value, styles["header"]) for value in (first_column, *SUMMARY_COLUMNS)], header_height)
        for name, tally in [*entries, (SUMMARY_TOTAL, summary.total)]:
            values = tally.values()
            rate = values[-1]
            append(
                [safe_cell(ws, name, styles["text"])]
                + [safe_cell(ws, v, styles["number"]) for v in values[:-1]]
                + [safe_cell(ws, "—" if rate is None else rate, styles["percent"])],
                lines_height(line_count(name, widths[0]), BODY_SIZE),
            )

    table(SUMMARY_BY_CATEGORY, HEADERS["category"], list(summary.categories.values()))
    departments = sorted(summary.departments.values(), key=lambda item: item[0])
    table(SUMMARY_BY_DEPARTMENT, HEADERS["lead_department"], [(key[1], tally) for key, tally in departments])
    note = SUMMARY_NOTE.format(rate=rates.document_text(rates.MEASURE_RATE.label),
                               definition=rates.document_text(rates.MEASURE_RATE.definition))
    append([])
    append([safe_cell(ws, note, styles["note"])], lines_height(line_count(note, sum(widths)), BODY_SIZE))
    merges.add(CellRange(min_col=1, min_row=row - 1, max_col=ncols, max_row=row - 1))
