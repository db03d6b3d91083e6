"""Reading untrusted CSV and XLSX files into rows, with the row numbers people see.

Data files arrive by email from partner organisations, so they are treated as
untrusted input. Everything that can go wrong with the file itself (empty,
not really a CSV or a workbook, macro-enabled, a zip bomb, corrupt XML) is an
``UnreadableFileError``: one line saying what is wrong and what to do, never
a traceback.

CSV files are read as a stream by ``tracker.data.csvfile`` (encodings, delimiters,
line numbers, an unclosed quote); ``read_table`` gives every row in memory,
``open_table`` streams a CSV's rows for the importer.

XLSX: without ``--sheet`` the first visible worksheet is read (a hidden sheet
of look-up lists or workings is never taken for the data). ``.xls`` and
every macro-enabled kind (``.xlsm``, ``.xltm``, ``.xlam``,
a ``vbaProject.bin`` or Excel 4 macro sheet inside, or a ``macroEnabled``
content type) are refused. Before any XML is parsed the zip is inspected: at
most 200 MB uncompressed in all, no member over 1 MB that compresses more than
100 times, and each member's real decompressed size is measured by streaming
it (without keeping it) so a zip whose headers understate its sizes is caught
too. The same streaming pass looks for formulas and error cells in the
worksheets' XML: a formula with no saved result (a workbook written by a
program and never opened in Excel) would read as empty, so it is refused; an
error cell (#N/A from a failed look-up) is read as empty by calamine, so such
a workbook is read with openpyxl, which gives the error's text for the row
checks to report. The sheet is then read with python-calamine, a Rust reader whose XML
parser (quick-xml) does not expand DTD entities: a workbook using them (the
"billion laughs" and external-entity attacks) fails to parse rather than
expanding. If calamine is missing or cannot read a file, openpyxl read-only is
tried; openpyxl parses with defusedxml when it is installed (it is a
dependency of tracker; ``openpyxl.DEFUSEDXML`` is then true), which forbids
entity declarations. Both are tested in tests/test_data_readers.py. Row numbers
are the worksheet's own, and blank rows are skipped wherever they are.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.data.csvfile import MAX_CSV_BYTES, OLE_MAGIC, ZIP_MAGIC, open_csv, read_csv
from tracker.data.table import Table, UnreadableFileError, is_blank_row, split_header
from tracker.errors import TrackerError

__all__ = ["MAX_CSV_BYTES", "Table", "UnreadableFileError", "open_table", "read_csv", "read_table"]

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes, all members of a workbook together
MAX_RATIO = 100  # uncompressed / compressed, for any member larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024  # members smaller than this cannot be a bomb, whatever their ratio
MAX_MEMBERS = 10_000

MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam", ".xlsb"}
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
XLSX_SUFFIXES = {".xlsx", ".xltx"}


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """The header and every non-blank row of a .csv or .xlsx file, in memory."""
    table = open_table(path, sheet=sheet)
    table.rows = list(table.rows)
    return table


def check_is_a_file(path: Path) -> None:
    """Refuse a folder, a missing path or a device before anything reads or hashes it."""
    if path.is_dir():
        raise UnreadableFileError(
            path.name, "is a folder, not a file", hint="give the path of a .csv or .xlsx file"
        )
    if not path.exists():
        raise UnreadableFileError(path.name, "does not exist", hint=f"check the path {path}")
    if not path.is_file():
        raise UnreadableFileError(
            path.name,
            "is not a regular file (a device or a pipe)",
            hint="give the path of a .csv or .xlsx file",
        )


def open_table(path: Path, *, sheet: str | None = None) -> Table:
    """The header and non-blank rows of a .csv (streamed) or .xlsx file."""
    name = path.name
    check_is_a_file(path)
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise UnreadableFileError(
            name,
            "is a macro-enabled or binary workbook, which tracker refuses",
            hint="open it in Excel and save it as 'Excel Workbook (*.xlsx)', then import that",
        )
    if suffix == ".xls":
        raise UnreadableFileError(
            name,
            "is an old Excel 97-2003 workbook (.xls), which tracker does not read",
            hint="open it in Excel and save it as 'Excel Workbook (*.xlsx)', then import that",
        )
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path, sheet=sheet)
    if suffix in CSV_SUFFIXES:
        if sheet is not None:
            raise UnreadableFileError(
                name, "is a CSV file, which has no sheets", hint="leave out --sheet"
            )
        return open_csv(path)
    raise UnreadableFileError(
        name,
        f"has the extension '{path.suffix or '(none)'}', which tracker does not import",
        hint="save the data as .xlsx or .csv",
    )


# --- XLSX -----------------------------------------------------------------------


def _refuse_macros(name: str) -> UnreadableFileError:
    return UnreadableFileError(
        name,
        "contains macros, which tracker refuses",
        hint="open it in Excel and save it as 'Excel Workbook (*.xlsx)' without macros, "
        "then import that",
    )


def _not_a_workbook(name: str, why: str) -> UnreadableFileError:
    return UnreadableFileError(
        name,
        f"is not a valid .xlsx workbook ({why})",
        hint="open it in Excel and save it as 'Excel Workbook (*.xlsx)', or export it as CSV",
    )


def _too_big(name: str, why: str) -> UnreadableFileError:
    return UnreadableFileError(
        name,
        f"was refused before reading: {why}, so it may be a 'zip bomb'",
        hint="if the workbook is genuine, save its data as CSV and import that",
    )


_SHEET_MEMBER = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_ERROR_CELL = b't="e"'  # a cell holding an Excel error (#N/A...): calamine reads it as empty
_FORMULA_MARKS = (b"<f>", b"<f ")
_FORMULA_START = b"<f"  # what both marks start with
# A formula cell with no saved result (written by a program, never opened in Excel):
# every reader sees it as empty.
_UNCALCULATED = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]+)"[^>]*>(?:<f>[^<]*</f>|<f [^>]*/>|<f [^>]*>[^<]*</f>)'
    rb"(?:<v\s*/>|<v></v>)?</c>"
)


@dataclass
class _SheetMarks:
    """What the streaming size check noticed in the worksheets' XML."""

    error_cells: bool = False
    formula_members: list[zipfile.ZipInfo] = field(default_factory=list)


def _member_size(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    budget: int,
    marks: _SheetMarks | None = None,
) -> int:
    """The real decompressed size of one member, streamed: never more than ``budget`` is made.

    With ``marks``, the member is a worksheet and its XML is also searched, as it
    streams past, for error cells and formulas.
    """
    fp = archive.fp
    assert fp is not None
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) != 30 or local[:4] != ZIP_MAGIC:
        raise _not_a_workbook(name, "a damaged zip archive")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        if marks is not None:
            _mark(marks, info, fp.read(remaining))
        return remaining
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _not_a_workbook(name, f"a member uses compression method {info.compress_type}")
    inflater = zlib.decompressobj(-15)
    tail = b""
    total = 0
    chunk = 1 << 16
    while remaining > 0 or inflater.unconsumed_tail:
        if inflater.unconsumed_tail:
            data = inflater.unconsumed_tail
        else:
            data = fp.read(min(chunk, remaining))
            if not data:
                raise _not_a_workbook(name, "a damaged zip archive")
            remaining -= len(data)
        try:
            out = inflater.decompress(data, chunk * 4)
        except zlib.error:
            raise _not_a_workbook(name, "a damaged zip archive") from None
        total += len(out)
        if marks is not None and out:
            _mark(marks, info, tail + out[:8])  # a mark split between two chunks
            tail = _mark(marks, info, out)
        if total > info.file_size or total > budget:
            raise _too_big(name, f"'{info.filename}' holds more data than its zip header declares")
        if inflater.eof:
            break
    return total


def _mark(marks: _SheetMarks, info: zipfile.ZipInfo, data: bytes) -> bytes:
    """Note error cells and formulas in ``data``; returns its end, to prefix the next chunk."""
    if not marks.error_cells and _ERROR_CELL in data:
        marks.error_cells = True
    if (
        (not marks.formula_members or marks.formula_members[-1] is not info)
        and _FORMULA_START in data  # one scan of a worksheet's XML, the exact marks only if found
        and (_FORMULA_MARKS[0] in data or _FORMULA_MARKS[1] in data)
    ):
        marks.formula_members.append(info)
    return data[-8:]


def _uncalculated_cell(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The first formula cell of a worksheet with no saved result, or None."""
    carry = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            data = carry + chunk
            found = _UNCALCULATED.search(data)
            if found:
                return found.group(1).decode("ascii")
            carry = data[-4096:]
    return None


def _sheet_title(archive: zipfile.ZipFile, member: str) -> str:
    """The sheet name Excel shows for worksheet ``member``, or the member's file name."""
    fallback = member.rsplit("/", 1)[-1]
    try:
        from defusedxml import ElementTree

        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except Exception:
        return fallback
    target = member.removeprefix("xl/")
    rid = next(
        (
            r.get("Id")
            for r in rels
            if (r.get("Target") or "").lstrip("/").removeprefix("xl/") == target
        ),
        None,
    )
    for element in book.iter():
        if (
            element.tag.endswith("}sheet")
            and rid is not None
            and any(k.endswith("}id") and v == rid for k, v in element.attrib.items())
        ):
            return f"sheet '{element.get('name')}'"
    return fallback


def inspect_workbook(path: Path, *, formulas_checked_later: bool = False) -> bool:
    """Refuse a workbook that is not a zip, carries macros, or is too big when unpacked.

    Runs before any XML is parsed. Raises UnreadableFileError; returns whether a
    worksheet holds Excel error cells (#N/A, #REF!...), which calamine would read as
    empty, so that the caller reads the workbook with openpyxl instead. A formula
    with no saved result (a workbook written by a program and never opened in
    Excel) would read as empty with either, so it is refused -- unless the caller
    refuses formulas itself, cell by cell (``formulas_checked_later``: returns).
    """
    name = path.name
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise UnreadableFileError(name, "is empty", hint="save the workbook again and import it")
    if head.startswith(OLE_MAGIC):
        raise UnreadableFileError(
            name,
            "is an old .xls workbook or a password-protected one, which tracker cannot read",
            hint="remove the password and save it as 'Excel Workbook (*.xlsx)', then import that",
        )
    if not head.startswith(ZIP_MAGIC):
        raise _not_a_workbook(name, "it is not a zip archive")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _not_a_workbook(name, "a damaged zip archive") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _too_big(name, f"it holds {len(infos)} files")
        names = {i.filename.replace("\\", "/").lower(): i for i in infos}
        for member in names:
            if member.endswith("vbaproject.bin") or member.startswith("xl/macrosheets/"):
                raise _refuse_macros(name)
        if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
            raise _not_a_workbook(name, "it has no Excel workbook inside")
        declared = 0
        for info in infos:
            declared += info.file_size
            if declared > MAX_UNCOMPRESSED:
                raise _too_big(
                    name, f"it would unpack to more than {MAX_UNCOMPRESSED // (1024 * 1024)} MB"
                )
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _too_big(
                    name,
                    f"'{info.filename}' is compressed "
                    f"{info.file_size // max(info.compress_size, 1)} times (the limit is "
                    f"{MAX_RATIO})",
                )
        budget = MAX_UNCOMPRESSED
        marks = _SheetMarks()
        for info in infos:
            sheet = _SHEET_MEMBER.match(info.filename.replace("\\", "/")) is not None
            budget -= _member_size(archive, info, name, budget, marks if sheet else None)
        for info in [] if formulas_checked_later else marks.formula_members:
            cell = _uncalculated_cell(archive, info)
            if cell is not None:
                raise UnreadableFileError(
                    name,
                    f"has formulas whose results were never calculated (cell {cell} of "
                    f"{_sheet_title(archive, info.filename)}), which would import as empty",
                    hint="open the workbook in Excel, save it and import it again",
                )
        content_types = names["[content_types].xml"]
        if content_types.file_size > RATIO_FLOOR:
            raise _not_a_workbook(name, "its content types are implausibly large")
        try:
            types = archive.read(content_types).lower()
        except (zipfile.BadZipFile, zlib.error, OSError):
            raise _not_a_workbook(name, "a damaged zip archive") from None
        if b"macroenabled" in types:
            raise _refuse_macros(name)
    return marks.error_cells


def _choose_sheet(name: str, sheet_names: list[str], wanted: str | None, first: str) -> str:
    if wanted is None:
        return first
    if wanted in sheet_names:
        return wanted
    folded = [s for s in sheet_names if s.casefold() == wanted.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise UnreadableFileError(
        name,
        f"has no sheet '{wanted}'",
        hint=f"use --sheet with one of {', '.join(repr(s) for s in sheet_names)}",
    )


def _table_from_rows(name: str, sheet: str, rows: Iterator[tuple[int, list[Any]]]) -> Table:
    header_line, headers = split_header(name, rows)
    kept: list[tuple[int, list[Any]]] = []
    append = kept.append
    for number, cells in rows:
        # most rows start with a filled cell (a number, a date, text): no call needed for them
        first = cells[0] if cells else None
        if (first is not None and (first.__class__ is not str or first.strip())) or (
            not is_blank_row(cells)
        ):
            append((number, cells))
    table = Table(file=name, header_line=header_line, headers=headers, rows=kept, sheet=sheet)
    return table


def _read_calamine(path: Path, sheet: str | None) -> Table:
    import python_calamine

    name = path.name
    with python_calamine.CalamineWorkbook.from_path(str(path)) as book:
        metadata = [
            m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        if any(m.typ == python_calamine.SheetTypeEnum.MacroSheet for m in book.sheets_metadata):
            raise _refuse_macros(name)
        if not metadata:
            raise _not_a_workbook(name, "it has no worksheets")
        visible = [
            m.name for m in metadata if m.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        worksheets = [m.name for m in metadata]
        chosen = _choose_sheet(name, list(book.sheet_names), sheet, (visible or worksheets)[0])
        data = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    table = _table_from_rows(name, chosen, iter(enumerate(data, start=1)))
    table.sheets = visible or worksheets
    return table


def _read_openpyxl(path: Path, sheet: str | None) -> Table:
    import openpyxl

    name = path.name
    book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        if not book.worksheets:
            raise _not_a_workbook(name, "it has no worksheets")
        visible = [w.title for w in book.worksheets if w.sheet_state == "visible"]
        worksheets = visible or [w.title for w in book.worksheets]
        chosen = _choose_sheet(name, book.sheetnames, sheet, worksheets[0])
        ws = book[chosen]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # the stored dimensions may be wrong; read what is there
        rows = ((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))
        table = _table_from_rows(name, chosen, rows)
        table.sheets = worksheets
        return table
    finally:
        book.close()


def read_xlsx(path: Path, *, sheet: str | None = None) -> Table:
    """The header and rows of one worksheet (default: the first), after the safety checks."""
    error_cells = inspect_workbook(path)
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return _read_with(_read_openpyxl, path, sheet)
    if error_cells:  # calamine reads #N/A as empty; openpyxl gives the error's text
        return _read_with(_read_openpyxl, path, sheet)
    try:
        return _read_calamine(path, sheet)
    except TrackerError:
        raise
    except Exception as exc:  # calamine could not read it: give openpyxl a chance
        return _read_with(_read_openpyxl, path, sheet, reason=exc)


def _read_with(
    reader: Any, path: Path, sheet: str | None, *, reason: Exception | None = None
) -> Table:
    try:
        table: Table = reader(path, sheet)
    except TrackerError:
        raise
    except Exception as exc:
        raise _not_a_workbook(
            path.name, f"it cannot be read: {_why(reason or exc, path)}"
        ) from None
    return table


def _why(exc: Exception, path: Path) -> str:
    text = str(exc).strip().replace(str(path), path.name)
    text = text.splitlines()[0] if text else type(exc).__name__
    text = re.sub(r"^at \d+\.\.\d+: ", "", text)  # calamine's byte offsets
    return text[:120]
