"""Data templates: the right headers, drop-downs in XLSX, and never overwriting a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.plan.schema import CategoryValue, DataField, Dataset, Plan

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan() -> Plan:
    from tracker.plan.loader import load_plan

    return load_plan(REPO / "objectives.yaml").plan


def test_xlsx_template_has_headers_dropdowns_and_notes(sqlite_cli, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "referrals-template.xlsx"
    result = sqlite_cli("data", "template", "referrals", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {path}\n"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["referrals", "Notes"]
    ws = book["referrals"]
    headers = [c.value for c in ws[1]]
    assert headers == [
        "reference",
        "received_on",
        "sector",
        "age",
        "age_band",
        "gender",
        "district",
        "concern",
        "outcome",
        "safeguarding_concern",
        "decided_on",
    ]
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])
    assert ws.max_row == 1  # no data
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    gender = validations["F2"]
    assert (gender.type, gender.formula1) == ("list", '"Male,Female,Other,Not known"')
    assert str(gender.sqref) == "F2:F1048576"
    assert gender.showErrorMessage and gender.allow_blank
    assert validations["C2"].formula1.startswith('"Education,Schools,Further education')
    assert (validations["B2"].type, validations["D2"].type) == ("date", "whole")
    assert (validations["D2"].formula1, validations["D2"].formula2) == ("0", "110")
    assert validations["A2"].type is None and "Pseudonymous reference" in validations["A2"].prompt
    assert ws.column_dimensions["I"].width > 20  # wide enough for the outcomes
    notes = "\n".join(str(c.value) for row in book["Notes"].iter_rows() for c in row if c.value)
    assert "Do not enter any directly identifying data" in notes
    assert "No further action [also accepted: NFA]" in notes
    assert "Schools (counted in Education)" in notes


def test_template_round_trip_imports(sqlite_cli, tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "t.xlsx"
    sqlite_cli("data", "template", "training", str(path))
    book = openpyxl.load_workbook(path)
    book["training"].append(
        [
            date(2020, 6, 1),
            "WRAP workshop",
            "Health",
            "NHS Trust (example)",
            "Corby",
            20,
            "In person",
        ]
    )
    book.save(path)
    result = sqlite_cli("data", "import", "training", str(path))
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output


def test_csv_template_is_the_header_row(sqlite_cli, tmp_path: Path) -> None:
    path = tmp_path / "training.csv"
    result = sqlite_cli("data", "template", "training", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == (
        b"\xef\xbb\xbfdelivered_on,course,sector,organisation,district,attendees,format,reference\r\n"
    )


def test_an_existing_file_is_never_overwritten(sqlite_cli, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"someone's data")
    result = sqlite_cli("data", "template", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {path} already exists and a template would replace it: choose another file "
        "name, or move the existing file away first\n"
    )
    assert path.read_bytes() == b"someone's data"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "ws") == ["t.xlsx"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["staff", "x.xlsx"],
            "error: no data set 'staff' in the plan: use one of referrals, training\n",
        ),
        (
            ["referrals", "x.ods"],
            "error: cannot write a template as 'x.ods': give a file name ending .xlsx "
            "(with drop-downs) or .csv\n",
        ),
    ],
)
def test_template_mistakes(sqlite_cli, tmp_path: Path, args: list[str], message: str) -> None:
    args[1] = str(tmp_path / args[1])
    result = sqlite_cli("data", "template", *args)
    assert result.exit_code == 1
    assert result.output == message


def test_long_lists_and_formula_like_text(plan: Plan, tmp_path: Path) -> None:
    """A list over Excel's 255 characters goes to a hidden sheet; text is never a formula."""
    import openpyxl

    from tracker.data.template import write_template

    values = [CategoryValue(value=f"Organisation number {i:02d}, example") for i in range(20)]
    dataset = Dataset(
        name="partners",
        title="Partners",
        key=["when"],
        period_field="when",
        fields=[
            DataField(name="when", type="date"),
            DataField(name="partner", type="category", values=values),
            DataField(name="comment", type="text", description='=HYPERLINK("http://x")'),
        ],
    )
    custom = plan.model_copy(update={"datasets": [dataset]})
    path = write_template(custom, "partners", tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(path)
    assert book["Lists"].sheet_state == "hidden"
    assert [c.value for c in book["Lists"]["A"]][:2] == ["partner", values[0].value]
    partner = next(
        dv for dv in book["partners"].data_validations.dataValidation if dv.type == "list"
    )
    assert partner.formula1 == "'Lists'!$A$2:$A$21"
    cells = [c for row in book["Notes"].iter_rows() for c in row if c.value]
    formula_like = [c for c in cells if str(c.value).startswith("=")]
    assert formula_like and all(c.data_type == "s" for c in formula_like)
