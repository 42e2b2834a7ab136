"""The exporter contract and the formula-safe workbook, after pretix's ``base/exporter.py`` and
``helpers/safe_openpyxl.py``.

An exporter has an ``identifier``, a ``verbose_name`` and ``iterate()``: a generator that first
yields ``ProgressTotal(n)``, then the header (a list), then one row per record. ``render()`` turns
that into an .xlsx; the plain renderer here writes a table, the ledger overrides it with its layout.

``SafeWorkbook`` hands out write-only sheets whose every text cell stays text (see ``safe_cell``).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR, as the
# start of one after a copy/paste into another program): "=HYPERLINK(...)" in a measure text must
# come back as that text, never as a live link or a DDE call.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ProgressTotal:
    """Yielded first by ``iterate()``: how many rows follow, so a job can report a percentage."""

    total: int


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


class _StyledCell(Cell):
    """A cell whose style id was resolved once per style, not once per cell (openpyxl's
    ``style_id`` hashes the style array into the workbook's list on every call)."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self):
        return self._style_id


@dataclass(frozen=True)
class Style:
    array: StyleArray
    style_id: int
    quoted: "Style | None" = None  # the same style with Excel's quote prefix, for formula-like text


def safe_cell(ws, value: Any, style: Style | None = None) -> Cell:
    """A write-only cell whose text is always text.

    openpyxl stores a string starting with "=" as a formula; here such strings (and the other
    triggers) are written as an inline string with Excel's quote prefix (the leading apostrophe),
    so editing the cell in Excel keeps it text too.
    """
    if is_formula_like(value):
        quoted = style.quoted if style is not None else _plain_quoted(ws)
        cell = _StyledCell(ws, style_array=quoted.array)
        cell._style_id = quoted.style_id
        cell._value = value
        cell.data_type = "s"
        return cell
    if style is None:
        return Cell(ws, value=value)
    cell = _StyledCell(ws, value=value, style_array=style.array)
    cell._style_id = style.style_id
    return cell


def _register(ws, array: StyleArray) -> Style:
    return Style(array=array, style_id=ws.parent._cell_styles.add(array))


def _plain_quoted(ws) -> Style:
    array = StyleArray()
    array.quotePrefix = 1
    return _register(ws, array)


class SafeWriteOnlyWorksheet(WriteOnlyWorksheet):
    """``append`` takes plain values (made safe here) or prepared cells, which are written as they
    are: openpyxl's own path re-binds every cell's value and falls back through an exception."""

    def _values_to_row(self, values, row_idx):
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            cell = value if isinstance(value, Cell) else safe_cell(self, value)
            cell.row = row_idx
            cell.column = col_idx
            yield cell


class SafeWorkbook(Workbook):
    """A write-only workbook whose sheets never turn text into formulas."""

    def __init__(self):
        super().__init__(write_only=True)

    def create_sheet(self, title=None, index=None) -> SafeWriteOnlyWorksheet:
        ws = SafeWriteOnlyWorksheet(parent=self, title=title)
        self._add_sheet(sheet=ws, index=index)
        return ws


class CellStyles:
    """Named styles registered once with the workbook, handed to ``safe_cell``."""

    def __init__(self, ws):
        self._ws = ws
        self._styles: dict[str, Style] = {}

    def add(self, name: str, **attrs) -> Style:
        proto = Cell(self._ws)
        for key, value in attrs.items():
            setattr(proto, key, value)
        quoted = StyleArray(proto._style)
        quoted.quotePrefix = 1
        style = Style(
            array=proto._style, style_id=self._ws.parent._cell_styles.add(proto._style),
            quoted=_register(self._ws, quoted),
        )
        self._styles[name] = style
        return style

    def __getitem__(self, name: str) -> Style:
        return self._styles[name]


class BaseExporter:
    identifier: str = ""
    verbose_name: str = ""

    def iterate(self) -> Iterator[Any]:
        raise NotImplementedError

    def render(self, out: IO[bytes], *, progress: ProgressCallback | None = None) -> int:
        """Write the plain table to ``out``; returns the number of rows written."""
        workbook = SafeWorkbook()
        ws = workbook.create_sheet(str(self.verbose_name)[:31] or "Sheet1")
        rows, total = -1, 0  # the header is not a row
        for item in self.iterate():
            if isinstance(item, ProgressTotal):
                total = item.total
                continue
            ws.append(list(item))
            rows += 1
            if progress and rows and rows % 1000 == 0:
                progress(rows, total)
        workbook.save(out)
        return max(rows, 0)
