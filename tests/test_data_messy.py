"""Real-world files: what analysts' exports look like, and what tracker makes of them.

Each test is a problem found by using tracker the way its users do (a title
row above the headings, a hidden first sheet, #N/A from a look-up, formulas a
program wrote but nothing calculated, date-times from a CSV export, a decision
dated before the referral, identifying columns named in other ways). Import
tests run on SQLite and PostgreSQL (``cli``); workbooks are made with
openpyxl.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_data_import import counts, stored
from tracker.plan.loader import check_plan
from tracker.privacy import identifying_kind

HEADER = [
    "Reference",
    "Received On",
    "Sector",
    "Age",
    "Age band",
    "Gender",
    "District",
    "Concern",
    "Outcome",
    "Safeguarding concern?",
    "Decided On",
]
TRAINING = ["delivered_on", "course", "sector", "organisation", "district", "attendees", "format"]


def _nothing_stored(cli: Any) -> None:
    assert counts(cli) == {"data_import": 0, "data_record": 0, "data_record_change": 0}


def test_decision_before_referral_is_a_row_error(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        "R1,01/04/2020,Schools,16,,M,Northampton,ERW,NFA,Yes,01/03/2020\n"
        "R2,01/04/2020,Schools,16,,M,Northampton,ERW,NFA,Yes,01/04/2020\n",
        encoding="utf-8",
    )
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "r.csv:2: decided_on 2020-03-01 is before received_on 2020-04-01; "
        "correct whichever date is wrong\n"
        "error: import of r.csv: 1 problem found, nothing was changed: correct the rows "
        "listed and import the whole file again\n"
    )
    _nothing_stored(cli)


def test_not_before_is_checked_by_plan_check(tmp_path: Path, plan_text: str) -> None:
    good = "not_before: received_on, description: Date of the decision"
    assert good in plan_text
    for wrong in ("not_before: decided, ", "not_before: sector, "):
        path = tmp_path / "objectives.yaml"
        path.write_text(plan_text.replace("not_before: received_on, ", wrong, 1), encoding="utf-8")
        messages = [p.message for p in check_plan(path)]
        assert messages == [
            f"field referrals.decided_on: not_before '{wrong.split()[1].rstrip(',')}' must "
            "name another date field of the data set, and only date fields take it"
        ]


def test_date_times_from_a_csv_export_are_dates(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        ",".join(HEADER) + "\r\n"
        "R1,01/04/2020 14:35,Schools,16,,M,Northampton,ERW,NFA,Yes,02/04/2020 09:00:10\r\n"
        "R2,2020-04-01T10:00:00,Schools,16,,M,Northampton,ERW,NFA,Yes,3/4/2020 2:05 PM\r\n",
        encoding="utf-8",
    )
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 0, result.output
    records = stored(cli, "referrals")
    assert records["R1"]["received_on"] == "2020-04-01"
    assert records["R1"]["decided_on"] == "2020-04-02"
    assert records["R2"]["decided_on"] == "2020-04-03"


@pytest.mark.parametrize("above", [["Prevent referrals Q1 - OFFICIAL"], ["Title", "", "Notes"]])
def test_title_rows_above_the_headings_are_refused_with_the_row(
    sqlite_cli: Any, tmp_path: Path, above: list[str]
) -> None:
    path = tmp_path / "r.csv"
    lines = [*above, ",".join(HEADER), "R1,01/04/2020,Schools,16,,M,Northampton,ERW,NFA,Yes,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    row = len(above) + 1
    rows = "row" if row == 2 else "rows"
    assert result.output == (
        f"error: r.csv has its column headings on row {row}, not on row 1 (which reads "
        f"'{above[0]}'): delete the {rows} above the headings (a title or notes) so that "
        "the headings are the first row, then import the file again\n"
    )


def _workbook(path: Path, sheets: list[tuple[str, list[list[Any]], str]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        ws = book.create_sheet(title)
        ws.sheet_state = state
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


ROW = ["R1", datetime(2020, 4, 1, 14, 35), "Schools", "16", None, "M", "Corby", "ERW", "NFA"]


def test_a_hidden_first_sheet_is_not_read(cli: Any, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Lists", [["Schools"], ["Police"]], "hidden"),
            ("Referrals", [HEADER, [*ROW, True, date(2020, 4, 3)]], "visible"),
        ],
    )
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Imported r.xlsx (sheet 'Referrals') into referrals: 1 row")
    values = stored(cli, "referrals")["R1"]
    assert (values["received_on"], values["age_band"], values["safeguarding_concern"]) == (
        "2020-04-01",
        "15 to 17",
        "Yes",
    )


def test_wrong_sheet_hint_names_the_other_sheets(sqlite_cli: Any, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "r.xlsx",
        [
            ("Summary", [["Total", 12]], "visible"),
            ("Referrals", [HEADER, [*ROW, "Yes", None]], "visible"),
        ],
    )
    result = sqlite_cli("data", "import", "referrals", str(path), "--ignore-extra")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "error: import of r.xlsx: 8 problems found, nothing was changed: correct the header "
        "row and import the whole file again (this is sheet 'Summary'; to read another, "
        "use --sheet with one of 'Referrals')"
    )
    assert (
        sqlite_cli("data", "import", "referrals", str(path), "--sheet", "referrals").exit_code == 0
    )


def test_excel_error_values_are_row_errors(cli: Any, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        [
            (
                "Training",
                [
                    TRAINING,
                    ["01/04/2020", "WRAP", "Schools", "#N/A", "Corby", "#DIV/0!", "online"],
                    ["02/04/2020", "WRAP", "Schools", "Org", "#REF!", 5, "online"],
                ],
                "visible",
            )
        ],
    )
    result = cli("data", "import", "training", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "t.xlsx:2: organisation '#N/A' is an Excel error from a formula, not a value; "
        "correct the formula or type the value\n"
        "t.xlsx:2: attendees '#DIV/0!' is an Excel error from a formula, not a value; "
        "correct the formula or type the value\n"
        "t.xlsx:3: district '#REF!' is an Excel error from a formula, not a value; "
        "correct the formula or type the value\n"
        "error: import of t.xlsx: 3 problems found, nothing was changed: correct the rows "
        "listed and import the whole file again\n"
    )
    _nothing_stored(cli)
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(
        ",".join(TRAINING) + "\n01/04/2020,WRAP,Schools,#N/A,Corby,3,online\n", encoding="utf-8"
    )
    result = cli("data", "import", "training", str(csv_path))
    assert result.exit_code == 1
    assert result.output.startswith("t.csv:2: organisation '#N/A' is an Excel error")


def test_formulas_never_calculated_are_refused(sqlite_cli: Any, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "t.xlsx",
        [
            ("Notes", [["read me"]], "visible"),
            (
                "Training",
                [TRAINING, ["01/04/2020", "WRAP", "Schools", "Org", "Corby", "=10+6", "online"]],
                "visible",
            ),
        ],
    )
    result = sqlite_cli("data", "import", "training", str(path), "--sheet", "Training")
    assert result.exit_code == 1
    assert result.output == (
        "error: t.xlsx has formulas whose results were never calculated (cell F2 of sheet "
        "'Training'), which would import as empty: open the workbook in Excel, save it and "
        "import it again\n"
    )


def test_formulas_with_saved_results_import_their_values(cli: Any, tmp_path: Path) -> None:
    """A workbook saved by Excel holds each formula's result, which is what is imported."""
    import zipfile

    path = _workbook(
        tmp_path / "t.xlsx",
        [
            (
                "Training",
                [TRAINING, ["01/04/2020", "WRAP", "Schools", "Org", "Corby", 1, "online"]],
                "visible",
            )
        ],
    )
    # Give F2 a formula with its cached result, as Excel saves it.
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    cell = '<c r="F2" t="n"><v>1</v></c>'
    assert cell in sheet
    members["xl/worksheets/sheet1.xml"] = sheet.replace(
        cell, '<c r="F2"><f>10+6</f><v>16</v></c>'
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    result = cli("data", "import", "training", str(path))
    assert result.exit_code == 0, result.output
    (values,) = stored(cli, "training").values()
    assert values["attendees"] == 16


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("E-mail address", "email address"),
        ("Contact number", "phone number"),
        ("Landline", "phone number"),
        ("Mob", "phone number"),
        ("Fax", "phone number"),
        ("PNC ID", "police national computer (PNC) identifier"),
        ("Passport number", "passport number"),
        ("Driving licence", "driving licence number"),
        ("CHI number", "CHI number"),
        ("Hospital number", "hospital number"),
        ("Known as", "name"),
        ("Alias", "name"),
        ("Child's name", "name"),
        ("D.O.B.", "date of birth"),
        ("Post Code", "postcode"),
        ("NHS No", "NHS number"),
        ("Tel", "phone number"),
        ("NI Number", "national insurance number"),
    ],
)
def test_identifying_columns_named_other_ways(header: str, kind: str) -> None:
    assert identifying_kind(header) == kind


@pytest.mark.parametrize(
    "header",
    ["Named person service", "Organisation", "District", "Referral reference", "Faxed?", "Format"],
)
def test_legitimate_columns_are_not_identifying(header: str) -> None:
    assert identifying_kind(header) is None


def test_email_address_column_refusal_says_email(sqlite_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(",".join([*HEADER, "E-mail address"]) + "\n", encoding="utf-8")
    result = sqlite_cli("data", "import", "referrals", str(path), "--ignore-extra")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "r.csv:1: column 'E-mail address' looks like directly identifying data (email "
        "address); tracker never stores identifying data: remove the column and export the "
        "file again"
    )


def test_a_folder_or_a_device_given_as_a_data_file_is_one_line(sqlite_cli, tmp_path) -> None:
    for target, said in (
        (tmp_path / "folder", "folder is a folder, not a file"),
        (tmp_path / "looks-like.csv", "looks-like.csv is a folder, not a file"),
        (tmp_path / "book.xlsx", "book.xlsx is a folder, not a file"),
    ):
        target.mkdir()
        for extra in ((), ("--dry-run",)):
            result = sqlite_cli("data", "import", "referrals", str(target), *extra)
            assert result.exit_code == 1
            expected = f"error: {said}: give the path of a .csv or .xlsx file\n"
            assert result.output == expected, result.output
    device = sqlite_cli("data", "import", "referrals", "/dev/null")
    assert device.exit_code == 1
    assert "is not a regular file (a device or a pipe)" in device.output
