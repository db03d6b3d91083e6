"""Reading a returned workbook: a pure function from a file and the key to values and problems.

Nothing here touches the database. ``read_return`` either refuses the file
outright (``ReturnRefused``: one line saying why, for a file that is not a
genuine, untampered return) or gives back the manifest, each action's entry
(None where the owner left the row empty) and every problem found, each with
its sheet, row and column, so the owner can be told all of them at once.

The file is untrusted: the zip is inspected first (size, zip bombs, macros:
``tracker.data.readers.inspect_workbook``), then opened by openpyxl, which
parses with defusedxml. It is read twice -- once for the values Excel saved
(``data_only=True``) and once for what was typed -- so that a formula in an
input cell is refused rather than its result taken as a value.

Files come back from Excel and from LibreOffice, which re-save them
differently: a very hidden sheet becomes hidden, freeze panes go, numbers may
come back as floats, dates as dates or as serial numbers, empty cells with or
without a style. So the manifest is looked for by content (custom document
properties, then the manifest sheet, whatever its visibility), and locked
cells are compared after normalising those differences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.errors import Problem, TrackerError
from tracker.plan.schema import STATUSES
from tracker.rag import OWNER_RATINGS as RAGS
from tracker.returns import layout as L
from tracker.returns.manifest import Manifest, signature_ok
from tracker.usertext import clean_note

MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam", ".xlsb"}


class ReturnRefused(TrackerError):
    """A file that is not a genuine return to load: nothing from it is used."""

    def __init__(self, file: str, reason: str, *, hint: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file} refused: {reason}", hint=hint)


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem in one cell of a return (``line`` is the row)."""

    sheet: str = L.RETURN_SHEET
    column: str = ""

    def __str__(self) -> str:
        heading = next((c.heading for c in L.COLUMNS if c.letter == self.column), "")
        where = f"sheet '{self.sheet}' cell {self.column}{self.line}"
        if heading:
            where += f" ({heading})"
        return f"{self.file}: {where}: {self.message}"


@dataclass(frozen=True)
class ReturnEntry:
    """One action's update as the owner gave it, checked and cleaned."""

    action_id: str
    row: int
    status: str
    progress: int | None
    rag: str | None
    narrative: str | None
    next_steps: str | None
    risks: str | None

    def note(self) -> str | None:
        """The note stored with the update: the narrative, then labelled next steps and risks."""
        return L.compose_note(self.narrative, {key: getattr(self, key) for key in L.NOTE_LABELS})


@dataclass
class ReadReturn:
    file: str
    manifest: Manifest
    entries: dict[str, ReturnEntry | None] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)


# --- the file and its manifest -------------------------------------------------------------


def _open(path: Path) -> tuple[Any, Any]:
    import openpyxl

    from tracker.data.readers import UnreadableFileError, inspect_workbook

    name = path.name
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise ReturnRefused(
            name,
            "it is a macro-enabled workbook, which tracker never opens",
            hint="ask the owner to save it as 'Excel Workbook (*.xlsx)' and send that",
        )
    if path.is_dir():
        raise ReturnRefused(
            name, "it is a folder, not a workbook", hint="give the path of the returned .xlsx file"
        )
    if path.exists() and not path.is_file():
        raise ReturnRefused(
            name,
            "it is not a regular file (a device or a pipe)",
            hint="give the path of the returned .xlsx file",
        )
    if not path.is_file():
        raise ReturnRefused(name, "the file does not exist", hint=f"check the path {path}")
    if suffix != ".xlsx":
        raise ReturnRefused(
            name,
            f"returns are .xlsx workbooks, not '{path.suffix or '(no extension)'}'",
            hint="ask the owner to save it as 'Excel Workbook (*.xlsx)' and send that",
        )
    try:
        inspect_workbook(path, formulas_checked_later=True)
    except UnreadableFileError as exc:
        # The data importer's advice (export it as CSV...) does not apply: returns are .xlsx.
        raise ReturnRefused(
            name,
            exc.message.removeprefix(f"{name} "),
            hint="ask the owner to send back the workbook they were sent, saved in Excel as "
            "'Excel Workbook (*.xlsx)'",
        ) from None
    _refuse_oversized(path, name)
    try:
        values = openpyxl.load_workbook(path, data_only=True, keep_links=False)
        typed = openpyxl.load_workbook(path, data_only=False, keep_links=False)
    except Exception as exc:  # a damaged workbook: openpyxl raises many kinds
        raise ReturnRefused(
            name,
            f"it cannot be read as a workbook ({type(exc).__name__})",
            hint="ask the owner to open it in Excel, save it as .xlsx and send it again",
        ) from None
    return values, typed


def _from_properties(book: Any) -> tuple[str | None, str] | None:
    props = {p.name: p.value for p in book.custom_doc_props.props}
    if L.PROP_SIGNATURE not in props and L.PROP_PARTS not in props:
        return None
    try:
        count = int(str(props.get(L.PROP_PARTS, "")))
        stored = "".join(str(props[L.PROP_PART.format(n=n)]) for n in range(1, count + 1))
    except (ValueError, KeyError):
        return None, ""
    return L.decode(stored), str(props.get(L.PROP_SIGNATURE, ""))


def _from_sheet(book: Any) -> tuple[str | None, str] | None:
    candidates = [book[L.MANIFEST_SHEET]] if L.MANIFEST_SHEET in book.sheetnames else []
    candidates += [w for w in book.worksheets if w.title != L.MANIFEST_SHEET]
    for ws in candidates:
        if ws["A2"].value != "manifest":
            continue
        parts = []
        for column in range(2, ws.max_column + 1):
            value = ws.cell(row=2, column=column).value
            if value is None:
                break
            parts.append(str(value))
        return L.decode("".join(parts)), str(ws["B3"].value or "")
    return None


def _manifest(name: str, book: Any, key: bytes) -> Manifest:
    """The signed manifest, found by content; ReturnRefused when missing, forged or changed."""
    found = [s for s in (_from_properties(book), _from_sheet(book)) if s is not None]
    if not found:
        raise ReturnRefused(
            name,
            "it is not a return issued by tracker (it has no manifest; was it copied into a "
            "new file?)",
            hint="send the owner their return again with 'tracker returns issue'",
        )
    checked = [(p, p is not None and signature_ok(p, sig, key)) for p, sig in found]
    if not all(ok for _, ok in checked) or len({p for p, _ in checked}) != 1:
        raise ReturnRefused(
            name,
            "tampered: its manifest does not match its signature (it was changed after issue, "
            "or was issued by another workspace)",
            hint="issue the owner a fresh return with 'tracker returns issue --owner EMAIL'",
        )
    payload = checked[0][0]
    assert payload is not None
    return Manifest.parse(payload)


# --- normalising what Excel and LibreOffice give back ---------------------------------------


def _plain(value: Any) -> Any:
    """A cell value as the manifest writes it: dates as ISO text, whole floats as int."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def _same(expected: Any, actual: Any) -> bool:
    actual = _plain(actual)
    if expected in ("", None):
        return actual is None
    if isinstance(expected, str) and isinstance(actual, int | float) and len(expected) == 10:
        from openpyxl.utils.datetime import from_excel

        try:  # a date whose format did not survive comes back as its serial number
            return bool(from_excel(actual).date().isoformat() == expected)
        except (ValueError, OverflowError, TypeError):
            return False
    return bool(expected == actual)


def _is_formula(cell: Any) -> bool:
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    return cell.data_type == "f" or isinstance(cell.value, ArrayFormula | DataTableFormula)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- each input cell ------------------------------------------------------------------------


_STATUS_WORDS = {code: code for code in STATUSES} | {
    label.lower().replace(" ", "_"): code for code, label in L.STATUS_LABELS.items()
}


def _status(raw: Any) -> tuple[str | None, str | None]:
    if not isinstance(raw, str):
        return None, f"'{raw}' is not a status: choose one from the list"
    code = raw.strip().lower().replace(" ", "_").replace("-", "_")
    if code in _STATUS_WORDS:
        return _STATUS_WORDS[code], None
    allowed = ", ".join(L.STATUS_LABELS.values())
    return None, f"'{raw.strip()[:40]}' is not a status: choose one of {allowed}"


def _rag(raw: Any) -> tuple[str | None, str | None]:
    if _empty(raw):
        return None, None
    code = str(raw).strip().lower()
    if isinstance(raw, str) and code in RAGS:
        return code, None
    return None, f"'{str(raw).strip()[:40]}' is not a RAG rating: choose Red, Amber or Green"


def _progress(raw: Any, number_format: str) -> tuple[int | None, str | None]:
    if _empty(raw):
        return None, None
    value: Any = raw
    if isinstance(raw, str):
        text = raw.strip().removesuffix("%").strip()
        # ASCII digits only ('²'.isdigit() is true), and short: int() of a 5,000-digit string raises
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else raw
    elif isinstance(raw, float) and "%" in (number_format or "") and 0 <= raw <= 1:
        value = round(raw * 100, 6)  # typed as 40% in a cell Excel formatted as a percentage
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        return None, f"'{str(raw).strip()[:40]}' is not a whole number from 0 to 100"
    return value, None


def _text(raw: Any, column: L.Column, allowed: frozenset[str]) -> tuple[str | None, str | None]:
    from tracker.usertext import screen_free_text

    if _empty(raw):
        return None, None
    if isinstance(raw, datetime | date):
        raw = _plain(raw)
    elif isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    limit = column.limit or 0

    def too_long(n: int) -> str:  # the sheet's own limit, which it states, in every case
        return f"it is {n} characters long; please keep it to {limit}"

    try:
        text = clean_note(str(raw))
    except TrackerError as exc:
        n = len(str(raw).strip())
        return None, too_long(n) if n > limit else str(exc)
    if text is None:
        return None, None
    if len(text) > limit:
        return None, too_long(len(text))
    try:
        screen_free_text(text, field=column.heading.split(":")[0], allowed_emails=allowed)
    except TrackerError as exc:
        return None, str(exc)  # names the kind of data, never the value
    return text, None


# --- the whole return -----------------------------------------------------------------------


# An issued return's sheet is a few kilobytes of XML per action; one this large was filled
# with something else (a million stray cells took minutes and gigabytes to read and list).
MAX_SHEET_BYTES = 8 * 1024 * 1024
MAX_STRAY_LISTED = 50  # cells outside the issued rows and columns, listed before "and more"


def _refuse_oversized(path: Path, name: str) -> None:
    """Refuse a return whose worksheets unpack to far more than any issued return holds.

    Runs after ``inspect_workbook``, which has checked that each member's real size is
    what its zip header declares, so the declared sizes can be trusted here."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        largest = max(
            (i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")),
            default=0,
        )
    if largest > MAX_SHEET_BYTES:
        raise ReturnRefused(
            name,
            f"a sheet holds {largest // (1024 * 1024)} MB of cells, far more than a return of "
            "a few actions",
            hint="ask the owner to send back the workbook they were sent, with only its white "
            "cells filled in",
        )


def read_return(path: Path, key: bytes, *, allowed_emails: Iterable[str] = ()) -> ReadReturn:
    """The manifest, entries and problems of a returned workbook; ReturnRefused if not genuine.

    ``allowed_emails``: addresses free text may mention (the plan's own, ``plan_addresses``).
    """
    name = path.name
    values_book, typed_book = _open(path)
    try:
        manifest = _manifest(name, values_book, key)
        if manifest.sheet not in values_book.sheetnames:
            raise ReturnRefused(
                name,
                f"tampered: its sheet '{manifest.sheet}' is missing",
                hint="ask the owner to fill in the workbook they were sent, not a copy",
            )
        ws = values_book[manifest.sheet]
        typed = typed_book[manifest.sheet]
        result = ReadReturn(file=name, manifest=manifest)
        for action in manifest.actions:
            for column in L.LOCKED:
                cell = ws[f"{column.letter}{action.row}"]
                if not _same(action.cells.get(column.letter), cell.value):
                    raise ReturnRefused(
                        name,
                        f"tampered: cell {column.letter}{action.row} ({column.heading} of "
                        f"{action.id}) was changed after the return was issued",
                        hint="ask the owner to fill in only the white cells of the workbook "
                        "they were sent, or issue a fresh one",
                    )
        rows = {a.row: a for a in manifest.actions}
        problems = result.problems
        allowed = frozenset(e.lower() for e in allowed_emails)

        def problem(row: int, letter: str, message: str) -> None:
            problems.append(
                CellProblem(file=name, line=row, message=message, sheet=ws.title, column=letter)
            )

        # Anything outside the issued rows and columns would silently be lost: say so.
        from openpyxl.utils import column_index_from_string

        stray = 0
        for cell in (c for cells in typed.iter_rows(min_row=L.FIRST_ROW) for c in cells):
            if _empty(cell.value):
                continue
            inside = column_index_from_string(cell.column_letter) <= len(L.COLUMNS)
            if cell.row in rows and inside:
                continue
            stray += 1
            if stray > MAX_STRAY_LISTED:
                problem(
                    cell.row,
                    cell.column_letter,
                    f"and more cells outside the issued rows and columns (only the first "
                    f"{MAX_STRAY_LISTED} are listed); clear them",
                )
                break
            if cell.row not in rows:
                problem(
                    cell.row,
                    cell.column_letter,
                    "this row is not one of the actions issued in this return; "
                    "tracker reads only those rows",
                )
            else:
                problem(
                    cell.row,
                    cell.column_letter,
                    f"this cell is outside the return's columns (A to {L.LAST_COLUMN}); "
                    "move what it says into Narrative",
                )
        for action in manifest.actions:
            result.entries[action.id] = _entry(action.id, action.row, ws, typed, problem, allowed)
        return result
    finally:
        values_book.close()
        typed_book.close()


def _entry(
    action_id: str, row: int, ws: Any, typed: Any, problem: Any, allowed: frozenset[str]
) -> ReturnEntry | None:
    raw: dict[str, Any] = {}
    ok = True
    for column in L.INPUTS:
        ref = f"{column.letter}{row}"
        if _is_formula(typed[ref]):
            problem(row, column.letter, "holds a formula; type the value itself")
            ok = False
            raw[column.key] = None
            continue
        raw[column.key] = ws[ref].value
    if all(_empty(v) for v in raw.values()):
        return None
    status: str | None = None
    if _empty(raw["status"]):
        if ok:
            problem(
                row,
                L.BY_KEY["status"].letter,
                "the status is empty but the row has other entries: choose a status",
            )
        ok = False
    else:
        status, why = _status(raw["status"])
        if why:
            problem(row, L.BY_KEY["status"].letter, why)
            ok = False
    progress, why = _progress(
        raw["progress"], ws[f"{L.BY_KEY['progress'].letter}{row}"].number_format
    )
    if why:
        problem(row, L.BY_KEY["progress"].letter, why)
        ok = False
    if status == "complete" and progress not in (None, 100):
        problem(row, L.BY_KEY["progress"].letter, f"Complete means 100%, not {progress}%")
        ok = False
    if status == "not_started" and progress:
        problem(
            row,
            L.BY_KEY["progress"].letter,
            f"Not started with {progress}% done is contradictory: choose In progress",
        )
        ok = False
    if status == "complete" and progress is None:
        progress = 100
    rag, why = _rag(raw["rag"])
    if why:
        problem(row, L.BY_KEY["rag"].letter, why)
        ok = False
    texts: dict[str, str | None] = {}
    for key in ("narrative", "next_steps", "risks"):
        column = L.BY_KEY[key]
        texts[key], why = _text(raw[key], column, allowed)
        if why:
            problem(row, column.letter, why)
            ok = False
    if not ok or status is None:
        return None
    return ReturnEntry(
        action_id=action_id,
        row=row,
        status=status,
        progress=progress,
        rag=rag,
        narrative=texts["narrative"],
        next_steps=texts["next_steps"],
        risks=texts["risks"],
    )
