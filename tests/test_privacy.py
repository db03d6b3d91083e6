"""The privacy guard: columns that look like directly identifying data are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.privacy import identifying_kind

IDENTIFYING = {
    "Name": "name",
    "name": "name",
    "First name": "name",
    "first_name": "name",
    "FirstName": "name",
    "Forename": "name",
    "Surname": "name",
    "Last Name": "name",
    "Full name": "name",
    "Referrer name": "name",
    "child_name": "name",
    "Date of birth": "date of birth",
    "DATE_OF_BIRTH": "date of birth",
    "dateOfBirth": "date of birth",
    "DOB": "date of birth",
    "D.O.B.": "date of birth",
    "Birth date": "date of birth",
    "Address": "address",
    "Home address line 1": "address",
    "Street": "address",
    "House": "address",
    "House number": "address",
    "Postcode": "postcode",
    "Post code": "postcode",
    "post_code": "postcode",
    "ZIP": "postcode",
    "Phone": "phone number",
    "Telephone": "phone number",
    "Tel": "phone number",
    "Mobile": "phone number",
    "Mobile number": "phone number",
    "Email": "email address",
    "E-mail": "email address",
    "email_address": "email address",
    "NHS number": "NHS number",
    "NHS No.": "NHS number",
    "nhs_no": "NHS number",
    "National Insurance number": "national insurance number",
    "NI number": "national insurance number",
    "NINO": "national insurance number",
    "UPN": "pupil number (UPN)",
    "Unique Pupil Number": "pupil number (UPN)",
    "Pupil number": "pupil number (UPN)",
    "Pupil No": "pupil number (UPN)",
    "Learner number": "learner number (ULN)",
    "ULN": "learner number (ULN)",
}

ALLOWED = [
    "reference",
    "Reference",
    "organisation",
    "Organisation",
    "Organisation name",
    "School name",
    "Course name",
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
    "delivered_on",
    "course",
    "attendees",
    "format",
    "In-house training",
    "Number of pupils",
    "Notes",
]


@pytest.mark.parametrize(("header", "kind"), IDENTIFYING.items())
def test_identifying_headers_are_caught(header: str, kind: str) -> None:
    assert identifying_kind(header) == kind


@pytest.mark.parametrize("header", ALLOWED)
def test_ordinary_headers_pass(header: str) -> None:
    assert identifying_kind(header) is None


def test_every_field_of_the_shipped_data_sets_passes() -> None:
    from tracker.plan.loader import load_plan

    plan = load_plan(Path(__file__).resolve().parent.parent / "objectives.yaml").plan
    names = [f.name for d in plan.datasets for f in d.fields]
    assert "organisation" in names and "reference" in names
    assert [n for n in names if identifying_kind(n)] == []


def test_import_refuses_every_identifying_column_and_stores_nothing(cli, tmp_path: Path) -> None:
    path = tmp_path / "referrals.csv"
    path.write_text(
        "reference,Postcode,received_on,sector,age,gender,district,concern,outcome,"
        "safeguarding_concern,E-mail\n"
        "R1,NN1 1AA,01/04/2020,Schools,16,Male,Northampton,ERW,NFA,No,someone@example.org\n",
        encoding="utf-8",
    )
    result = cli("data", "import", "referrals", str(path), "--ignore-extra")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "referrals.csv:1: column 'Postcode' looks like directly identifying data (postcode); "
        "tracker never stores identifying data: remove the column and export the file again",
        "referrals.csv:1: column 'E-mail' looks like directly identifying data (email address); "
        "tracker never stores identifying data: remove the column and export the file again",
        "error: import of referrals.csv: 2 problems found, nothing was changed: remove the "
        "identifying columns from the file, export it again and import that",
    ]
    summary = cli("data", "import", "referrals", str(path), "--dry-run", "--ignore-extra")
    assert summary.exit_code == 1


def test_a_file_whose_name_identifies_someone_is_refused(sqlite_cli, tmp_path: Path) -> None:
    """The name of each imported file is stored; a name like this must not be."""
    path = tmp_path / "Referral DOB 03.04.2009 tel 07700900123.csv"
    path.write_text(
        "reference,received_on,sector,age,gender,district,concern,outcome,safeguarding_concern\n"
        "R1,01/04/2020,Schools,16,Male,Northampton,ERW,NFA,No\n",
        encoding="utf-8",
    )
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "error: the file's name holds what looks like a phone number; tracker stores the name "
        "of each file imported and never stores identifying data, so nothing was imported: "
        "rename the file (for example referrals-2021-01.csv) and import it again\n"
    )


def test_identifying_values_in_text_fields_are_refused(sqlite_cli, tmp_path: Path) -> None:
    path = tmp_path / "training.csv"
    path.write_text(
        "delivered_on,course,sector,organisation,district,attendees,format\n"
        "01/04/2020,WRAP,Education,head@school.example.org,Corby,12,In person\n"
        "02/04/2020,WRAP,Education,Example School NN1 1AA,Corby,12,In person\n"
        "03/04/2020,WRAP,Education,Example School,Corby,12,In person\n"
        "04/04/2020,WRAP,Education,Call 07700 900123,Corby,12,In person\n"
        "05/04/2020,WRAP,Education,NI QQ 12 34 56 C,Corby,12,In person\n"
        "06/04/2020,WRAP,Education,NHS 943 476 5919,Corby,12,In person\n"
        "07/04/2020,WRAP,Education,Example Trust 2020-21,Corby,12,In person\n",
        encoding="utf-8",
    )
    result = sqlite_cli("data", "import", "training", str(path))
    assert result.exit_code == 1
    tail = "; identifying data must not be imported: remove it"
    assert result.output.splitlines()[:5] == [
        "training.csv:2: organisation holds what looks like an email address" + tail,
        "training.csv:3: organisation holds what looks like a postcode" + tail,
        "training.csv:5: organisation holds what looks like a phone number" + tail,
        "training.csv:6: organisation holds what looks like a National Insurance number" + tail,
        "training.csv:7: organisation holds what looks like an NHS number" + tail,
    ]
    # the value itself is never repeated in the error
    for value in ("head@school", "NN1 1AA", "07700", "QQ 12", "943 476"):
        assert value not in result.output


def test_plan_check_refuses_a_data_set_field_that_is_identifying(
    sqlite_cli, plan_copy: Path
) -> None:
    text = plan_copy.read_text(encoding="utf-8")
    marker = "      - {name: decided_on, type: date, required: false"
    assert marker in text
    text = text.replace(marker, "      - {name: postcode, type: text, required: false}\n" + marker)
    plan_copy.write_text(text, encoding="utf-8")
    result = sqlite_cli("plan", "check", str(plan_copy))
    assert result.exit_code == 1
    assert (
        "field referrals.postcode looks like directly identifying data (postcode), which "
        "tracker never stores; remove it from the data set"
    ) in result.output


def test_identifying_values_in_other_cells_and_headings_are_never_repeated(
    sqlite_cli, tmp_path: Path
) -> None:
    """A postcode in a district cell, a phone number in an age, an NHS number as a number,
    a date of birth in a date, an email as a heading: refused by their own rules, and the
    value is named by its kind in the message, never quoted back."""
    path = tmp_path / "referrals.csv"
    head = "reference,received_on,sector,age,gender,district,concern,outcome,"
    head += "safeguarding_concern,decided_on"
    rest = ",Extreme Right Wing,Signposted to other services,Yes,"
    path.write_text(
        f"{head}\n"
        f"R1,2020-05-01,Schools,9,Male,NN1 1AA{rest}2020-05-10\n"
        f"R2,2020-05-01,Schools,07700 900123,Male,Corby{rest}2020-05-10\n"
        f"R3,2020-05-01,Schools,9434765919,Male,Corby{rest}2020-05-10\n"
        f"R4,2020-05-01,Schools,9,QQ 12 34 56 C,Corby{rest}DOB 01/01/2005\n",
        encoding="utf-8",
    )
    headed = tmp_path / "headed.csv"
    headed.write_text(f"{head},jo.bloggs@example.net\nR1,2020-05-01{rest}\n", encoding="utf-8")
    result = sqlite_cli("data", "import", "referrals", str(path), "--dry-run")
    assert result.exit_code == 1
    heading = sqlite_cli("data", "import", "referrals", str(headed), "--dry-run")
    assert heading.exit_code == 1
    said = result.output + heading.output
    for value in ("jo.bloggs", "NN1 1AA", "07700", "9434765919", "QQ 12", "01/01/2005"):
        assert value not in said, value
    for kind in ("an email address", "a postcode", "a phone number", "an NHS number",
                 "a National Insurance number", "a date of birth"):  # fmt: skip
        assert f"[{kind}, not repeated here]" in said, kind
