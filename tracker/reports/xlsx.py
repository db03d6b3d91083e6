"""Workbook habits every report shares: safe text, RAG colours, print settings, stable bytes.

* **User text stays text.** ``put`` writes a string a spreadsheet would run
  (``=``, ``+``, ``-``, ``@``...; ``tracker.usertext.looks_like_formula``) as a
  string cell with the quote prefix set, which is what Excel itself does when
  someone types an apostrophe first.
* **RAG by conditional formatting, with the word in the cell.** ``rag_rules``
  colours a range by the word it holds, so colour is never the only carrier of
  meaning and a filter on the column still works.
* **Print-ready.** ``print_ready`` sets landscape, fit to one page wide,
  repeated header rows, the protective marking in the header and a footer
  with the title, the as-of date and "Page N of M".
* **Stable bytes.** ``stable_zip`` rewrites the saved package with fixed entry
  times, in a fixed order, and with the document's created/modified dates set
  to the as-of date, so the same inputs give the same file byte for byte.

openpyxl is imported inside the functions, never at module import.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from tracker.usertext import looks_like_formula
from tracker.wording import day_text

# Fill and font colours of each RAG word (the usual Excel "good/neutral/bad" palette, plus blue).
RAG_COLOURS = {
    "Red": ("FFC7CE", "9C0006"),
    "Amber": ("FFEB9C", "9C5700"),
    "Green": ("C6EFCE", "006100"),
    "Complete": ("BDD7EE", "1F4E78"),
    "Grey": ("E7E6E6", "3A3838"),
}
HEADER_FILL = "1F3864"
DATE_FORMAT = "dd mmm yyyy"
DATE_WIDTH = 13  # "31 Mar 2020" with room to spare: a date never prints as ###
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def put(ws: Any, row: int, col: int, value: Any, *, wrap: bool = False) -> Any:
    """Write one cell (None for an empty value: no cell is made); people's text that looks
    like a formula is kept as text.

    Dates get DATE_FORMAT; ``wrap`` wraps text at the top of the cell. The styles
    are set once per kind of cell and copied after that: setting them on every
    cell makes openpyxl look each one up again, which dominates large packs.
    """
    if value is None or value == "":
        return None  # nothing to write: no cell at all (openpyxl would still walk it)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        formula_like = looks_like_formula(value)
        if formula_like:
            cell.data_type = "s"
        if wrap or formula_like:
            _styled(ws.parent, cell, (wrap, False, formula_like))
    elif isinstance(value, date) or wrap:
        _styled(ws.parent, cell, (wrap, isinstance(value, date), False))
    return cell


def unit_format(unit: str, value: float = 0) -> str:
    """An Excel number format that shows a KPI's unit beside a number that stays a number
    ('17.3%' from 17.3, '3,000 people'): thousands separated as the text says them, a
    decimal only where the value has one; the plan's unit text, quotes and backslashes
    dropped."""
    text = "".join(ch for ch in unit if ch not in '"\\' and ch.isprintable())[:30]
    number = "#,##0" if float(value).is_integer() else "#,##0.0##"
    if text == "%":
        return f'{number}"%"'
    return f'{number}" {text}"' if text else number


def put_figure(ws: Any, row: int, col: int, value: Any, unit: str) -> Any:
    """``put`` for a KPI figure: a number is shown with its unit; text (``[c]``) as it is."""
    cell = put(ws, row, col, value)
    if cell is not None and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = unit_format(unit, value)
    return cell


def cell_with(ws: Any, row: int, col: int, value: Any) -> Any:
    """``put``, but a cell even for an empty value: for a heading that is styled anyway."""
    return put(ws, row, col, value) or ws.cell(row=row, column=col)


def _styled(wb: Any, cell: Any, kind: tuple[bool, bool, bool]) -> None:
    """Give ``cell`` the style of ``kind`` (wrap, date, quote prefix), cached per workbook."""
    from copy import copy

    from openpyxl.styles import Alignment

    cache: dict[tuple[bool, bool, bool], Any] = wb.__dict__.setdefault("_tracker_styles", {})
    style = cache.get(kind)
    if style is None:
        wrap, is_date, quoted = kind
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if is_date:
            cell.number_format = DATE_FORMAT
        if quoted:
            cell.quotePrefix = True
        cache[kind] = copy(cell._style)
    else:
        cell._style = copy(style)


def styled(cell: Any, name: str, make: Any) -> Any:
    """Give ``cell`` the workbook's style ``name``, made once by ``make(cell)`` and then copied.

    Setting a font, fill or alignment makes openpyxl look the object up among the
    workbook's styles each time; copying the finished style of the first cell is
    one small array copy.
    """
    from copy import copy

    cache: dict[str, Any] = cell.parent.parent.__dict__.setdefault("_tracker_named", {})
    style = cache.get(name)
    if style is None:
        make(cell)
        cache[name] = copy(cell._style)
    else:
        cell._style = copy(style)
    return cell


def _header_style(cell: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def header_row(ws: Any, row: int, labels: Sequence[str]) -> None:
    """Bold white-on-navy column headings."""
    for col, label in enumerate(labels, 1):
        cell = cell_with(ws, row, col, label)
        styled(cell, "header-quoted" if cell.quotePrefix else "header", _header_style)


def bold(cell: Any, *, size: int | None = None) -> Any:
    """``cell`` in bold (of ``size`` points)."""
    from openpyxl.styles import Font

    def make(c: Any) -> None:
        c.font = Font(bold=True, size=size)

    quoted = "-quoted" if cell.quotePrefix else ""
    wrapped = "-wrap" if cell.alignment.wrap_text else ""
    return styled(cell, f"bold-{size}{quoted}{wrapped}", make)


def heading(ws: Any, row: int, text: str, *, size: int = 12) -> None:
    bold(cell_with(ws, row, 1, text), size=size)


def widths(ws: Any, values: Sequence[float]) -> None:
    """Set column widths (characters) from column A on."""
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(values, 1):
        ws.column_dimensions[get_column_letter(col)].width = width


def rag_rules(ws: Any, ref: str) -> None:
    """Colour every cell of ``ref`` by the RAG word in it."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    for word, (fill, font) in RAG_COLOURS.items():
        ws.conditional_formatting.add(
            ref,
            CellIsRule(
                operator="equal",
                formula=[f'"{word}"'],
                fill=PatternFill("solid", fgColor=fill, bgColor=fill),
                font=Font(color=font, bold=True),
            ),
        )


def _hf(text: str) -> str:
    """Header/footer text with its control character (&) escaped."""
    return text.replace("&", "&&")


def print_ready(
    ws: Any,
    *,
    title: str,
    marking: str,
    as_of: date,
    title_rows: str | None = "1:1",
) -> None:
    """Landscape A4, one page wide, header rows repeated, marking on top, page N of M below;
    rows holding wrapped text made tall enough for it (``fit_rows``)."""
    fit_rows(ws)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    for header in (ws.oddHeader, ws.firstHeader):
        header.center.text = _hf(marking)
        header.center.font = "Calibri,Bold"
        header.center.size = 11
    for footer in (ws.oddFooter, ws.firstFooter):
        footer.left.text = _hf(title)
        footer.center.text = _hf(f"As of {day_text(as_of)}")
        footer.right.text = "Page &P of &N"
        footer.right.size = footer.left.size = footer.center.size = 9


LINE_POINTS = 15.0  # one line of 11-point Calibri
CHARS_PER_WIDTH = 1.1  # text characters per unit of column width (units are '0' digits)


def fit_rows(ws: Any) -> None:
    """Give each row with wrapped text the height its longest cell needs.

    Excel sizes such rows when it draws them; LibreOffice and printing from a file that
    was never opened keep the default height, and the lines overprint the row below.
    The estimate counts each paragraph's characters against the column's width. Cells
    are read through their style ids (as ``put`` writes them), not their style objects:
    asking each cell for its alignment would cost more than building the sheet.
    """
    import math
    from copy import copy

    book = ws.parent
    wrapping = {i for i, a in enumerate(book._alignments) if a.wrap_text}
    if not wrapping:
        return
    default = ws.sheet_format.defaultColWidth or 8.43
    from openpyxl.utils import get_column_letter

    per_line: dict[int, float] = {}
    lines_of: dict[int, int] = {}
    for (row, col), cell in ws._cells.items():
        value = cell._value
        style = cell._style  # None for a cell never styled
        if not isinstance(value, str) or style is None or style.alignmentId not in wrapping:
            continue
        if col not in per_line:
            width = ws.column_dimensions[get_column_letter(col)].width or default
            per_line[col] = max(1.0, width * CHARS_PER_WIDTH)
        chars = per_line[col]
        needed = sum(max(1, math.ceil(len(p) / chars)) for p in value.split("\n"))
        if needed > lines_of.get(row, 1):
            lines_of[row] = needed
    if not lines_of:
        return
    top: dict[int, Any] = {}  # alignment id -> the same alignment, from the top
    for (row, _), cell in ws._cells.items():
        if row not in lines_of or cell._value is None:
            continue
        ident = cell._style.alignmentId if cell._style is not None else 0
        if ident not in top:
            alignment = copy(book._alignments[ident])
            alignment.vertical = "top"
            top[ident] = alignment
        if book._alignments[ident].vertical != "top":
            cell.alignment = top[ident]
    for row, lines in lines_of.items():
        ws.row_dimensions[row].height = min(409.0, lines * LINE_POINTS)


def set_properties(wb: Any, *, title: str, subject: str, as_of: date, marking: str) -> None:
    """Document properties that do not change between compilations of the same inputs."""
    moment = datetime(as_of.year, as_of.month, as_of.day)
    props = wb.properties
    props.title = title
    props.subject = subject
    props.creator = "tracker"
    props.lastModifiedBy = "tracker"
    props.keywords = marking
    props.category = marking
    props.created = moment
    props.modified = moment


def save(wb: Any, *, as_of: date) -> bytes:
    """The workbook as bytes, byte-identical for identical content.

    openpyxl writes its parts into a ``_StableZip``, which keeps them and writes
    them once, compressed once, in the order and with the fixed entry times and
    core dates ``stable_zip`` gives, rather than saving and then rewriting the
    package (which decompressed and recompressed every part).
    """
    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    archive = _StableZip(buffer, stamp=_stamp(as_of))
    ExcelWriter(wb, archive).save()  # not wb.save(), which stamps the time into the properties
    return buffer.getvalue()


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _stamp(as_of: date) -> bytes:
    return f"{as_of.isoformat()}T00:00:00Z".encode()


class _StableZip(zipfile.ZipFile):
    """A zip archive that keeps what is written to it and writes it all, in a fixed order,
    with fixed entry times and core dates, when closed."""

    def __init__(self, file: Any, *, stamp: bytes) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self._stamp = stamp
        self._parts: dict[str, bytes] = {}

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        self._parts[name] = data.encode("utf-8") if isinstance(data, str) else bytes(data)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        with open(filename, "rb") as handle:
            self._parts[str(arcname or filename)] = handle.read()

    def close(self) -> None:
        if self._parts:
            parts, self._parts = self._parts, {}
            _write_parts(self, parts, self._stamp)
        super().close()


def _write_parts(target: zipfile.ZipFile, parts: dict[str, bytes], stamp: bytes) -> None:
    """``[Content_Types].xml`` first (readers look for it there), then the rest by name."""
    first = [n for n in parts if n == "[Content_Types].xml"]
    for name in first + sorted(n for n in parts if n != "[Content_Types].xml"):
        body = parts[name]
        if name == "docProps/core.xml":
            body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        zipfile.ZipFile.writestr(target, info, body, compresslevel=6)


def stable_zip(data: bytes, *, as_of: date) -> bytes:
    """Rewrite an OOXML package with fixed entry times and order and fixed core dates.

    ``[Content_Types].xml`` stays first (readers look for it there); the other
    entries follow sorted by name. openpyxl stamps the save time into
    docProps/core.xml, so its created and modified dates are set to the as-of date.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {name: source.read(name) for name in source.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        _write_parts(target, parts, _stamp(as_of))
    return out.getvalue()


def note_rows(
    ws: Any, start: int, lines: Iterable[str], *, width_cols: int = 6, chars: int = 100
) -> int:
    """Paragraphs, one per row, merged across ``width_cols`` columns about ``chars`` wide.

    Rows are made tall enough for the wrapped text (a merged cell does not grow by itself).
    Returns the next free row.
    """
    row = start
    for line in lines:
        put(ws, row, 1, line, wrap=True)
        if width_cols > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width_cols)
        ws.row_dimensions[row].height = 15 * (len(line) // max(20, chars) + 1)
        row += 1
    return row
