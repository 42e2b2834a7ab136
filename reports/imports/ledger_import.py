"""Import an existing 整改台账 (.xlsx) into a review: preview first, then commit all or nothing.

One function per step, and the preview and the commit run the same steps:

1. *parse* (``reading.read_workbook``): the upload read row by row within the limits of
   ``reading.Limits``; a hostile file is refused before it costs memory or time.
2. *map* (``_map``): find the header (title rows above it are skipped; it may span two rows under
   a merged parent, 责任分工 over 责任领导/牵头部门/责任人), recognise the columns by their Chinese
   names and the usual synonyms (``vocabulary.SYNONYMS``) or the office's mapping, and fill merged cells and
   blank 问题类别/具体问题 cells down (a plain sheet writes the problem once).
3. *validate* (``_validate``): each row's text to values — deadlines (Excel dates, "2020-12-31",
   "2020年12月31日", "2020年12月底前", "12月底前", "立行立改", "长期坚持"), people ("党组成员、副院长 刘海燕"
   is one person: the name after the title), departments — then the workflow's own planning rules
   (``workflow.measure_validate_planning``). Every error names its column. A person the court does
   not know is listed once (``ImportPreview.unknown_people``); the office maps the name to a user
   or has a contact created (``PeopleChoice``).
4. *plan* (``_plan``): a row updates the measure with the same problem and measure text; failing
   that, the measure at the row's 序号 in the review's ledger order, if it belongs to the same
   problem (so a measure whose text was edited in Excel is updated, not duplicated). Everything
   else is created. A new problem takes its leader and department from its rows when they agree.

Progress text is read and listed, not imported. A row marked completed (完成情况 已完成, 销号情况
已销号) is imported as a closed measure only when the office confirms it (``close_completed``); the
closure goes through ``workflow.measure_import_closed``, which records an "imported as closed"
close-out. Measures are created and changed only through ``measures.workflow``, categories and
problems through ``issues.services``.
"""

import datetime
import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.models import Department, Role, User
from issues import services as issue_services
from issues.models import Category, Problem, Review
from measures import workflow
from measures.models import Measure, local_today

from ..exports.ledger import LEDGER_ORDER, SUMMARY_SHEET
from .reading import FormulaWithoutValue, Sheet, WorkbookRefused, read_workbook
from .vocabulary import (
    COMPLETED_TEXT,
    COMPLETED_WORDS,
    DEFAULT_CATEGORY,
    FIELD_LABELS,
    HEADER_SCAN_ROWS,
    IMPORTED_FIELDS,
    REQUIRED_FIELDS,
    TYPE_FROM_WORD,
    normalise,
    parse_deadline,
    recognise,
    strip_ordinal,
)

_LIST_SEP = re.compile(r"[、，,；;/／\s\u3000]+")
_PEOPLE_SEP = re.compile(r"[、，,；;/／]")


# --- results ------------------------------------------------------------------------------------

@dataclass
class ImportIssue:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return _("%(column)s: %(message)s") % {"column": self.column, "message": self.message} \
                if self.column else self.message
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


@dataclass(frozen=True)
class NewContact:
    """A person the ledger names whom the office chose to add as a contact: a user of the court
    without a login (inactive, no usable password), created when the import is committed."""

    name: str
    title: str
    leader: bool

    @property
    def display_name(self) -> str:
        return self.name

    pk = None


CONTACT = "contact"


@dataclass
class UnknownPerson:
    """A name the court's users do not have, listed once with the rows that name it."""

    name: str
    title: str
    columns: set[str] = field(default_factory=set)
    rows: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name


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
    completed: bool = False  # the ledger marks it completed
    completed_on: datetime.date | None = None
    close: bool = False  # it will be imported as closed
    shown: dict = field(default_factory=dict)  # what will be written, for the preview


@dataclass
class ImportPreview:
    sheet: str = ""
    columns: list[Column] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    unknown_people: dict[str, UnknownPerson] = field(default_factory=dict)
    problem_people: dict[str, dict] = field(default_factory=dict)  # new problem → leader/department agreed
    close_completed: bool = False

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
    def completed(self) -> int:
        return sum(1 for row in self.rows if row.completed)

    @property
    def closing(self) -> int:
        return sum(1 for row in self.rows if row.close)

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


@dataclass
class Options:
    """What the office chose in the preview."""

    mapping: dict[int, str] = field(default_factory=dict)  # column index → field ("" = ignore)
    people: dict[str, int | str] = field(default_factory=dict)  # unknown name → user pk, or CONTACT
    close_completed: bool = False


# --- step 2: map ---------------------------------------------------------------------------------

def _find_header(sheet: Sheet) -> tuple[int, int] | None:
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


def _columns(sheet: Sheet, header_row: int, data_row: int, mapping: dict[int, str]) -> list[Column]:
    rows = sheet.rows[header_row - 1:data_row - 1]
    columns, taken = [], set()
    for index in range(sheet.width):
        texts = [normalise(r[index]) if index < len(r) else "" for r in rows]
        texts = [t for t in texts if t]
        found = None
        for text in reversed(texts):  # the lower (more specific) header first: 原定时限 under 整改时限
            found = recognise(text)
            if found:
                break
        recognised = found is not None and found not in taken
        chosen = found if recognised else None
        if index in mapping:
            chosen = mapping[index] or None
        if chosen:
            taken.add(chosen)
        columns.append(Column(
            index=index, header=texts[-1] if texts else "", field=chosen, recognised=recognised,
            full_header="/".join(texts),
        ))
    return columns


def _grid(sheet: Sheet, data_row: int) -> list[list]:
    """The data rows as lists, with every merged range's value copied into each of its cells."""
    grid = [list(row) for row in sheet.rows[data_row - 1:]]
    last = len(sheet.rows)
    for min_row, min_col, max_row, max_col in sheet.merged:
        max_row = min(max_row, last)  # a range merged down to row 1,048,576 covers only what is there
        if max_row < data_row:
            continue
        value = sheet.value(min_row, min_col)
        for r in range(max(min_row, data_row), max_row + 1):
            line = grid[r - data_row]
            while len(line) < max_col:
                line.append(None)
            for c in range(min_col, max_col + 1):
                line[c - 1] = value
    return grid


@dataclass
class Mapped:
    sheet: Sheet
    data_row: int
    columns: list[Column]
    by_field: dict[str, Column]
    grid: list[list]

    def header(self, key: str) -> str:
        column = self.by_field.get(key)
        return column.header if column else FIELD_LABELS.get(key, key)


def _map(sheets: list[Sheet], mapping: dict[int, str], preview: ImportPreview) -> Mapped | None:
    for sheet in sheets:
        found = _find_header(sheet)
        if found:
            break
    else:
        preview.errors.append(ImportIssue(None, "", _("No ledger header (序号, 具体问题, 整改措施 …) was found.")))
        return None
    preview.sheet = sheet.title
    header_row, data_row = found
    preview.columns = columns = _columns(sheet, header_row, data_row, mapping)
    by_field = {c.field: c for c in columns if c.field}
    for required in REQUIRED_FIELDS:
        if required not in by_field:
            preview.errors.append(ImportIssue(
                None, FIELD_LABELS[required], _("this column was not found; map one of the columns to it"),
            ))
    if preview.errors:
        return None
    return Mapped(sheet=sheet, data_row=data_row, columns=columns, by_field=by_field, grid=_grid(sheet, data_row))


# --- step 3: validate ------------------------------------------------------------------------------

class People:
    """The court's users and departments by name, and the office's choices for unknown names."""

    def __init__(self, court_id: int, choices: dict[str, int | str]):
        self.by_name: dict[str, list[User]] = defaultdict(list)
        self.by_pk: dict[int, User] = {}
        # Contacts (inactive users without a login) are named on measures too.
        for user in User.objects.filter(court_id=court_id).exclude(full_name=""):
            self.by_pk[user.pk] = user
            if user.is_active or not user.has_usable_password():
                self.by_name[normalise(user.full_name)].append(user)
        self.departments = {normalise(d.name): d for d in Department.objects.filter(court_id=court_id)}
        self.choices = choices

    def _split(self, value: Any) -> tuple[str, str, str | None]:
        """(title, name, the matching known name or None) for "党组成员、副院长 刘海燕", "院长张明", "张明"."""
        text = str(value).replace("\u3000", " ").strip()
        tokens = text.split()
        compact = normalise(text)
        if len(tokens) > 1:
            name = normalise(tokens[-1])
            title = normalise("".join(tokens[:-1]))
            if name in self.by_name:
                return title, name, name
        if compact in self.by_name:
            return "", compact, compact
        suffixes = [n for n in self.by_name if len(n) >= 2 and compact.endswith(n)]
        if suffixes:
            name = max(suffixes, key=len)
            return compact[: -len(name)], name, name
        if len(tokens) > 1:
            return normalise("".join(tokens[:-1])), normalise(tokens[-1]), None
        return "", compact, None

    def person(self, value: Any, *, column: str) -> User | NewContact | None:
        """The one user (or chosen contact) the cell names; raises ValueError, or UnknownName."""
        if value is None or not str(value).strip():
            return None
        title, name, known = self._split(value)
        # "张明、李华": two people. A separator inside a title ("党组成员、副院长") is not.
        if _PEOPLE_SEP.search(name) or (known and any(
            normalise(part) in self.by_name for part in _PEOPLE_SEP.split(title) if part
        )):
            raise ValueError(_("only one person can be named here: '%(value)s'") % {"value": str(value).strip()})
        if known is None:
            choice = self.choices.get(name)
            if choice == CONTACT:
                return NewContact(name=name, title=title, leader=column == "leader")
            if isinstance(choice, int) and choice in self.by_pk:
                return self.by_pk[choice]
            raise UnknownName(name, title)
        users = self.by_name[known]
        if len(users) > 1:
            users = [u for u in users if title and normalise(u.title) == title] or users
        if len(users) > 1:
            raise ValueError(_("several users are named '%(value)s'") % {"value": str(value).strip()})
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


class UnknownName(Exception):
    def __init__(self, name: str, title: str):
        super().__init__(name)
        self.name, self.title = name, title


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


@dataclass
class _Row:
    """One ledger row checked and turned into values, before it is matched against the review."""

    number: int
    category: str
    problem: str
    measure: str
    seq: int | None
    values: dict
    supporting: list | None
    completed: bool
    completed_on: datetime.date | None
    progress: str


class _RowReader:
    def __init__(self, *, review: Review, mapped: Mapped, people: People, preview: ImportPreview):
        self.review = review
        self.mapped = mapped
        self.people = people
        self.preview = preview
        self.review_year = (review.feedback_date or review.deadline or local_today()).year

    def cell(self, line: list, key: str):
        column = self.mapped.by_field.get(key)
        if column is None or column.index >= len(line):
            return None
        return line[column.index]

    def read(self, number: int, line: list, fail: Callable[[str, str], None]) -> dict:
        """The planning values of one row, each parsed from its column; failures go to ``fail``."""
        by_field = self.mapped.by_field
        values: dict[str, Any] = {}
        implied_type = None
        if "deadline" in by_field:
            raw = self.cell(line, "deadline")
            try:
                values["original_deadline"], implied_type = parse_deadline(raw, review_year=self.review_year)
            except ValueError:
                fail("deadline", _("unrecognised date '%(value)s'") % {"value": _text(raw)})
        word = _text(self.cell(line, "type")) if "type" in by_field else ""
        if word:
            if normalise(word) in TYPE_FROM_WORD:
                values["type"] = TYPE_FROM_WORD[normalise(word)]
            else:
                fail("type", _("unknown measure type '%(value)s'") % {"value": word})
        elif implied_type:
            values["type"] = implied_type
        if values.get("type") == Measure.Type.ONGOING:
            values["original_deadline"] = None
        for key, attr in (("leader", "responsible_leader"), ("owner", "owner")):
            if key in by_field:
                try:
                    values[attr] = self.people.person(self.cell(line, key), column=key)
                except UnknownName as unknown:
                    person = self.preview.unknown_people.setdefault(
                        unknown.name, UnknownPerson(name=unknown.name, title=unknown.title)
                    )
                    person.columns.add(self.mapped.header(key))
                    person.rows.append(number)
                except ValueError as error:
                    fail(key, str(error))
        if "lead_department" in by_field:
            try:
                values["lead_department"] = self.people.department(self.cell(line, "lead_department"))
            except ValueError as error:
                fail("lead_department", str(error))
        if "target" in by_field:
            values["target"] = _text(self.cell(line, "target"))
        return values


def _validate(*, review: Review, actor: User, mapped: Mapped, people: People, preview: ImportPreview
              ) -> list[_Row]:
    """Every non-blank row, checked; errors (naming row and column) go to ``preview.errors``."""
    reader = _RowReader(review=review, mapped=mapped, people=people, preview=preview)
    by_field = mapped.by_field
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    last_category = last_problem = ""
    for offset, line in enumerate(mapped.grid):
        number = mapped.data_row + offset
        errors: list[ImportIssue] = []

        def fail(key: str, message: str, errors=errors, number=number) -> None:
            errors.append(ImportIssue(number, mapped.header(key), message))

        for column in by_field.values():
            value = line[column.index] if column.index < len(line) else None
            if isinstance(value, FormulaWithoutValue) and column.imported:
                errors.append(ImportIssue(number, column.header, _(
                    "%(cell)s: the formula cell has no stored value; open the file in Excel or WPS, save it, "
                    "and upload it again"
                ) % {"cell": value.coordinate}))
        if errors:
            preview.errors.extend(errors)
            continue
        category = strip_ordinal(_text(reader.cell(line, "category")))
        problem = strip_ordinal(_text(reader.cell(line, "problem")))
        measure_text = _text(reader.cell(line, "measure"))
        if not (category or problem or measure_text):
            continue  # a blank line, or the signature lines under a ledger
        category = (category or last_category) if "category" in by_field else DEFAULT_CATEGORY
        if not problem and category == last_category:
            problem = last_problem  # written once, over several measures
        last_category, last_problem = category, problem
        for key, text in (("category", category), ("problem", problem), ("measure", measure_text)):
            if not text:
                fail(key, _("cannot be empty"))
        values = reader.read(number, line, fail)
        if measure_text:
            values["text"] = measure_text
        try:
            workflow.measure_validate_planning(values, review=review, actor=actor)
        except workflow.WorkflowError as error:
            fail(_FIELD_COLUMN.get(error.field, "measure"), error.message)
        supporting = None
        if "supporting" in by_field:
            try:
                supporting = people.department_list(reader.cell(line, "supporting"))
            except ValueError as error:
                fail("supporting", str(error))
        completed_on = None
        if "completed_on" in by_field:
            raw = reader.cell(line, "completed_on")
            try:
                completed_on, _implied = parse_deadline(raw, review_year=reader.review_year)
            except ValueError:
                fail("completed_on", _("unrecognised date '%(value)s'") % {"value": _text(raw)})
        completed = any(
            normalise(reader.cell(line, key)) in COMPLETED_WORDS for key in ("status", "closeout")
        ) or completed_on is not None
        key = (normalise(problem), normalise(measure_text))
        if key in seen:
            fail("measure", _("the same problem and measure as row %(row)d") % {"row": seen[key]})
        seen[key] = number
        if errors:
            preview.errors.extend(errors)
            continue
        rows.append(_Row(
            number=number, category=category, problem=problem, measure=measure_text,
            seq=_as_int(reader.cell(line, "seq")), values=values, supporting=supporting, completed=completed,
            completed_on=completed_on, progress=_text(reader.cell(line, "progress")),
        ))
    for person in preview.unknown_people.values():
        preview.errors.append(ImportIssue(None, "/".join(sorted(person.columns)), _(
            "no user of this court is named '%(name)s' (rows %(rows)s): choose a user or add a contact"
        ) % {"name": person.name, "rows": _row_list(person.rows)}))
    return rows


def _row_list(rows: list[int], shown: int = 5) -> str:
    text = "、".join(str(n) for n in rows[:shown])
    return text + ("…" if len(rows) > shown else "")


# workflow field → ledger column
_FIELD_COLUMN = {
    "text": "measure", "type": "type", "original_deadline": "deadline", "responsible_leader": "leader",
    "lead_department": "lead_department", "owner": "owner", "target": "target",
}


# --- step 4: plan ------------------------------------------------------------------------------

@dataclass
class _Existing:
    categories: dict[str, Category]
    problems: dict[str, Problem]
    by_key: dict[tuple[str, str], Measure]
    by_position: dict[int, Measure]
    problem_top_order: dict[int, int]


def _existing(review: Review) -> _Existing:
    measures = list(
        Measure.objects.filter(review=review)
        .select_related("problem", "responsible_leader", "lead_department", "owner").prefetch_related("supporting_departments")
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


def _plan(*, review: Review, actor: User, rows: list[_Row], mapped: Mapped, preview: ImportPreview,
          close_completed: bool) -> None:
    existing = _existing(review)
    seen = {(normalise(r.problem), normalise(r.measure)) for r in rows}
    matched: set[int] = set()
    new_categories: set[str] = set()
    new_problems: set[str] = set()
    created_in_problem: dict[str, int] = defaultdict(int)
    today = local_today()
    for row in rows:
        key = (normalise(row.problem), normalise(row.measure))
        plan = RowPlan(
            row=row.number, action="create", category=row.category, problem=row.problem, measure=row.measure,
            values=dict(row.values), supporting=row.supporting, completed=row.completed,
            completed_on=row.completed_on,
        )
        match = existing.by_key.get(key)
        if match is None and row.seq:
            # 序号 names a measure whose text was edited in Excel — but only within the same problem,
            # and only if the sheet does not also list that measure under its own text.
            candidate = existing.by_position.get(row.seq)
            if (
                candidate is not None
                and candidate.pk not in matched
                and normalise(candidate.problem.description) == key[0]
                and (key[0], normalise(candidate.text)) not in seen
            ):
                match = candidate
        if match is not None:
            if match.pk in matched:
                preview.errors.append(ImportIssue(
                    row.number, mapped.header("measure"), _("matches the same measure as an earlier row")
                ))
                continue
            matched.add(match.pk)
            plan.existing = match
            plan.values = _changes(match, plan.values)
            try:
                workflow.measure_validate_planning(plan.values, review=review, actor=actor, measure=match)
            except workflow.WorkflowError as error:
                column = "type" if "type" in mapped.by_field or error.field != "type" else "deadline"
                preview.errors.append(ImportIssue(
                    row.number, mapped.header(_FIELD_COLUMN.get(error.field, column)), error.message
                ))
                continue
            if plan.supporting is not None and {d.pk for d in plan.supporting} != {
                d.pk for d in match.supporting_departments.all()
            }:
                plan.changes.append(FIELD_LABELS["supporting"])
            else:
                plan.supporting = None
            plan.changes += [_label(name) for name in plan.values]
            plan.close = close_completed and row.completed and match.status != Measure.Status.CLOSED
            if plan.close:
                plan.changes.append(_("closed"))
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
            plan.close = close_completed and row.completed
        if row.completed and plan.values.get("type", getattr(match, "type", None)) == Measure.Type.ONGOING:
            plan.close = False
            preview.warnings.append(ImportIssue(row.number, mapped.header("status"), _(
                "marked completed, but 长期坚持 measures are never closed; it is imported as ongoing"
            )))
        _warn(plan, row, match, mapped, preview, today)
        plan.shown = _shown(plan, match)
        preview.rows.append(plan)
    preview.problem_people = _problem_people(preview.rows, new_problems)


def _warn(plan: RowPlan, row: _Row, match: Measure | None, mapped: Mapped, preview: ImportPreview, today) -> None:
    stays_open = not plan.close and (match is None or match.status in Measure.OPEN_STATUSES)
    deadline = plan.values.get("original_deadline")  # new, or changed: an unchanged one was seen before
    if stays_open and deadline and deadline < today:
        preview.warnings.append(ImportIssue(row.number, mapped.header("deadline"), _(
            "the deadline %(day)s has already passed; the measure will be overdue"
        ) % {"day": deadline.isoformat()}))
    if stays_open and row.completed and not preview.close_completed:
        preview.warnings.append(ImportIssue(row.number, mapped.header("status"), _(
            "the ledger marks it completed; tick the box to import completed rows as closed"
        )))
    elif stays_open and COMPLETED_TEXT in row.progress and not row.completed:
        preview.warnings.append(ImportIssue(row.number, mapped.header("progress"), _(
            "the progress text says 已完成, but the measure is not marked completed"
        )))
    if plan.close and plan.completed_on is None and match is None:
        preview.warnings.append(ImportIssue(row.number, mapped.header("status"), _(
            "no completion date in the ledger; today's date is recorded as the completion date"
        )))


def _shown(plan: RowPlan, match: Measure | None) -> dict:
    """What the measure will hold after the import, for the preview's table."""
    def get(attr):
        return plan.values[attr] if attr in plan.values else getattr(match, attr, None)

    measure_type = get("type") or Measure.Type.DEADLINE
    deadline = get("original_deadline")
    if plan.close:
        status = Measure.Status.CLOSED
    elif match is not None:
        status = match.status
    else:
        status = Measure.Status.NOT_STARTED
    return {
        "deadline": deadline,
        "type": Measure.Type(measure_type).label,
        "leader": getattr(get("responsible_leader"), "display_name", ""),
        "department": getattr(get("lead_department"), "name", ""),
        "owner": getattr(get("owner"), "display_name", ""),
        "status": Measure.Status(status).label,
    }


def _problem_people(rows: list[RowPlan], new_problems: set[str]) -> dict[str, dict]:
    """For each new problem, the leader and the lead department all of its rows agree on."""
    seen: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for plan in rows:
        norm = normalise(plan.problem)
        if norm in new_problems and plan.action == "create":
            for attr in ("responsible_leader", "lead_department"):
                seen[norm][attr].add(plan.values.get(attr))
    return {
        norm: {attr: next(iter(found)) for attr, found in attrs.items() if len(found) == 1 and None not in found}
        for norm, attrs in seen.items()
    }


def _label(name: str) -> str:
    return {
        "text": FIELD_LABELS["measure"], "type": FIELD_LABELS["type"], "original_deadline": FIELD_LABELS["deadline"],
        "responsible_leader": FIELD_LABELS["leader"], "lead_department": FIELD_LABELS["lead_department"],
        "owner": FIELD_LABELS["owner"], "target": FIELD_LABELS["target"],
    }.get(name, name)


def _changes(measure: Measure, values: dict) -> dict:
    """Only what differs, and only for columns the sheet has."""
    changes = {}
    if "text" in values and normalise(measure.text) != normalise(values["text"]):
        changes["text"] = values["text"]
    new_type = values.get("type", measure.type)
    if new_type != measure.type:
        changes["type"] = new_type
    if "original_deadline" in values and new_type != Measure.Type.ONGOING:
        if values["original_deadline"] != measure.original_deadline:
            changes["original_deadline"] = values["original_deadline"]
    for attr in ("responsible_leader", "lead_department", "owner"):
        if attr in values:
            new = values[attr].pk if values[attr] else None
            if new is None and isinstance(values[attr], NewContact) or new != getattr(measure, f"{attr}_id"):
                changes[attr] = values[attr]
    if "target" in values and values["target"] != measure.target:
        changes["target"] = values["target"]
    return changes


# --- preview and commit --------------------------------------------------------------------------

def _require_office(actor: User, review: Review) -> None:
    if not workflow.is_office_for_court(actor, review.court_id):
        raise PermissionDenied(_("Only the rectification office can import a ledger into this review."))


def _prepare(*, review: Review, actor: User, source: IO[bytes], options: Options) -> ImportPreview:
    """parse → map → validate → plan: the dry run that the commit also runs."""
    preview = ImportPreview(close_completed=options.close_completed)
    try:
        sheets = read_workbook(source, skip=(SUMMARY_SHEET,))
    except WorkbookRefused as refused:
        preview.errors.append(ImportIssue(None, "", refused.message))
        return preview
    mapped = _map(sheets, options.mapping, preview)
    if mapped is None:
        return preview
    people = People(review.court_id, options.people)
    rows = _validate(review=review, actor=actor, mapped=mapped, people=people, preview=preview)
    _plan(review=review, actor=actor, rows=rows, mapped=mapped, preview=preview,
          close_completed=options.close_completed)
    return preview


def _options(options: Options | None, mapping: dict[int, str] | None) -> Options:
    options = options or Options()
    if mapping:
        options.mapping = mapping
    return options


def ledger_import_preview(
    *, review: Review, actor: User, source: IO[bytes], mapping: dict[int, str] | None = None,
    options: Options | None = None,
) -> ImportPreview:
    """The dry run: what would be created and updated, and every error by row and column."""
    _require_office(actor, review)
    return _prepare(review=review, actor=actor, source=source, options=_options(options, mapping))


def ledger_import_commit(
    *, review: Review, actor: User, source: IO[bytes], mapping: dict[int, str] | None = None,
    options: Options | None = None, progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """Apply the plan in one transaction: any refused row undoes every row before it."""
    _require_office(actor, review)
    options = _options(options, mapping)
    with transaction.atomic():
        # Two imports into the same review queue up here; each plans against what the other wrote.
        review = Review.objects.select_for_update().get(pk=review.pk)
        preview = _prepare(review=review, actor=actor, source=source, options=options)
        if not preview.ok:
            raise LedgerImportError(preview)
        _write(preview, review=review, actor=actor, progress=progress or (lambda done, total: None))
    return preview


def _write(preview: ImportPreview, *, review: Review, actor: User, progress: Callable[[int, int], None]) -> None:
    contacts = _create_contacts(preview, review=review, actor=actor)
    categories = {normalise(c.name): c for c in review.categories.all()}
    problems = {normalise(p.description): p for p in Problem.objects.filter(review=review)}
    creates: list[RowPlan] = []
    total = len(preview.rows) + preview.closing
    step = max(1, total // 100)  # about a hundred progress reports, whatever the length
    done = 0
    for plan in preview.rows:
        plan.values = {k: contacts.get(v, v) if isinstance(v, NewContact) else v for k, v in plan.values.items()}
        try:
            if _apply(plan, review=review, actor=actor, categories=categories, problems=problems,
                      problem_people=preview.problem_people, contacts=contacts):
                creates.append(plan)
        except (workflow.WorkflowError, ValidationError, PermissionDenied) as error:
            _refuse(preview, plan, error)
        done += 1
        if done % step == 0:
            progress(done, total)
    # New measures go in together: row by row, 10,000 of them cost over a minute of round trips.
    try:
        created = workflow.measures_create_bulk(actor=actor, rows=[
            {"problem": problems[normalise(plan.problem)], "supporting_departments": plan.supporting or (),
             **plan.values}
            for plan in creates
        ])
    except workflow.WorkflowError as error:
        _refuse(preview, creates[getattr(error, "index", 0)], error)
    for plan, measure in zip(creates, created, strict=True):
        plan.existing = measure
    progress(done, total)
    today = local_today()
    closing = [plan for plan in preview.rows if plan.close]
    try:
        workflow.measures_import_closed_bulk(actor=actor, closings=[
            (plan.existing, plan.completed_on or today,
             _("Imported as closed from the ledger (row %(row)d).") % {"row": plan.row})
            for plan in closing
        ])
    except workflow.WorkflowError as error:
        _refuse(preview, closing[0], error)
    progress(total, total)


def _create_contacts(preview: ImportPreview, *, review: Review, actor: User) -> dict[NewContact, User]:
    """The contacts the office chose to add: users of the court without a login."""
    wanted = {
        value for plan in preview.rows for value in plan.values.values() if isinstance(value, NewContact)
    }
    contacts = {}
    for contact in sorted(wanted, key=lambda c: (c.name, c.leader)):
        existing = next((u for c, u in contacts.items() if c.name == contact.name), None)
        if existing is not None:
            if contact.leader and not existing.has_role(Role.LEADER):
                existing.roles = [*existing.roles, Role.LEADER]
                existing.save(update_fields=["roles"])
            contacts[contact] = existing
            continue
        contacts[contact] = User.objects.create(
            username=f"contact_{uuid.uuid4().hex[:16]}",
            password=make_password(None), is_active=False, court_id=review.court_id,
            full_name=contact.name, title=contact.title, roles=[Role.LEADER] if contact.leader else [],
        )
    if contacts:
        from audit.services import audit_record

        for user in dict.fromkeys(contacts.values()):
            audit_record(action="contact_created", actor=actor, obj=user,
                         detail={"name": user.full_name, "title": user.title, "review": review.pk})
    return contacts


def _refuse(preview: ImportPreview, plan: RowPlan, error: Exception):
    preview.errors.append(ImportIssue(plan.row, _label(getattr(error, "field", "") or ""), _message(error)))
    raise LedgerImportError(preview) from error


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return getattr(error, "message", None) or str(error)


def _apply(plan: RowPlan, *, review, actor, categories: dict, problems: dict, problem_people: dict,
           contacts: dict) -> bool:
    """Update a matched measure now; for a new one, make sure its category and problem exist and
    answer True (the caller creates the measures together)."""
    if plan.action == "unchanged":
        return False
    if plan.action == "update":
        if plan.values or plan.supporting is not None:
            plan.existing = workflow.measure_update(
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
        agreed = {
            attr: contacts.get(value, value) if isinstance(value, NewContact) else value
            for attr, value in problem_people.get(norm_problem, {}).items()
        }
        problems[norm_problem] = issue_services.problem_create(
            category=category, actor=actor, description=plan.problem, **agreed
        )
    return True
