"""Empty data files with the right columns, for the people who prepare the data.

The easiest way to get a clean import is to start from the right file. A CSV
template is just the header row (UTF-8 with the byte-order mark, so Excel
opens it correctly). An XLSX template adds what Excel can enforce as people
type: a frozen, bold header row, sensible column widths, a drop-down of the
canonical values on every category column (from a hidden "Lists" sheet when
the values are too long for Excel's 255-character inline list), whole-number
and date validation, a prompt on each column, and a "Notes" sheet explaining
every column -- including that no identifying data may be entered.

An existing file is never overwritten: the template would silently replace
someone's data.
"""

from __future__ import annotations

import csv
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from tracker.data.fields import DATE_FORMS
from tracker.errors import InvalidValueError
from tracker.plan.lookup import find_dataset
from tracker.plan.schema import DataField, Dataset, Plan
from tracker.usertext import looks_like_formula

MAX_ROW = 1_048_576  # validation covers every row Excel has
INLINE_LIST_LIMIT = 255  # Excel's limit on an inline list ("A,B,C") in a validation
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
NO_IDENTIFYING_DATA = (
    "Do not enter any directly identifying data: no names, dates of birth, addresses, "
    "postcodes, phone numbers, email addresses, NHS, national insurance, pupil or learner "
    "numbers. tracker refuses a file with such a column."
)


def write_template(plan: Plan, dataset: str, path: Path) -> Path:
    """Write an empty .csv or .xlsx for ``dataset`` at ``path``; refuse an existing file."""
    declared = find_dataset(plan, dataset)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidValueError(
            f"cannot write a template as '{path.name}'",
            hint="give a file name ending .xlsx (with drop-downs) or .csv",
        )
    if path.exists():
        raise InvalidValueError(
            f"{path} already exists and a template would replace it",
            hint="choose another file name, or move the existing file away first",
        )
    if not path.parent.is_dir():
        raise InvalidValueError(
            f"folder {path.parent} does not exist", hint="create it first or choose another path"
        )
    # write beside the target, then move into place: never a half-written template
    handle, temporary = tempfile.mkstemp(prefix=".template-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".csv":
            _write_csv(declared, Path(temporary))
        else:
            _write_xlsx(declared, Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _write_csv(dataset: Dataset, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerow([f.name for f in dataset.fields])


def _set_text(cell: Any, value: str) -> None:
    """Put text in a cell as text: never let openpyxl (or Excel) read it as a formula."""
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _kind(field: DataField) -> str:
    if field.type == "category":
        return "one of the listed values"
    if field.type == "date":
        return f"a date ({DATE_FORMS})"
    if field.type == "integer":
        low = f"at least {field.min}" if field.min is not None else ""
        high = f"at most {field.max}" if field.max is not None else ""
        limits = " and ".join(p for p in (low, high) if p)
        return "a whole number" + (f", {limits}" if limits else "")
    return "text"


def _allowed(field: DataField) -> str:
    if not field.values:
        return ""
    parts = []
    for v in field.values:
        text = v.value
        if v.group:
            text += f" (counted in {v.group})"
        if v.aliases:
            text += f" [also accepted: {', '.join(v.aliases)}]"
        parts.append(text)
    return "; ".join(parts)


def _prompt(field: DataField) -> str:
    text = field.description or field.label or field.name
    text = f"{text}. {'Required' if field.required else 'Optional'}: {_kind(field)}."
    return text[: INLINE_LIST_LIMIT - 1]


def _write_xlsx(dataset: Dataset, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.utils.datetime import to_excel
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = dataset.name[:31]
    lists: Any = None  # a hidden sheet holding lists too long to write inline
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    list_column = 0
    for index, f in enumerate(dataset.fields, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        _set_text(cell, f.name)
        cell.font = bold
        cell.fill = fill
        width = max(len(f.name), 12)
        cells = f"{letter}2:{letter}{MAX_ROW}"
        validation: DataValidation | None = None
        if f.type == "category" and f.values:
            values = [v.value for v in f.values]
            width = max(width, *(len(v) for v in values))
            inline = ",".join(values)
            if len(inline) + 2 <= INLINE_LIST_LIMIT and not any(
                "," in v or '"' in v for v in values
            ):
                formula = f'"{inline}"'
            else:
                if lists is None:
                    lists = book.create_sheet("Lists")
                    lists.sheet_state = "hidden"
                list_column += 1
                column = get_column_letter(list_column)
                _set_text(lists.cell(row=1, column=list_column), f.name)
                for row, value in enumerate(values, start=2):
                    _set_text(lists.cell(row=row, column=list_column), value)
                formula = f"{quote_sheetname(lists.title)}!${column}$2:${column}${len(values) + 1}"
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.error = "Choose a value from the list (see the Notes sheet)."
        elif f.type == "integer":
            low = f.min if f.min is not None else -1_000_000_000
            high = f.max if f.max is not None else 1_000_000_000
            validation = DataValidation(
                type="whole", operator="between", formula1=str(low), formula2=str(high)
            )
            validation.error = f"Enter {_kind(f)}."
        elif f.type == "date":
            validation = DataValidation(
                type="date",
                operator="between",
                formula1=str(int(to_excel(FIRST_DATE))),
                formula2=str(int(to_excel(LAST_DATE))),
            )
            validation.error = "Enter a date, for example 01/04/2020."
            ws.column_dimensions[letter].number_format = "DD/MM/YYYY"
            width = max(width, 12)
        if validation is not None:
            validation.allow_blank = True
            validation.showErrorMessage = True
            validation.errorTitle = "Not an allowed value"
        else:
            validation = DataValidation(allow_blank=True)  # a prompt only
        validation.showInputMessage = True
        validation.promptTitle = f.name[:32]
        validation.prompt = _prompt(f)
        validation.add(cells)
        ws.add_data_validation(validation)
        ws.column_dimensions[letter].width = min(width, 40) + 2
    ws.freeze_panes = "A2"

    notes = book.create_sheet("Notes", index=1)
    rows = [
        [f"{dataset.title}: how to fill in this template"],
        [dataset.description or ""],
        [NO_IDENTIFYING_DATA],
        [
            f"One row per record, below the header row of the '{ws.title}' sheet. "
            f"Dates as {DATE_FORMS}. Import with: tracker data import {dataset.name} FILE.xlsx"
        ],
        [],
        ["Column", "Required", "What to enter", "Allowed values", "Description"],
    ]
    for f in dataset.fields:
        rows.append(
            [
                f.name,
                "yes" if f.required else "no",
                _kind(f),
                _allowed(f),
                f.description or f.label or "",
            ]
        )
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = notes.cell(row=r, column=c)
            _set_text(cell, str(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r in (1, 6):
                cell.font = bold
    for letter, width in zip("ABCDE", (24, 10, 30, 60, 50), strict=True):
        notes.column_dimensions[letter].width = width
    notes.freeze_panes = "A7"
    book.save(path)
