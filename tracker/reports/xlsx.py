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
    """Write one cell; people's text that looks like a formula is kept as text.

    Dates get DATE_FORMAT; ``wrap`` wraps text at the top of the cell. The styles
    are set once per kind of cell and copied after that: setting them on every
    cell makes openpyxl look each one up again, which dominates large packs.
    """
    cell = ws.cell(row=row, column=col)
    cell.value = value
    formula_like = isinstance(value, str) and looks_like_formula(value)
    if formula_like:
        cell.data_type = "s"
    kind = (wrap, isinstance(value, date), formula_like)
    if kind != (False, False, False):
        _styled(ws.parent, cell, kind)
    return cell


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


def header_row(ws: Any, row: int, labels: Sequence[str]) -> None:
    """Bold white-on-navy column headings."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor=HEADER_FILL)
    font = Font(bold=True, color="FFFFFF")
    for col, label in enumerate(labels, 1):
        cell = put(ws, row, col, label)
        cell.fill = fill
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def heading(ws: Any, row: int, text: str, *, size: int = 12) -> None:
    from openpyxl.styles import Font

    put(ws, row, 1, text).font = Font(bold=True, size=size)


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
    """Landscape A4, one page wide, header rows repeated, marking on top, page N of M below."""
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
        footer.center.text = _hf(f"As of {as_of.strftime('%d %B %Y').lstrip('0')}")
        footer.right.text = "Page &P of &N"
        footer.right.size = footer.left.size = footer.center.size = 9


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
    """The workbook as bytes, byte-identical for identical content (see ``stable_zip``)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return stable_zip(buffer.getvalue(), as_of=as_of)


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stable_zip(data: bytes, *, as_of: date) -> bytes:
    """Rewrite an OOXML package with fixed entry times and order and fixed core dates.

    ``[Content_Types].xml`` stays first (readers look for it there); the other
    entries follow sorted by name. openpyxl stamps the save time into
    docProps/core.xml, so its created and modified dates are set to the as-of date.
    """
    stamp = f"{as_of.isoformat()}T00:00:00Z".encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    first = [n for n in names if n == "[Content_Types].xml"]
    ordered = first + sorted(n for n in names if n != "[Content_Types].xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ordered:
            body = source.read(name)
            if name == "docProps/core.xml":
                body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, body, compresslevel=6)
    return out.getvalue()


def note_rows(
    ws: Any, start: int, lines: Iterable[str], *, width_cols: int = 6, chars: int = 100
) -> int:
    """Paragraphs, one per row, merged across ``width_cols`` columns about ``chars`` wide.

    Rows are made tall enough for the wrapped text (a merged cell does not grow by itself).
    Returns the next free row.
    """
    from openpyxl.styles import Alignment

    row = start
    for line in lines:
        cell = put(ws, row, 1, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if width_cols > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width_cols)
        ws.row_dimensions[row].height = 15 * (len(line) // max(20, chars) + 1)
        row += 1
    return row
