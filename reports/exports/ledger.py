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

from .base import BaseExporter, CellStyles, ProgressCallback, ProgressTotal, SafeWorkbook, safe_cell

# --- the ledger's vocabulary (data) -------------------------------------------------------------

# key → (official column name, column width in characters). Order = column order.
COLUMNS: dict[str, tuple[str, float]] = {
    "seq": ("序号", 6),
    "category": ("问题类别", 14),
    "problem": ("具体问题", 30),
    "measure": ("整改措施", 40),
    "type": ("整改类型", 10),
    "leader": ("责任领导", 12),
    "lead_department": ("牵头部门", 13),
    "supporting": ("配合部门", 15),
    "owner": ("责任人", 11),
    "original_deadline": ("原定时限", 14),
    "current_deadline": ("现时限", 14),
    "progress": ("整改进展情况", 40),
    "status": ("完成情况", 10),
    "closeout": ("销号情况", 11),
    "overdue_days": ("超期天数", 8),
    "remarks": ("备注", 20),
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
SUMMARY_COLUMNS = ("问题数", "整改措施数", "已完成", "推进中", "未启动", "持续推进", "超期", "完成率")
SUMMARY_TOTAL = "合计"
LEDGER_SHEET = "整改台账"

BODY_FONT = "宋体"
HEADER_FONT = "黑体"
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
    "type", "status", "responsible_leader__title", "responsible_leader__full_name",
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
        "overdue_days": days or None,
        "remarks": "；".join(remarks),
    }


# --- the summary (汇总) ---------------------------------------------------------------------------

@dataclass
class Tally:
    problems: set = field(default_factory=set)
    measures: int = 0
    closed: int = 0
    in_progress: int = 0
    not_started: int = 0
    ongoing: int = 0
    overdue: int = 0

    def add(self, row: dict, overdue: bool) -> None:
        self.problems.add(row["problem_id"])
        self.measures += 1
        status = row["status"]
        if status == Measure.Status.CLOSED:
            self.closed += 1
        elif status == Measure.Status.ONGOING:
            self.ongoing += 1
        elif status == Measure.Status.NOT_STARTED:
            self.not_started += 1
        else:
            self.in_progress += 1
        self.overdue += overdue

    def values(self) -> list:
        rate = self.closed / self.measures if self.measures else 0
        return [len(self.problems), self.measures, self.closed, self.in_progress, self.not_started, self.ongoing,
                self.overdue, rate]


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
        _page_setup(ws, ncols)

        total = self._total()
        ws.append([safe_cell(ws, self.title, styles["title"])])
        ws.append([safe_cell(ws, AS_OF_FORMAT.format(date=chinese_date(self.as_of)), styles["as_of"])])
        merges = ws.merged_cells.ranges  # added to directly: MultiCellRange.add() scans every range
        merges.add(CellRange(f"A1:{last_col}1"))
        merges.add(CellRange(f"A2:{last_col}2"))
        top, bottom = _header_rows(keys)
        ws.append([safe_cell(ws, value, styles["header"]) for value in top])
        ws.append([safe_cell(ws, value, styles["header"]) for value in bottom])
        for merge in _header_merges(keys):
            merges.add(CellRange(merge))

        summary = Summary()
        row_idx = FIRST_DATA_ROW - 1
        category_start = problem_start = None
        category_id = problem_id = None
        col_category = keys.index("category") + 1
        col_problem = keys.index("problem") + 1

        def close(col: int, start: int | None, end: int) -> None:
            if start is not None and end > start:
                merges.add(CellRange(min_col=col, min_row=start, max_col=col, max_row=end))

        for row, values in self.records():
            row_idx += 1
            overdue = values["overdue_days"] is not None
            summary.add(row, overdue)
            new_category = row["problem__category_id"] != category_id
            if new_category:
                close(col_category, category_start, row_idx - 1)
                category_id, category_start = row["problem__category_id"], row_idx
            if new_category or row["problem_id"] != problem_id:
                close(col_problem, problem_start, row_idx - 1)
                problem_id, problem_start = row["problem_id"], row_idx
            suffix = "_overdue" if overdue else ""
            cells = []
            for key in keys:
                value = values[key]
                if key == "category" and row_idx != category_start:
                    value = None
                elif key == "problem" and row_idx != problem_start:
                    value = None
                if key in ("category", "problem"):
                    style = styles["group"]
                elif isinstance(value, datetime.date):
                    style = styles["date" + suffix]
                elif key in ("seq", "type", "status", "closeout", "overdue_days", "original_deadline",
                             "current_deadline"):
                    style = styles["center" + suffix]
                else:
                    style = styles["text" + suffix]
                cells.append(safe_cell(ws, value, style))
            ws.append(cells)
            done = row_idx - FIRST_DATA_ROW + 1
            if progress and done % 2000 == 0:
                progress(done, total)
        close(col_category, category_start, row_idx)
        close(col_problem, problem_start, row_idx)

        _write_summary(summary_ws, summary, title=self.title, as_of=self.as_of)
        workbook.save(out)
        rows = row_idx - FIRST_DATA_ROW + 1
        if progress:
            progress(rows, total)
        return rows


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
    body = Font(name=BODY_FONT, size=10)
    overdue_font = Font(name=BODY_FONT, size=10, color="9C0006")
    overdue_fill = PatternFill("solid", fgColor=OVERDUE_FILL)
    styles = CellStyles(ws)
    styles.add("title", font=Font(name=HEADER_FONT, size=18), alignment=Alignment(horizontal="center",
                                                                                   vertical="center"))
    styles.add("as_of", font=Font(name=BODY_FONT, size=11), alignment=Alignment(horizontal="right"))
    styles.add("header", font=Font(name=HEADER_FONT, size=11, bold=True), alignment=wrap_center, border=border,
               fill=PatternFill("solid", fgColor=HEADER_FILL))
    styles.add("group", font=body, alignment=wrap_left, border=border)
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
    return styles


def _page_setup(ws, ncols: int) -> None:
    """A3 landscape, one page wide, header rows repeated on every printed page, frozen on screen."""
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
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def _write_summary(ws, summary: Summary, *, title: str, as_of: datetime.date) -> None:
    styles = _styles(ws)
    ncols = len(SUMMARY_COLUMNS) + 1
    last = get_column_letter(ncols)
    ws.column_dimensions["A"].width = 28
    for index in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(index)].width = 11
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    merges = ws.merged_cells.ranges
    ws.append([safe_cell(ws, f"{title}{SUMMARY_TITLE}", styles["title"])])
    ws.append([safe_cell(ws, AS_OF_FORMAT.format(date=chinese_date(as_of)), styles["as_of"])])
    merges.add(CellRange(f"A1:{last}1"))
    merges.add(CellRange(f"A2:{last}2"))

    def table(heading: str, first_column: str, entries: list[tuple[str, Tally]]) -> None:
        ws.append([])
        ws.append([safe_cell(ws, heading, styles["section"])])
        ws.append([safe_cell(ws, value, styles["header"]) for value in (first_column, *SUMMARY_COLUMNS)])
        for name, tally in [*entries, (SUMMARY_TOTAL, summary.total)]:
            values = tally.values()
            ws.append(
                [safe_cell(ws, name, styles["text"])]
                + [safe_cell(ws, v, styles["number"]) for v in values[:-1]]
                + [safe_cell(ws, values[-1], styles["percent"])]
            )

    table(SUMMARY_BY_CATEGORY, HEADERS["category"], list(summary.categories.values()))
    departments = sorted(summary.departments.values(), key=lambda item: item[0])
    table(SUMMARY_BY_DEPARTMENT, HEADERS["lead_department"], [(key[1], tally) for key, tally in departments])
