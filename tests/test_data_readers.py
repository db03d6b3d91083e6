"""Reading untrusted CSV and XLSX files: encodings, delimiters, row numbers, and refusals.

Workbooks are made with openpyxl and then altered byte by byte with zipfile,
the way a malicious or broken file would arrive.
"""

from __future__ import annotations

import struct
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from tracker.data.readers import (
    UnreadableFileError,
    _read_calamine,
    _read_openpyxl,
    inspect_workbook,
    read_table,
)


def _workbook(path: Path, rows: list[list[object]], *, sheets: tuple[str, ...] = ()) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "Data"
    for row in rows:
        ws.append(row)
    for name in sheets:
        book.create_sheet(name).append(["other"])
    book.save(path)
    return path


def _rewrite(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of a workbook with members replaced (bytes), added, or removed (None)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            if info.filename in changes:
                continue
            z.writestr(info.filename, zin.read(info.filename))
        for name, data in changes.items():
            if data is not None:
                z.writestr(name, data)
    return target


def _refused(path: Path, **kw: object) -> str:
    with pytest.raises(UnreadableFileError) as caught:
        read_table(path, **kw)  # type: ignore[arg-type]
    return str(caught.value)


# --- CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),  # Excel's "CSV UTF-8"
        ("cp1252", b""),  # Excel's plain "CSV" on a UK Windows PC
        ("utf-16", b""),  # Excel's "Unicode text" (the codec writes its own BOM)
        ("utf-32", b""),  # rare, but its BOM begins with UTF-16's: not read as UTF-16
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "organisation,attendees\r\nCafé Société – £5,12\r\n"
    path = tmp_path / "t.csv"
    path.write_bytes(prefix + text.encode(encoding))
    table = read_table(path)
    assert table.headers == ["organisation", "attendees"]
    assert table.rows == [(2, ["Café Société – £5", "12"])]


def test_csv_that_is_no_text_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\x81\x8d\x8f,1\n")  # bytes undefined in UTF-8 and Windows-1252
    assert _refused(path) == (
        "t.csv is not in a text encoding tracker recognises (UTF-8 or Windows-1252): export "
        "the data from the spreadsheet as 'CSV UTF-8' and import that"
    )


def test_binary_or_workbook_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\x00\x00\x01")
    assert "does not look like a text CSV file" in _refused(path)
    _workbook(path, [["a"]])
    assert _refused(path).startswith("t.csv is a spreadsheet workbook, not a CSV file")


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1,5", "2", "3"]))
    if delimiter == ",":
        path.write_text('a,b,c\n"1,5",2,3\n')
    table = read_table(path)
    assert table.delimiter == delimiter
    assert table.rows == [(2, ["1,5", "2", "3"])]


def test_csv_line_numbers_blank_rows_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('\na,b\n1,"two\nlines"\n\n,\n3,4\n,,\n\n', encoding="utf-8")
    table = read_table(path)
    assert table.header_line == 2
    assert table.rows == [(3, ["1", "two\nlines"]), (7, ["3", "4"])]


def test_csv_with_no_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(",,\n\n")
    assert _refused(path) == (
        "t.csv has no header row: put the column names in the first row and add the data"
    )


def test_csv_has_no_sheets(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    assert (
        _refused(path, sheet="Data")
        == "t.csv is a CSV file, which has no sheets: leave out --sheet"
    )


# --- XLSX: reading ---------------------------------------------------------------------


def test_xlsx_rows_keep_their_worksheet_numbers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        [[], [None, "when", "n"], [None, date(2020, 4, 1), 12], [], [None, "x", 12.5], [None]],
    )
    table = read_table(path)
    assert table.sheet == "Data" and table.header_line == 2
    assert table.headers == ["", "when", "n"]
    assert [(n, cells[1:]) for n, cells in table.rows] == [
        (3, [date(2020, 4, 1), 12]),
        (5, ["x", 12.5]),
    ]


def test_calamine_and_openpyxl_read_the_same(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx", [["a", "b"], ["x", date(2020, 4, 1)], [], [3, "=1+1"], ["y", None]]
    )
    fast, fallback = _read_calamine(path, None), _read_openpyxl(path, None)
    assert fast.headers == fallback.headers == ["a", "b"]
    assert [n for n, _ in fast.rows] == [n for n, _ in fallback.rows] == [2, 4, 5]
    assert fast.rows[0][1][1] == date(2020, 4, 1)
    assert fallback.rows[0][1][1].date() == date(2020, 4, 1)  # openpyxl gives a datetime


def test_sheet_is_chosen_by_name_ignoring_case(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "t.xlsx", [["a"], [1]], sheets=("Q4 2020",))
    assert read_table(path, sheet="q4 2020").headers == ["other"]
    assert _refused(path, sheet="Q3") == (
        "t.xlsx has no sheet 'Q3': use --sheet with one of 'Data', 'Q4 2020'"
    )


# --- XLSX: refusals ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsm", ".xltm", ".xlam", ".xlsb"])
def test_macro_enabled_extensions_are_refused(tmp_path: Path, suffix: str) -> None:
    path = _workbook(tmp_path / "t.xlsx", [["a"], [1]]).rename(tmp_path / f"t{suffix}")
    assert _refused(path).startswith(f"t{suffix} is a macro-enabled or binary workbook")


def test_a_workbook_holding_a_vba_project_is_refused(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    path = _rewrite(plain, tmp_path / "t.xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert _refused(path) == (
        "t.xlsx contains macros, which tracker refuses: open it in Excel and save it as "
        "'Excel Workbook (*.xlsx)' without macros, then import that"
    )


def test_a_macro_enabled_content_type_is_refused(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    with zipfile.ZipFile(plain) as z:
        types = z.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
        )
    assert b"macroEnabled" in types
    path = _rewrite(plain, tmp_path / "t.xlsx", {"[Content_Types].xml": types})
    assert _refused(path).startswith("t.xlsx contains macros")


def test_xls_and_password_protected_workbooks_are_refused(tmp_path: Path) -> None:
    old = tmp_path / "t.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    assert _refused(old).startswith("t.xls is an old Excel 97-2003 workbook (.xls)")
    protected = tmp_path / "p.xlsx"  # Excel stores an encrypted .xlsx in an OLE container
    protected.write_bytes(old.read_bytes())
    assert _refused(protected).startswith(
        "p.xlsx is an old .xls workbook or a password-protected one"
    )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "t.xlsx is empty"),
        (b"not a zip at all" * 20, "(it is not a zip archive)"),
        (b"PK\x03\x04" + b"\x00" * 100, "(a damaged zip archive)"),
    ],
)
def test_malformed_workbooks(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(content)
    assert why in _refused(path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<doc/>")
    assert _refused(path) == (
        "t.xlsx is not a valid .xlsx workbook (it has no Excel workbook inside): open it in "
        "Excel and save it as 'Excel Workbook (*.xlsx)', or export it as CSV"
    )


def _bomb_sheet(spaces: int) -> bytes:
    head = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    return head + b" " * spaces + b"</sheetData></worksheet>"


def test_a_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    path = _rewrite(
        plain, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": _bomb_sheet(60 * 1024 * 1024)}
    )
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 100 * info.compress_size
    started = time.perf_counter()
    message = _refused(path)
    assert time.perf_counter() - started < 2  # refused from the zip directory, not parsed
    assert message.startswith(
        "bomb.xlsx was refused before reading: 'xl/worksheets/sheet1.xml' is compressed"
    )
    assert "(the limit is 100), so it may be a 'zip bomb'" in message


def _claim_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size a zip's headers declare for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_at, name_from in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_from : start + name_from + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, size)
            start += 4
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(member).file_size == size


def test_a_workbook_too_big_when_unpacked_is_refused(tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    path = _rewrite(plain, tmp_path / "big.xlsx", {"xl/media/image1.bin": b"x" * 1000})
    _claim_size(path, "xl/media/image1.bin", 250 * 1024 * 1024)
    assert _refused(path) == (
        "big.xlsx was refused before reading: it would unpack to more than 200 MB, so it may "
        "be a 'zip bomb': if the workbook is genuine, save its data as CSV and import that"
    )


def test_a_zip_whose_headers_understate_the_size_is_refused(tmp_path: Path) -> None:
    """A bomb that declares a small size (so the ratio looks harmless) is measured anyway."""
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    path = _rewrite(
        plain, tmp_path / "liar.xlsx", {"xl/worksheets/sheet1.xml": _bomb_sheet(30 * 1024 * 1024)}
    )
    _claim_size(path, "xl/worksheets/sheet1.xml", 1000)
    assert _refused(path) == (
        "liar.xlsx was refused before reading: 'xl/worksheets/sheet1.xml' holds more data "
        "than its zip header declares, so it may be a 'zip bomb': if the workbook is genuine, "
        "save its data as CSV and import that"
    )


def test_a_genuine_large_workbook_passes_the_checks(tmp_path: Path) -> None:
    rows = [["reference", "received_on", "sector"]] + [
        [f"SYN-{i:06d}", date(2020, 4, 1 + i % 28), "Schools"] for i in range(20_000)
    ]
    path = _workbook(tmp_path / "big.xlsx", rows)
    inspect_workbook(path)  # does not raise
    assert len(read_table(path).rows) == 20_000


ENTITY_SHEET = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>'
)


def test_xml_entities_are_never_expanded_by_either_reader(tmp_path: Path) -> None:
    """Billion laughs and external entities: calamine (quick-xml) and openpyxl (defusedxml)."""
    import openpyxl

    assert openpyxl.DEFUSEDXML is True
    plain = _workbook(tmp_path / "plain.xlsx", [["a"], [1]])
    path = _rewrite(plain, tmp_path / "evil.xlsx", {"xl/worksheets/sheet1.xml": ENTITY_SHEET})
    with pytest.raises(Exception) as calamine_error:
        _read_calamine(path, None)
    assert "entity" in str(calamine_error.value)
    with pytest.raises(Exception) as openpyxl_error:
        _read_openpyxl(path, None)
    chain = [openpyxl_error.value, openpyxl_error.value.__cause__, openpyxl_error.value.__context__]
    assert any(type(e).__module__.startswith("defusedxml") for e in chain if e is not None)
    message = _refused(path)
    assert message.startswith("evil.xlsx is not a valid .xlsx workbook (it cannot be read: ")
    assert "root:" not in message  # /etc/passwd was never read
