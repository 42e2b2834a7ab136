"""Step 1 of an import, *parse*: read an uploaded .xlsx into rows, refusing hostile files early.

An .xlsx is a zip of XML. The upload limit (``LEDGER_IMPORT_MAX_BYTES``) says nothing about what it
unpacks to: 126 KB can hold a million empty rows, 918 KB a cell of 210 million characters. So:

1. ``measures.evidence.archive_check`` inflates every member as a stream and counts the bytes it
   really produces (not the sizes the zip directory declares), refusing at
   ``LEDGER_IMPORT_MAX_UNPACKED_BYTES`` or ``LEDGER_IMPORT_MAX_MEMBERS`` — before openpyxl loads
   anything (it reads the shared-string table whole).
2. The sheet is parsed row by row with openpyxl's streaming parser; the number of ``<row>``
   elements (``LEDGER_IMPORT_MAX_ROWS``), each cell's length (``LEDGER_IMPORT_MAX_CELL_CHARS``,
   Excel's own limit is 32,767) and the columns read (``MAX_COLUMNS``) are checked as they go.

A formula cell without a stored result (a workbook written by a program that never calculated it)
is read as ``FormulaWithoutValue`` naming the cell, so the import can say so instead of reading an
empty measure.
"""

import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from measures.evidence import ArchiveRefused, archive_check

MAX_COLUMNS = 100  # no ledger has more; cells to the right of it are not read


class WorkbookRefused(Exception):
    """The file cannot be imported as it is; ``message`` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell whose workbook holds no calculated value."""

    coordinate: str

    def __str__(self) -> str:
        return ""


@dataclass
class Sheet:
    """One worksheet: its values row by row (row 1 first) and its merged ranges as
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


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int
    members: int
    rows: int
    cell_chars: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            unpacked_bytes=settings.LEDGER_IMPORT_MAX_UNPACKED_BYTES,
            members=settings.LEDGER_IMPORT_MAX_MEMBERS,
            rows=settings.LEDGER_IMPORT_MAX_ROWS,
            cell_chars=settings.LEDGER_IMPORT_MAX_CELL_CHARS,
        )


class _Parser(WorkSheetParser):
    """openpyxl's streaming sheet parser, reading stored values, that also marks formula cells
    without one."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["value"] = FormulaWithoutValue(f"{get_column_letter(cell['column'])}{cell['row']}")
        return cell


def read_workbook(source: IO[bytes], *, skip: tuple[str, ...] = (), limits: Limits | None = None) -> list[Sheet]:
    """Every worksheet but those named in ``skip``; raises ``WorkbookRefused``."""
    limits = limits or Limits.from_settings()
    try:
        archive_check(source, max_unpacked=limits.unpacked_bytes, max_members=limits.members)
    except ArchiveRefused as refused:
        raise WorkbookRefused(refused.message) from None
    source.seek(0)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise WorkbookRefused(_("The file is not an Excel workbook (.xlsx) that can be read.")) from error
    try:
        return [
            _read_sheet(workbook, ws, limits)
            for ws in workbook.worksheets
            if ws.title not in skip and hasattr(ws, "_get_source")  # chartsheets have no cells
        ]
    finally:
        workbook.close()


def _read_sheet(workbook, ws, limits: Limits) -> Sheet:
    rows: dict[int, tuple] = {}
    elements = 0
    with ws._get_source() as src:
        parser = _Parser(
            src, workbook.shared_strings, data_only=True, epoch=workbook.epoch,
            date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            elements += 1
            if elements > limits.rows:
                raise WorkbookRefused(
                    _("Sheet %(sheet)s has more than %(n)d rows; split the ledger into several files.")
                    % {"sheet": ws.title, "n": limits.rows}
                )
            values = [None] * min(max((c["column"] for c in cells), default=0), MAX_COLUMNS)
            for cell in cells:
                value = cell["value"]
                if value is None or cell["column"] > MAX_COLUMNS:
                    continue
                if isinstance(value, str) and len(value) > limits.cell_chars:
                    raise WorkbookRefused(
                        _("%(cell)s: the cell holds %(n)d characters, more than the %(max)d a cell may hold.")
                        % {"cell": f"{get_column_letter(cell['column'])}{number}", "n": len(value),
                           "max": limits.cell_chars}
                    )
                values[cell["column"] - 1] = value
            while values and values[-1] is None:
                values.pop()
            if not values:
                continue  # an empty <row>: formatting only
            if number > limits.rows:
                raise WorkbookRefused(
                    _("Sheet %(sheet)s has data in row %(row)d, beyond the %(n)d rows an import may have.")
                    % {"sheet": ws.title, "row": number, "n": limits.rows}
                )
            rows[number] = tuple(values)
        merged = []
        for cell_range in getattr(parser.merged_cells, "mergeCell", None) or ():
            if cell_range.ref:
                min_col, min_row, max_col, max_row = range_boundaries(cell_range.ref)
                merged.append((min_row, min_col, min(max_row, limits.rows), min(max_col, MAX_COLUMNS)))
    last = max(rows, default=0)
    return Sheet(title=ws.title, rows=[rows.get(n, ()) for n in range(1, last + 1)], merged=merged)
