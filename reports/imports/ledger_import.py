"""Import an existing 整改台账 (.xlsx) into a review: preview first, then commit all or nothing.

What it reads:
- the ledger this system exports, or a court's own: title rows above the header are skipped, the
  header may span two rows under a merged parent (责任分工 over 责任领导/牵头部门/责任人), columns come
  in any order and are recognised by their Chinese names and the usual synonyms (``SYNONYMS``);
  a column that is not recognised can be mapped by hand in the preview (``mapping``);
- merged cells fill every row they cover, and blank 问题类别/具体问题 cells fill down from the row
  above (a plain sheet writes the problem once);
- names with a title ("院长 张明") are matched to the court's users by full name, departments by
  name within the review's court; unknown names are errors, never created;
- deadlines as Excel dates, "2020-12-31", "2020年12月31日", "2020年12月底前" (end of that month),
  "12月底前" (the year of the review's feedback date), "立行立改" and "长期坚持" (which set the type).

Matching: a row updates the measure with the same problem and measure text; failing that, the
measure at the row's 序号 in the review's ledger order, if it belongs to the same problem (so a
measure whose text was edited in Excel is updated, not duplicated). Everything else is created.
Only the planning columns are imported; progress, status and close-out are the departments' and
the workflow's (they are read and listed as not imported). Measures are created and changed only
through ``measures.workflow``, categories and problems through ``issues.services``.
"""

import calendar
import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse  # defusedxml's when installed, as openpyxl uses

from accounts.models import Department, User
from issues import services as issue_services
from issues.models import Category, Problem, Review
from measures import workflow
from measures.models import Measure

from ..exports.ledger import HEADERS, LEDGER_ORDER, SUMMARY_SHEET, TYPE_WORDS

MAX_IMPORT_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 15

# --- the vocabulary of court ledgers (data) ------------------------------------------------------

# field → the header names courts use for it (the first is the name this system exports).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": (HEADERS["seq"], "编号", "序"),
    "category": (HEADERS["category"], "类别", "问题分类", "问题类型", "方面"),
    "problem": (HEADERS["problem"], "存在问题", "问题", "问题描述", "问题表现", "主要问题", "问题清单"),
    "measure": (HEADERS["measure"], "措施", "整改举措", "具体措施", "整改措施及目标"),
    "type": (HEADERS["type"], "类型", "整改方式"),
    "leader": (HEADERS["leader"], "分管院领导", "分管领导", "牵头领导", "责任院领导", "牵头院领导"),
    "lead_department": (HEADERS["lead_department"], "责任部门", "牵头单位", "责任单位", "牵头部门（单位）"),
    "supporting": (HEADERS["supporting"], "配合单位", "协办部门", "协作部门"),
    "owner": (HEADERS["owner"], "具体责任人", "经办人", "责任人员"),
    "deadline": (HEADERS["original_deadline"], "整改时限", "完成时限", "时限", "完成时间", "整改期限"),
    "target": ("整改目标", "目标"),
    "current_deadline": (HEADERS["current_deadline"], "调整后时限", "延期后时限"),
    "progress": (HEADERS["progress"], "整改进展", "进展情况", "推进情况", "整改情况"),
    "status": (HEADERS["status"], "整改状态", "状态"),
    "closeout": (HEADERS["closeout"], "销号"),
    "overdue_days": (HEADERS["overdue_days"],),
    "remarks": (HEADERS["remarks"],),
}
IMPORTED_FIELDS = (
    "seq", "category", "problem", "measure", "type", "leader", "lead_department", "supporting", "owner",
    "deadline", "target",
)
REQUIRED_FIELDS = ("problem", "measure")
FIELD_LABELS = {key: names[0] for key, names in SYNONYMS.items()}
TYPE_FROM_WORD = {word: key for key, word in TYPE_WORDS.items()} | {
    "限期": Measure.Type.DEADLINE, "立即整改": Measure.Type.IMMEDIATE, "长期整改": Measure.Type.ONGOING,
    "持续整改": Measure.Type.ONGOING,
}
DEFAULT_CATEGORY = "其他问题"

_LOOKUP = {name: key for key, names in SYNONYMS.items() for name in names}
_SPACES = re.compile(r"[\s\u3000*＊]+")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
_LIST_SEP = re.compile(r"[、，,；;/／\s\u3000]+")
_PEOPLE_SEP = re.compile(r"[、，,；;/／]")

# Deadline words. "底" = end of the month; "前"/"之前"/"止" = by; "年底" = 31 December.
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_YMD = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|之前|止)?$")
_YM = re.compile(r"^(\d{4})年(\d{1,2})月(?:底|末)?(?:前|之前|止)?$")
_Y_END = re.compile(r"^(\d{4})年(?:年)?底(?:前|之前)?$")
_MD = re.compile(r"^(\d{1,2})月(\d{1,2})日(?:前|之前|止)?$")
_M = re.compile(r"^(\d{1,2})月(?:底|末)?(?:前|之前|止)?$")


def normalise(text: Any) -> str:
    return _SPACES.sub("", str(text)) if text is not None else ""


def recognise(text: Any) -> str | None:
    name = normalise(text)
    if not name:
        return None
    return _LOOKUP.get(name) or _LOOKUP.get(_PAREN.sub("", name))


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(value: Any, *, review_year: int) -> tuple[datetime.date | None, str | None]:
    """(deadline, type the words imply); raises ValueError for anything not understood."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = normalise(value)
    for word, measure_type in TYPE_FROM_WORD.items():
        if text == word:
            return None, measure_type
    try:
        if m := _ISO.match(text) or _YMD.match(text):
            return datetime.date(int(m[1]), int(m[2]), int(m[3])), None
        if m := _YM.match(text):
            return _month_end(int(m[1]), int(m[2])), None
        if m := _Y_END.match(text):
            return datetime.date(int(m[1]), 12, 31), None
        if m := _MD.match(text):
            return datetime.date(review_year, int(m[1]), int(m[2])), None
        if m := _M.match(text):
            return _month_end(review_year, int(m[1])), None
    except ValueError:
        pass  # 13月, 2月30日: the shape was right, the date is not
    raise ValueError(text)


# --- results ------------------------------------------------------------------------------------

@dataclass
class ImportIssue:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.column}: {self.message}" if self.column else self.message
        return _("Row %(row)d %(column)s: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message,
        }


@dataclass
class Column:
    index: int  # 0-based
    header: str
    field: str | None
    recognised: bool
    full_header: str = ""

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def imported(self) -> bool:
        return self.field in IMPORTED_FIELDS


@dataclass
class RowPlan:
    row: int
    action: str  # create | update | unchanged
    category: str
    problem: str
    measure: str
    values: dict = field(default_factory=dict)
    supporting: list | None = None
    changes: list[str] = field(default_factory=list)
    existing: Measure | None = None
    new_category: bool = False
    new_problem: bool = False


@dataclass
class ImportPreview:
    sheet: str = ""
    columns: list[Column] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def new_categories(self) -> list[str]:
        return [row.category for row in self.rows if row.new_category]

    @property
    def new_problems(self) -> int:
        return sum(1 for row in self.rows if row.new_problem)

    @property
    def unmapped(self) -> list[Column]:
        return [c for c in self.columns if c.field is None and c.header]

    @property
    def not_imported(self) -> list[Column]:
        return [c for c in self.columns if c.field and not c.imported]


class LedgerImportError(Exception):
    """The import was refused; ``preview.errors`` says why, row by row. Nothing was written."""

    def __init__(self, preview: ImportPreview):
        super().__init__("; ".join(str(e) for e in preview.errors[:5]))
        self.preview = preview


# --- reading the sheet -------------------------------------------------------------------------

@dataclass
class _Sheet:
    """One worksheet read into memory: its values row by row (row 1 first) and its merged ranges as
    (min_row, min_col, max_row, max_col), 1-based."""

    title: str
    rows: list[tuple]
    merged: list[tuple[int, int, int, int]]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def value(self, row: int, column: int):
        line = self.rows[row - 1] if row <= len(self.rows) else ()
        return line[column - 1] if column <= len(line) else None


_MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"


def _load(source: str | IO[bytes]) -> list[_Sheet] | None:
    """Every sheet but our summary, or None for a file that cannot be read.

    Read-only (streaming) mode: the normal mode styles every merged cell while loading, which for a
    10,000-row ledger costs seconds and tells us nothing. Read-only mode does not report merged
    ranges, so they are read from the sheet's XML (``<mergeCell ref="B5:B6"/>``).
    """
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError, InvalidFileException … for a bad upload
        return None
    try:
        sheets = []
        for ws in workbook.worksheets:
            if ws.title == SUMMARY_SHEET or not hasattr(ws, "_worksheet_path"):
                continue  # our summary; chartsheets have no cells
            ws.reset_dimensions()  # some writers state a wrong <dimension>; read what is there
            rows = list(ws.iter_rows(values_only=True))
            merged = []
            with workbook._archive.open(ws._worksheet_path) as xml:
                for _event, element in iterparse(xml):
                    if element.tag == _MERGE_CELL and element.get("ref"):
                        min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                        merged.append((min_row, min_col, max_row, max_col))
                    element.clear()
            sheets.append(_Sheet(title=ws.title, rows=rows, merged=merged))
        return sheets
    except Exception:  # a damaged sheet inside a readable zip
        return None
    finally:
        workbook.close()


def _find_header(sheet: _Sheet) -> tuple[int, int] | None:
    """(first header row, first data row), 1-based; None when no row looks like a ledger header.

    A header row has at least two recognised names, and they are most of what it says (a title row
    says one thing, a data row mostly things that are not column names). The row below belongs to
    the header when everything it says is a column name (责任领导/牵头部门 under 责任分工).
    """
    rows = sheet.rows[:HEADER_SCAN_ROWS]

    def counts(row) -> tuple[int, int]:
        filled = [value for value in row if normalise(value)]
        return sum(1 for value in filled if recognise(value)), len(filled)

    for index, row in enumerate(rows):
        known, filled = counts(row)
        if known >= 2 and known * 2 >= filled:
            below_known, below_filled = counts(rows[index + 1]) if index + 1 < len(rows) else (0, 0)
            two_rows = below_known >= 2 and below_known == below_filled
            return index + 1, index + (3 if two_rows else 2)
    return None


def _columns(sheet: _Sheet, header_row: int, data_row: int, mapping: dict[int, str]) -> list[Column]:
    rows = sheet.rows[header_row - 1:data_row - 1]
    width = sheet.width
    columns, taken = [], set()
    for index in range(width):
        texts = [normalise(r[index]) if index < len(r) else "" for r in rows]
        texts = [t for t in texts if t]
        found = None
        for text in reversed(texts):  # the lower (more specific) header first: 原定时限 under 整改时限
            found = recognise(text)
            if found:
                break
        header = "/".join(texts)
        recognised = found is not None and found not in taken
        chosen = found if recognised else None
        if index in mapping:
            chosen = mapping[index] or None
        if chosen:
            taken.add(chosen)
        columns.append(Column(
            index=index, header=texts[-1] if texts else "", field=chosen, recognised=recognised, full_header=header,
        ))
    return columns


def _grid(sheet: _Sheet, data_row: int) -> list[list]:
    """The data rows as lists, with every merged range's value copied into each of its cells."""
    grid = [list(row) for row in sheet.rows[data_row - 1:]]
    for min_row, min_col, max_row, max_col in sheet.merged:
        if max_row < data_row:
            continue
        value = sheet.value(min_row, min_col)
        while len(grid) < max_row - data_row + 1:
            grid.append([])
        for r in range(max(min_row, data_row), max_row + 1):
            line = grid[r - data_row]
            while len(line) < max_col:
                line.append(None)
            for c in range(min_col, max_col + 1):
                line[c - 1] = value
    return grid


# --- resolving names ---------------------------------------------------------------------------

class People:
    def __init__(self, court_id: int):
        self.by_name: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.filter(court_id=court_id, is_active=True).exclude(full_name=""):
            self.by_name[normalise(user.full_name)].append(user)
        self.departments = {
            normalise(d.name): d for d in Department.objects.filter(court_id=court_id)
        }

    def person(self, value: Any) -> User | None:
        """"院长 张明", "张明", "院长张明" → the user whose full name is 张明; raises ValueError."""
        text = str(value or "").replace("\u3000", " ").strip()
        if not text:
            return None
        if _PEOPLE_SEP.search(text):
            raise ValueError(_("only one person can be named here: '%(value)s'") % {"value": text})
        tokens = text.split()
        compact = normalise(text)
        name = next(
            (n for n in (compact, normalise(tokens[-1])) if n in self.by_name),
            None,
        )
        if name is None:
            suffixes = [n for n in self.by_name if len(n) >= 2 and compact.endswith(n)]
            name = max(suffixes, key=len) if suffixes else None
        if name is None:
            raise ValueError(_("no user of this court is named '%(value)s'") % {"value": text})
        users = self.by_name[name]
        if len(users) > 1:
            title = compact[: -len(name)]
            users = [u for u in users if title and normalise(u.title) == title] or users
        if len(users) > 1:
            raise ValueError(_("several users are named '%(value)s'") % {"value": text})
        return users[0]

    def department(self, value: Any) -> Department | None:
        name = normalise(value)
        if not name:
            return None
        try:
            return self.departments[name]
        except KeyError:
            raise ValueError(_("no department of this court is named '%(value)s'") % {"value": value}) from None

    def department_list(self, value: Any) -> list[Department]:
        names = [n for n in _LIST_SEP.split(str(value or "")) if n]
        return [self.department(n) for n in names]


# --- the plan ----------------------------------------------------------------------------------

@dataclass
class _Existing:
    categories: dict[str, Category]
    problems: dict[str, Problem]
    by_key: dict[tuple[str, str], Measure]
    by_position: dict[int, Measure]
    problem_top_order: dict[int, int]


def _existing(review: Review) -> _Existing:
    measures = list(
        Measure.objects.filter(review=review).select_related("problem").prefetch_related("supporting_departments")
        .order_by(*LEDGER_ORDER)
    )
    top: dict[int, int] = defaultdict(int)
    for m in measures:
        top[m.problem_id] = max(top[m.problem_id], m.order)
    return _Existing(
        categories={normalise(c.name): c for c in review.categories.order_by("order", "id")},
        problems={normalise(p.description): p for p in Problem.objects.filter(review=review).order_by("order", "id")},
        by_key={(normalise(m.problem.description), normalise(m.text)): m for m in measures},
        by_position=dict(enumerate(measures, start=1)),
        problem_top_order=top,
    )


def _as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def ledger_import_preview(
    *, review: Review, actor: User, source: str | IO[bytes], mapping: dict[int, str] | None = None
) -> ImportPreview:
    """The dry run: what would be created and updated, and every error by row and column."""
    if not issue_services.is_rectification_office_for(actor, review.court_id):
        raise PermissionDenied(_("Only the rectification office can import a ledger into this review."))
    return _plan(review=review, source=source, mapping=mapping or {})


def _plan(*, review: Review, source, mapping: dict[int, str]) -> ImportPreview:
    preview = ImportPreview()
    sheets = _load(source)
    if sheets is None:
        preview.errors.append(ImportIssue(None, "", _("The file is not an Excel workbook (.xlsx) that can be read.")))
        return preview
    found = None
    for ws in sheets:
        found = _find_header(ws)
        if found:
            break
    if not found:
        preview.errors.append(ImportIssue(None, "", _("No ledger header (序号, 具体问题, 整改措施 …) was found.")))
        return preview
    preview.sheet = ws.title
    header_row, data_row = found
    preview.columns = columns = _columns(ws, header_row, data_row, mapping)
    by_field = {c.field: c for c in columns if c.field}
    for required in REQUIRED_FIELDS:
        if required not in by_field:
            preview.errors.append(ImportIssue(
                None, FIELD_LABELS[required], _("this column was not found; map one of the columns to it"),
            ))
    if preview.errors:
        return preview

    people = People(review.court_id)
    existing = _existing(review)
    review_year = (review.feedback_date or review.deadline or datetime.date.today()).year
    seen: dict[tuple[str, str], int] = {}
    parsed: list[tuple[int, tuple[str, str], int | None, RowPlan]] = []
    matched: set[int] = set()
    new_categories: set[str] = set()
    new_problems: set[str] = set()
    created_in_problem: dict[str, int] = defaultdict(int)
    last_category = last_problem = ""
    grid = _grid(ws, data_row)

    def cell(line: list, key: str):
        column = by_field.get(key)
        if column is None or column.index >= len(line):
            return None
        return line[column.index]

    for offset, line in enumerate(grid):
        number = data_row + offset
        errors: list[ImportIssue] = []

        def fail(key: str, message: str, errors=errors, number=number) -> None:
            column = by_field.get(key)
            errors.append(ImportIssue(number, column.header if column else FIELD_LABELS[key], message))

        category = _text(cell(line, "category"))
        problem = _text(cell(line, "problem"))
        measure_text = _text(cell(line, "measure"))
        if not (category or problem or measure_text):
            continue  # a blank line, or the signature lines under a ledger
        if "category" in by_field:
            category = category or last_category
        else:
            category = DEFAULT_CATEGORY
        if not problem and category == last_category:
            problem = last_problem  # written once, over several measures
        last_category, last_problem = category, problem
        if not category:
            fail("category", _("cannot be empty"))
        if not problem:
            fail("problem", _("cannot be empty"))
        if not measure_text:
            fail("measure", _("cannot be empty"))

        values: dict[str, Any] = {}
        implied_type = None
        if "deadline" in by_field:
            raw = cell(line, "deadline")
            try:
                values["original_deadline"], implied_type = parse_deadline(raw, review_year=review_year)
            except ValueError:
                fail("deadline", _("unrecognised date '%(value)s'") % {"value": _text(raw)})
        if "type" in by_field and _text(cell(line, "type")):
            word = normalise(cell(line, "type"))
            if word in TYPE_FROM_WORD:
                values["type"] = TYPE_FROM_WORD[word]
            else:
                fail("type", _("unknown measure type '%(value)s'") % {"value": _text(cell(line, "type"))})
        elif implied_type:
            values["type"] = implied_type
        if values.get("type") == Measure.Type.ONGOING:
            values["original_deadline"] = None
        day = values.get("original_deadline")
        if day and review.feedback_date and day < review.feedback_date:
            fail("deadline", _("the deadline %(day)s is before the feedback date") % {"day": day.isoformat()})
        for key, attr in (("leader", "responsible_leader"), ("owner", "owner")):
            if key in by_field:
                try:
                    values[attr] = people.person(cell(line, key))
                except ValueError as error:
                    fail(key, str(error))
        leader = values.get("responsible_leader")
        if leader is not None and not leader.is_court_leader:
            fail("leader", _("'%(name)s' is not a court leader") % {"name": leader.display_name})
        if "lead_department" in by_field:
            try:
                values["lead_department"] = people.department(cell(line, "lead_department"))
            except ValueError as error:
                fail("lead_department", str(error))
        supporting = None
        if "supporting" in by_field:
            try:
                supporting = people.department_list(cell(line, "supporting"))
            except ValueError as error:
                fail("supporting", str(error))
        if "target" in by_field:
            values["target"] = _text(cell(line, "target"))

        key = (normalise(problem), normalise(measure_text))
        if key in seen:
            fail("measure", _("the same problem and measure as row %(row)d") % {"row": seen[key]})
        seen[key] = number
        if errors:
            preview.errors.extend(errors)
            continue
        parsed.append((number, key, _as_int(cell(line, "seq")), RowPlan(
            row=number, action="create", category=category, problem=problem, measure=measure_text,
            values=values, supporting=supporting,
        )))

    for number, key, seq, plan in parsed:
        match = existing.by_key.get(key)
        if match is None and seq:
            # 序号 names a measure whose text was edited in Excel — but only within the same problem,
            # and only if the sheet does not also list that measure under its own text.
            candidate = existing.by_position.get(seq)
            if (
                candidate is not None
                and candidate.pk not in matched
                and normalise(candidate.problem.description) == key[0]
                and (key[0], normalise(candidate.text)) not in seen
            ):
                match = candidate
        if match is not None:
            if match.pk in matched:
                column = by_field["measure"]
                preview.errors.append(ImportIssue(number, column.header, _("matches the same measure as an earlier row")))
                continue
            matched.add(match.pk)
            plan.existing = match
            plan.values = _changes(match, plan.values, plan.measure)
            if plan.supporting is not None and {d.pk for d in plan.supporting} != {
                d.pk for d in match.supporting_departments.all()
            }:
                plan.changes.append(FIELD_LABELS["supporting"])
            else:
                plan.supporting = None
            plan.changes += [_label(name) for name in plan.values]
            if "type" in plan.values and match.status in (Measure.Status.CLOSEOUT_REQUESTED, Measure.Status.CLOSED):
                column = by_field.get("type") or by_field["deadline"]
                preview.errors.append(
                    ImportIssue(number, column.header, _("the type cannot change once a close-out was requested"))
                )
                continue
            plan.action = "update" if plan.changes else "unchanged"
        else:
            norm_category, norm_problem = normalise(plan.category), normalise(plan.problem)
            if norm_category not in existing.categories and norm_category not in new_categories:
                new_categories.add(norm_category)
                plan.new_category = True
            if norm_problem not in existing.problems and norm_problem not in new_problems:
                new_problems.add(norm_problem)
                plan.new_problem = True
            created_in_problem[norm_problem] += 1
            known = existing.problems.get(norm_problem)
            top = existing.problem_top_order.get(known.pk, 0) if known else 0
            plan.values["order"] = top + created_in_problem[norm_problem]
            plan.values["text"] = plan.measure
        preview.rows.append(plan)
    return preview


def _label(name: str) -> str:
    return {
        "text": FIELD_LABELS["measure"], "type": FIELD_LABELS["type"], "original_deadline": FIELD_LABELS["deadline"],
        "responsible_leader": FIELD_LABELS["leader"], "lead_department": FIELD_LABELS["lead_department"],
        "owner": FIELD_LABELS["owner"], "target": FIELD_LABELS["target"],
    }.get(name, name)


def _changes(measure: Measure, values: dict, text: str) -> dict:
    """Only what differs, and only for columns the sheet has."""
    changes = {}
    if normalise(measure.text) != normalise(text):
        changes["text"] = text
    new_type = values.get("type", measure.type)
    if new_type != measure.type:
        changes["type"] = new_type
    if "original_deadline" in values and new_type != Measure.Type.ONGOING:
        if values["original_deadline"] != measure.original_deadline:
            changes["original_deadline"] = values["original_deadline"]
    for attr in ("responsible_leader", "lead_department", "owner"):
        if attr in values:
            new = values[attr].pk if values[attr] else None
            if new != getattr(measure, f"{attr}_id"):
                changes[attr] = values[attr]
    if "target" in values and values["target"] != measure.target:
        changes["target"] = values["target"]
    return changes


# --- commit ------------------------------------------------------------------------------------

def ledger_import_commit(
    *, review: Review, actor: User, source: str | IO[bytes], mapping: dict[int, str] | None = None
) -> ImportPreview:
    """Apply the plan in one transaction: any refused row undoes every row before it."""
    if not issue_services.is_rectification_office_for(actor, review.court_id):
        raise PermissionDenied(_("Only the rectification office can import a ledger into this review."))
    with transaction.atomic():
        # Two imports into the same review queue up here; each plans against what the other wrote.
        review = Review.objects.select_for_update().get(pk=review.pk)
        preview = _plan(review=review, source=source, mapping=mapping or {})
        if not preview.ok:
            raise LedgerImportError(preview)
        categories = {normalise(c.name): c for c in review.categories.all()}
        problems = {normalise(p.description): p for p in Problem.objects.filter(review=review)}
        creates: list[RowPlan] = []
        for plan in preview.rows:
            try:
                if _apply(plan, review=review, actor=actor, categories=categories, problems=problems):
                    creates.append(plan)
            except (workflow.WorkflowError, ValidationError, PermissionDenied) as error:
                _refuse(preview, plan, error)
        # New measures go in together: row by row, 10,000 of them cost over a minute of round trips.
        try:
            workflow.measures_create_bulk(actor=actor, rows=[
                {"problem": problems[normalise(plan.problem)], "supporting_departments": plan.supporting or (),
                 **plan.values}
                for plan in creates
            ])
        except workflow.WorkflowError as error:
            _refuse(preview, creates[getattr(error, "index", 0)], error)
    return preview


def _refuse(preview: ImportPreview, plan: RowPlan, error: Exception):
    preview.errors.append(ImportIssue(plan.row, _label(getattr(error, "field", "") or ""), _message(error)))
    raise LedgerImportError(preview) from error


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return getattr(error, "message", None) or str(error)


def _apply(plan: RowPlan, *, review, actor, categories: dict, problems: dict) -> bool:
    """Update a matched measure now; for a new one, make sure its category and problem exist and
    answer True (the caller creates the measures together)."""
    if plan.action == "unchanged":
        return False
    if plan.action == "update":
        workflow.measure_update(
            measure=plan.existing, actor=actor, changes=plan.values, expected_version=plan.existing.version,
            supporting_departments=plan.supporting,
        )
        return False
    norm_category = normalise(plan.category)
    category = categories.get(norm_category)
    if category is None:
        category = categories[norm_category] = issue_services.category_create(
            review=review, actor=actor, name=plan.category
        )
    norm_problem = normalise(plan.problem)
    if norm_problem not in problems:
        problems[norm_problem] = issue_services.problem_create(category=category, actor=actor, description=plan.problem)
    return True
