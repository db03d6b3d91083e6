"""Building an owner's return workbook: a pure function from the manifest to .xlsx bytes.

Owners are busy and not technical: the workbook opens on one sheet with plain
instructions at the top and one row per action. Grey columns show what the
tracker holds (locked); white columns take the update (unlocked), with
drop-downs for status and RAG drawn from a hidden "Lists" sheet through defined
names -- never inline lists, which Excel caps at 255 characters. The sheet is
protected without a password, and the workbook's structure is locked, so the
layout cannot be broken by accident; anyone who really wants to can unprotect
it, which is why the reader trusts nothing it does not check against the
signed manifest.

The manifest is written twice: into custom document properties and into a
very hidden sheet. LibreOffice keeps both on a re-save (it turns the sheet
merely hidden), and the reader accepts either when its signature holds.
Titles and other text from the plan are written as text, never as formulas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.returns import layout as L
from tracker.returns.manifest import Manifest, sign
from tracker.usertext import looks_like_formula
from tracker.wording import day_text

GREY = "F2F2F2"
HEAD = "DDEBF7"
INPUT_HEAD = "FFF2CC"


@dataclass(frozen=True)
class SheetText:
    """The words around the table: who it is for, which meeting, by when."""

    owner_role: str
    organisation: str
    meeting_title: str
    meeting_date: date
    plan_name: str


def instructions(manifest: Manifest, text: SheetText) -> list[str]:
    """The plain-English lines at the top of the sheet (also shown in docs/returns.md)."""
    due = f" by {day_text(manifest.deadline)}" if manifest.deadline else ""
    return [
        f"Please fill in the white cells for each action and send this file back{due}.",
        "Status and Your RAG: choose from the drop-down list. Progress %: the per cent "
        "complete, a whole number from 0 to 100 (Complete means 100).",
        "Narrative: what has happened since your last update. Next steps: what happens "
        "before the next meeting. Risks and issues: anything the group should know or help with.",
        "Leave a row empty if there is nothing new to report. The grey cells show what the "
        "tracker holds now and cannot be changed.",
        "Do not write anyone's name, address, date of birth, phone number, email address or "
        "case details: the tracker refuses them.",
        "Save it as an Excel workbook (.xlsx) and email it back. Please do not copy the rows "
        "into another file: the tracker checks this one.",
    ]


def _text(cell: Any, value: str) -> None:
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def build_workbook(manifest: Manifest, text: SheetText, key: bytes) -> bytes:
    """The return workbook for ``manifest``, signed with ``key``, as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    payload = manifest.payload()
    signature = sign(payload, key)
    stored = L.encode(payload)  # no spaces to lose at the ends of a part

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = L.RETURN_SHEET
    grey = PatternFill("solid", fgColor=GREY)
    head = PatternFill("solid", fgColor=HEAD)
    input_head = PatternFill("solid", fgColor=INPUT_HEAD)
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    unlocked = Protection(locked=False)

    # --- the words at the top -------------------------------------------------------------
    ws["A1"] = f"Update return for the {text.meeting_title}, {day_text(text.meeting_date)}"
    ws["A1"].font = Font(bold=True, size=14)
    _text(ws["A2"], f"For: {text.owner_role}, {text.organisation} ({manifest.owner_email})")
    ws["A2"].font = Font(bold=True)
    for n, line in enumerate(instructions(manifest, text), start=3):
        _text(ws.cell(row=n, column=1), line)
        ws.cell(row=n, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{n}:{L.LAST_COLUMN}{n}")
        ws.row_dimensions[n].height = 18
    ws.merge_cells(f"A1:{L.LAST_COLUMN}1")
    ws.merge_cells(f"A2:{L.LAST_COLUMN}2")
    ws.row_dimensions[1].height = 24

    # --- the table -------------------------------------------------------------------------
    ws["A9"] = "What the tracker holds now (locked)"
    ws["H9"] = "Your update"
    ws.merge_cells("A9:G9")
    ws.merge_cells(f"H9:{L.LAST_COLUMN}9")
    for ref, fill in (("A9", head), ("H9", input_head)):
        ws[ref].font = Font(bold=True)
        ws[ref].fill = fill
    for column in L.COLUMNS:
        cell = ws[f"{column.letter}{L.HEADER_ROW}"]
        cell.value = column.heading
        cell.font = Font(bold=True)
        cell.fill = head if column.locked else input_head
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = border
        ws.column_dimensions[column.letter].width = column.width
    ws.row_dimensions[L.HEADER_ROW].height = 45

    for action in manifest.actions:
        r = action.row
        lines = 1
        for column in L.COLUMNS:
            cell = ws[f"{column.letter}{r}"]
            cell.border = border
            cell.alignment = wrap
            if column.locked:
                cell.fill = grey
                value = action.cells.get(column.letter)
                if column.key in ("due", "last_on") and value:
                    cell.value = date.fromisoformat(value)
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(value, str):
                    _text(cell, value)
                else:
                    cell.value = value
                if isinstance(value, str):
                    lines = max(lines, -(-len(value) // int(column.width)))
            else:
                cell.protection = unlocked
                if column.key == "progress":
                    cell.number_format = "0"
        ws.row_dimensions[r].height = max(30, 15 * lines)
    last = manifest.actions[-1].row if manifest.actions else L.FIRST_ROW

    # --- drop-downs from the hidden Lists sheet, by defined name -------------------------------
    lists = book.create_sheet(L.LISTS_SHEET)
    lists["A1"], lists["B1"] = "Status", "RAG"
    statuses = list(L.STATUS_LABELS.values())
    rags = list(L.RAG_LABELS.values())
    for n, value in enumerate(statuses, start=2):
        lists.cell(row=n, column=1, value=value)
    for n, value in enumerate(rags, start=2):
        lists.cell(row=n, column=2, value=value)
    lists.sheet_state = "hidden"
    book.defined_names[L.STATUS_LIST] = DefinedName(
        L.STATUS_LIST, attr_text=f"{L.LISTS_SHEET}!$A$2:$A${len(statuses) + 1}"
    )
    book.defined_names[L.RAG_LIST] = DefinedName(
        L.RAG_LIST, attr_text=f"{L.LISTS_SHEET}!$B$2:$B${len(rags) + 1}"
    )

    def validation(column: str, dv: DataValidation, prompt: str) -> None:
        dv.allow_blank = True
        dv.showErrorMessage = True
        dv.showInputMessage = True
        dv.errorTitle = "Not an allowed value"
        dv.promptTitle = L.BY_KEY[column].heading[:32]
        dv.prompt = prompt
        letter = L.BY_KEY[column].letter
        dv.add(f"{letter}{L.FIRST_ROW}:{letter}{last}")
        ws.add_data_validation(dv)

    status_dv = DataValidation(type="list", formula1=L.STATUS_LIST)
    status_dv.error = "Choose a status from the list."
    validation("status", status_dv, "Choose from the list.")
    rag_dv = DataValidation(type="list", formula1=L.RAG_LIST)
    rag_dv.error = "Choose Red, Amber or Green from the list, or leave it empty."
    validation("rag", rag_dv, "Your own rating: Red, Amber or Green.")
    progress_dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100")
    progress_dv.error = "Enter a whole number from 0 to 100."
    validation("progress", progress_dv, "Per cent complete, 0 to 100.")
    for name in ("narrative", "next_steps", "risks"):
        limit = L.BY_KEY[name].limit
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(limit))
        dv.error = f"Please keep this to {limit} characters."
        validation(name, dv, f"Up to {limit} characters. No names or case details.")

    ws.freeze_panes = f"C{L.FIRST_ROW}"
    ws.sheet_view.zoomScale = 90
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{L.HEADER_ROW}:{L.HEADER_ROW}"
    ws.protection.sheet = True  # no password: this guards the layout, not a secret
    ws.protection.formatColumns = False  # owners may widen columns and rows
    ws.protection.formatRows = False
    book.security = WorkbookProtection(lockStructure=True)

    # --- the manifest, twice -------------------------------------------------------------------
    hidden = book.create_sheet(L.MANIFEST_SHEET)
    hidden["A1"] = "Used by the tracker to check this return. Please do not change it."
    hidden["A2"] = "manifest"
    for n, part in enumerate(_chunks(stored, L.SHEET_PART_CHARS), start=2):
        hidden.cell(row=2, column=n, value=part)
    hidden["A3"] = "signature"
    hidden["B3"] = signature
    hidden.sheet_state = "veryHidden"
    hidden.protection.sheet = True

    parts = _chunks(stored, L.PROP_PART_CHARS)
    props = book.custom_doc_props
    for n, part in enumerate(parts, start=1):
        props.append(StringProperty(name=L.PROP_PART.format(n=n), value=part))
    props.append(StringProperty(name=L.PROP_PARTS, value=str(len(parts))))
    props.append(StringProperty(name=L.PROP_SIGNATURE, value=signature))

    stamp = manifest.issued_at.replace(tzinfo=None, microsecond=0)
    book.properties.creator = "tracker"
    book.properties.title = f"Update return {manifest.return_id}"
    book.properties.created = stamp
    book.properties.modified = stamp
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
