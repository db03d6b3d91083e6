"""Importing referral and training files: all rows or none, every problem named, by key.

Runs on SQLite and PostgreSQL (the ``cli`` fixture). Files are written as a
user would make them: CSV text, and workbooks made with openpyxl.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

HEADER = (
    "reference,received_on,sector,age,age_band,gender,district,concern,outcome,"
    "safeguarding_concern,decided_on"
)
GOOD = f"""{HEADER}
R-0001,31/03/2020,Schools,16,,Male,Northampton,Islamist,No further action,No,14/04/2020
R-0002,2020-04-01,policing (non-ct),,18-20,f,east northants,ERW,nfa,y,
R-0003,1/4/2020,Health,40,,Not known,Kettering,MUU,Adopted,NO,01.05.2020
"""


def _engine(cli: Any) -> Any:
    from tracker.db.engine import make_engine
    from tracker.settings import Settings

    return make_engine(Settings(workspace=cli.workspace, database_url=cli.database_url).url)


def stored(cli: Any, dataset: str) -> dict[str, dict[str, Any]]:
    from sqlmodel import Session, select

    from tracker.db.models import DataRecord

    engine = _engine(cli)
    try:
        with Session(engine) as s:
            rows = s.exec(select(DataRecord).where(DataRecord.dataset == dataset)).all()
            return {r.key: dict(r.values) for r in rows}
    finally:
        engine.dispose()


def counts(cli: Any) -> dict[str, int]:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from tracker.db.models import DataImport, DataRecord, DataRecordChange

    engine = _engine(cli)
    try:
        with Session(engine) as s:
            return {
                m.__tablename__: s.exec(select(func.count()).select_from(m)).one()  # type: ignore[attr-defined]
                for m in (DataImport, DataRecord, DataRecordChange)
            }
    finally:
        engine.dispose()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- good files ----------------------------------------------------------------------


def test_good_csv_imports_canonical_values_and_derived_fields(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "referrals.csv", GOOD)
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Imported referrals.csv into referrals: 3 rows, 3 added, 0 updated, 0 unchanged\n"
    )
    records = stored(cli, "referrals")
    assert records["R-0001"] == {
        "reference": "R-0001",
        "received_on": "2020-03-31",
        "sector": "Schools",
        "age": 16,
        "age_band": "15 to 17",
        "gender": "Male",
        "district": "Northampton",
        "concern": "Islamist",
        "outcome": "No further action",
        "safeguarding_concern": "No",
        "decided_on": "2020-04-14",
        "received_on_day": date(2020, 3, 31).toordinal(),
        "received_on_month": "2020-03",
        "received_on_quarter": "2019/20 Q4",
        "received_on_year": "2019/20",
        "decided_on_day": date(2020, 4, 14).toordinal(),
        "decided_on_month": "2020-04",
        "decided_on_quarter": "2020/21 Q1",
        "decided_on_year": "2020/21",
        "sector_group": "Education",
    }
    r2 = records["R-0002"]
    assert (r2["received_on_quarter"], r2["received_on_year"]) == ("2020/21 Q1", "2020/21")
    assert r2["sector"] == "Policing (non-CT)" and r2["sector_group"] == "Police"
    assert r2["age"] is None and r2["age_band"] == "18 to 20"
    assert r2["gender"] == "Female" and r2["district"] == "East Northamptonshire"
    assert r2["concern"] == "Extreme Right Wing" and r2["outcome"] == "No further action"
    assert r2["safeguarding_concern"] == "Yes"
    assert r2["decided_on"] is None
    assert r2["decided_on_quarter"] is None and r2["decided_on_day"] is None
    r3 = records["R-0003"]
    assert r3["concern"] == "Mixed/Unclear/Unstable"
    assert r3["outcome"] == "Adopted as Channel case"
    assert r3["age_band"] == "31 to 40" and r3["decided_on"] == "2020-05-01"
    assert r3["sector_group"] == "Health"  # a value with no group is its own group
    assert counts(cli) == {"data_import": 1, "data_record": 3, "data_record_change": 0}


def test_stored_values_work_with_the_json_comparator(cli, tmp_path: Path) -> None:
    """The contract summaries and KPIs rely on, on both databases."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from tracker.db.models import DataRecord

    cli("data", "import", "referrals", str(write(tmp_path / "r.csv", GOOD)))
    engine = _engine(cli)
    try:
        with Session(engine) as s:
            quarter = DataRecord.values["received_on_quarter"].as_string()
            rows = s.exec(
                select(quarter, func.count())
                .where(DataRecord.dataset == "referrals")
                .group_by(quarter)
                .order_by(quarter)
            ).all()
            assert [tuple(r) for r in rows] == [("2019/20 Q4", 1), ("2020/21 Q1", 2)]
            ages = s.exec(
                select(func.sum(DataRecord.values["age"].as_integer())).where(
                    DataRecord.dataset == "referrals"
                )
            ).one()
            assert ages == 56
    finally:
        engine.dispose()


def _referrals_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    first.title = "Read me"
    first["A1"] = "This sheet is not the data"
    ws = book.create_sheet("Referrals Q4")
    ws.append(HEADER.replace("received_on", "Received On").split(","))
    ws.append(
        ["X-1", date(2020, 3, 31), "Schools", 16.0, None, "Male", "Corby", "Islamist", "NFA", "No"]
    )
    ws.append([])  # a blank row in the middle is skipped
    ws.append(
        [
            "X-2",
            datetime(2020, 4, 1, 0, 0),
            "CT policing",
            17,
            "15 to 17",
            "Male",
            "Daventry",
            "Other",
            "PLCM",
            True,
            "02/05/2020",
        ]
    )
    ws.cell(row=10, column=1, value="")  # trailing blank rows are ignored
    book.save(path)
    return path


def test_good_xlsx_imports_from_the_named_sheet(cli, tmp_path: Path) -> None:
    path = _referrals_workbook(tmp_path / "referrals.xlsx")
    result = cli("data", "import", "referrals", str(path), "--sheet", "referrals q4")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Imported referrals.xlsx (sheet 'Referrals Q4') into referrals: 2 rows, 2 added, "
        "0 updated, 0 unchanged\n"
    )
    records = stored(cli, "referrals")
    assert records["X-1"]["received_on"] == "2020-03-31"
    assert records["X-1"]["received_on_quarter"] == "2019/20 Q4"
    assert records["X-1"]["age"] == 16 and records["X-1"]["age_band"] == "15 to 17"
    assert records["X-1"]["outcome"] == "No further action"
    assert records["X-2"]["received_on_quarter"] == "2020/21 Q1"
    assert records["X-2"]["sector"] == "Counter-terrorism policing"
    assert records["X-2"]["safeguarding_concern"] == "Yes"  # a TRUE cell
    assert records["X-2"]["decided_on"] == "2020-05-02"


def test_xlsx_without_sheet_reads_the_first_sheet(sqlite_cli, tmp_path: Path) -> None:
    path = _referrals_workbook(tmp_path / "referrals.xlsx")
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert "column 'This sheet is not the data' is not a field of referrals" in result.output


def test_training_xlsx_imports(cli, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(
        ["Delivered On", "Course", "Sector", "Organisation", "District", "Attendees", "FORMAT"]
    )
    ws.append([date(2019, 5, 2), "WRAP", "schools", "Example Primary School", "Corby", 12, "f2f"])
    ws.append(
        [date(2019, 5, 31), "elearning", "NHS", "NHS Trust (example)", "countywide", 80.0, ""]
    )
    path = tmp_path / "training.xlsx"
    book.save(path)
    result = cli("data", "import", "training", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "training.xlsx:2: format 'f2f' is not one of In person, Online live, E-learning",
        "training.xlsx:3: format is empty but required; give one of In person, Online live, "
        "E-learning",
    ]
    ws["G2"] = "face to face"
    ws["G3"] = "self-paced"
    path.unlink()
    book.save(path)
    result = cli("data", "import", "training", str(path))
    assert result.exit_code == 0, result.output
    records = stored(cli, "training")
    # the optional reference, last in the key, is empty
    key = (
        "2019-05-02\x1fWRAP workshop\x1fEducation\x1fExample Primary School\x1fCorby"
        "\x1fIn person\x1f"
    )
    assert records[key]["attendees"] == 12
    assert records[key]["delivered_on_quarter"] == "2019/20 Q1"
    second = next(v for k, v in records.items() if k != key)
    assert second["attendees"] == 80 and second["district"] == "County-wide"
    assert second["format"] == "E-learning" and second["course"] == "Prevent e-learning"


# --- bad files: every problem named, nothing stored -------------------------------------


BAD = f"""{HEADER}
R1,01/04/2020,Schools,16,,M ale,Northampton,ERW,NFA,yes,
R2,04/01/20,school,16,18 to 20,male,northampton,erw,nfa,Y,2020/04/10
R1,2020-04-01,Schools,12.5,,Male,Northampton,ERW,NFA,yes,31/02/2020
"R4",13/13/2020,Nope,-1,,Male,,ERW,NFA,maybe,
"""


def test_every_bad_row_is_named_and_nothing_is_stored(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "referrals.csv", BAD)
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "referrals.csv:2: gender 'M ale' is not one of Male, Female, Other, Not known",
        "referrals.csv:3: received_on '04/01/20' has a two-digit year, which is ambiguous; "
        "write it as DD/MM/YYYY or YYYY-MM-DD",
        "referrals.csv:3: decided_on '2020/04/10' is ambiguous (year first with slashes); "
        "write it as DD/MM/YYYY or YYYY-MM-DD",
        "referrals.csv:3: age_band '18 to 20' does not match age 16, which is in '15 to 17'; "
        "correct one of them or leave age_band empty",
        "referrals.csv:4: age '12.5' is not a whole number",
        "referrals.csv:4: decided_on '31/02/2020' is not a real date; dates are read day first "
        "(DD/MM/YYYY or YYYY-MM-DD)",
        "referrals.csv:4: this row has the same reference as row 2 (R1); keep one of them, or "
        "correct the reference of the other",
        "referrals.csv:5: received_on '13/13/2020' is not a real date; dates are read day first "
        "(DD/MM/YYYY or YYYY-MM-DD)",
        "referrals.csv:5: sector 'Nope' is not one of Education, Schools, Further education, "
        "Higher education, Police, Policing (non-CT), Counter-terrorism policing, Local "
        "Authority, Health, Community, Family and friends, Other",
        "referrals.csv:5: age -1 is below the minimum 0",
        "referrals.csv:5: district is empty but required; give one of Corby, Daventry, East "
        "Northamptonshire, Kettering, Northampton, South Northamptonshire, Wellingborough, "
        "Out of county, Not known",
        "referrals.csv:5: safeguarding_concern 'maybe' is not one of Yes, No",
        "error: import of referrals.csv: 12 problems found, nothing was changed: correct the "
        "rows listed and import the whole file again",
    ]
    assert counts(cli) == {"data_import": 0, "data_record": 0, "data_record_change": 0}


def test_one_bad_row_among_good_ones_stores_nothing(cli, tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines.append("R-0004,01/04/2020,Schools,16,,Male,Northampton,Islamist,Unknown outcome,No,")
    result = cli("data", "import", "referrals", str(write(tmp_path / "r.csv", "\n".join(lines))))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "r.csv:5: outcome 'Unknown outcome' is not one of No further action, Signposted to "
        "other services, Discussed at Channel panel, Adopted as Channel case, Police-led case "
        "management"
    )
    assert counts(cli)["data_record"] == 0


def test_line_numbers_count_lines_of_quoted_cells(sqlite_cli, tmp_path: Path) -> None:
    text = (
        f'{HEADER}\n"R-1",01/04/2020,Schools,16,,Male,Northampton,"Mixed/\nUnclear",NFA,No,\n'
        "R-2,01/04/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,32/01/2020\n"
    )
    result = sqlite_cli("data", "import", "referrals", str(write(tmp_path / "r.csv", text)))
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "r.csv:2: concern 'Mixed/ Unclear' is not one of Islamist, Extreme Right Wing, "
        "Mixed/Unclear/Unstable, Other, Not specified",
        "r.csv:4: decided_on '32/01/2020' is not a real date; dates are read day first "
        "(DD/MM/YYYY or YYYY-MM-DD)",
    ]


def test_xlsx_problems_name_the_worksheet_row(sqlite_cli, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append([])
    ws.append(HEADER.split(","))
    ws.append(
        ["A", date(2020, 4, 1), "Schools", 14, None, "Male", "Corby", "Islamist", "NFA", "No"]
    )
    ws.append(["B", 43922, "Schools", 14, None, "Male", "Corby", "Islamist", "NFA", "No"])
    path = tmp_path / "r.xlsx"
    book.save(path)
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "r.xlsx:4: received_on 43922 is a number, not a date; format the column as a date in "
        "the spreadsheet or write it as DD/MM/YYYY or YYYY-MM-DD"
    )


def test_checking_stops_after_200_problems_and_says_so(sqlite_cli, tmp_path: Path) -> None:
    rows = [f"R{i},01/04/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,bad" for i in range(250)]
    path = write(tmp_path / "r.csv", HEADER + "\n" + "\n".join(rows))
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 201
    assert lines[199].startswith("r.csv:201: decided_on 'bad' is not a date")
    assert lines[200] == (
        "error: import of r.csv: 200 problems found, nothing was changed: checking stopped at "
        "row 201 after 200 problems, so the rest of the file was not checked; correct the rows "
        "listed (is it the right file for this data set?) and import the whole file again"
    )


def test_a_large_file_wrong_throughout_is_refused_early(sqlite_cli, tmp_path: Path) -> None:
    # 50 MB in which every row is invalid: checking stops after 200 problems (it used to
    # check all 900,000 rows and list "899,800 more").
    row = "R{},2020-99-01,Nowhere,old,,Male,Northampton,Islamist,NFA,No,bad\n"
    path = tmp_path / "wrong.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        n = 0
        while fh.tell() < 50 * 1024 * 1024:
            fh.writelines(row.format(i) for i in range(n, n + 10_000))
            n += 10_000
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last.startswith("error: import of wrong.csv: 200 problems found, nothing was changed")
    assert "checking stopped at row" in last and "the rest of the file was not checked" in last
    assert "more not listed" not in result.output


# --- the header row --------------------------------------------------------------------


def test_header_problems_are_all_listed(cli, tmp_path: Path) -> None:
    text = (
        "Reference,RECEIVED ON,sector,Sector,gender,district,concern,colour,received_on_quarter\n"
        "R1,01/04/2020,Schools,Schools,Male,Corby,ERW,blue,2020/21 Q1\n"
    )
    result = cli("data", "import", "referrals", str(write(tmp_path / "r.csv", text)))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "r.csv:1: columns C 'sector' and D 'Sector' are both sector; keep one",
        "r.csv:1: column 'colour' is not a field of referrals (its fields are reference, "
        "received_on, sector, age, age_band, gender, district, concern, outcome, "
        "safeguarding_concern, decided_on); remove it or import with --ignore-extra",
        "r.csv:1: column 'received_on_quarter' is worked out by tracker itself; remove it or "
        "import with --ignore-extra",
        "r.csv:1: required column outcome is missing; add a column headed 'outcome'",
        "r.csv:1: required column safeguarding_concern is missing; add a column headed "
        "'safeguarding_concern'",
        "error: import of r.csv: 5 problems found, nothing was changed: correct the header row "
        "and import the whole file again",
    ]
    assert counts(cli)["data_record"] == 0


def test_ignored_columns_are_never_stored(cli, tmp_path: Path) -> None:
    text = (
        "Notes," + HEADER + ",Case worker comment\n"
        "SECRET-NOTE-1,R1,01/04/2020,Schools,16,,Male,Northampton,ERW,NFA,No,,SECRET-NOTE-2\n"
    )
    path = write(tmp_path / "r.csv", text)
    refused = cli("data", "import", "referrals", str(path))
    assert refused.exit_code == 1
    assert "column 'Notes' is not a field of referrals" in refused.output
    result = cli("data", "import", "referrals", str(path), "--ignore-extra")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Imported r.csv into referrals: 1 row, 1 added, 0 updated, 0 unchanged",
        "  ignored columns (not stored): Notes, Case worker comment",
    ]
    values = stored(cli, "referrals")["R1"]
    assert "SECRET" not in json.dumps(values)
    assert not {"notes", "Notes", "Case worker comment"} & set(values)


def test_a_column_without_header_but_with_values_is_refused(sqlite_cli, tmp_path: Path) -> None:
    text = HEADER + ",\nR1,01/04/2020,Schools,16,,Male,Northampton,ERW,NFA,No,,Smith\n"
    result = sqlite_cli("data", "import", "referrals", str(write(tmp_path / "r.csv", text)))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "r.csv:2: column L has values but no header; give it a header or delete the column"
    )


def test_identifying_columns_are_refused_even_when_ignoring_extras(cli, tmp_path: Path) -> None:
    text = HEADER + ",Date of Birth\nR1,01/04/2020,Schools,16,,Male,Northampton,ERW,NFA,No,,\n"
    result = cli(
        "data", "import", "referrals", str(write(tmp_path / "r.csv", text)), "--ignore-extra"
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "r.csv:1: column 'Date of Birth' looks like directly identifying data (date of birth); "
        "tracker never stores identifying data: remove the column and export the file again",
        "error: import of r.csv: 1 problem found, nothing was changed: remove the identifying "
        "columns from the file, export it again and import that",
    ]
    assert counts(cli)["data_record"] == 0


# --- files that are not data ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "r.xlsx",
            bytes(range(256)) * 8,
            "error: r.xlsx is not a valid .xlsx workbook (it is not a zip archive): open it in "
            "Excel and save it as 'Excel Workbook (*.xlsx)', or export it as CSV",
        ),
        ("r.xlsx", b"", "error: r.xlsx is empty: save the workbook again and import it"),
        ("r.csv", b"", "error: r.csv is empty: export the data again with its header row"),
        (
            "r.csv",
            (HEADER + "\n\n").encode(),
            "error: r.csv has a header row but no data rows: add the data below the header row "
            "and import the file again",
        ),
        (
            "r.pdf",
            b"%PDF-1.4",
            "error: r.pdf has the extension '.pdf', which tracker does not import: save the "
            "data as .xlsx or .csv",
        ),
    ],
)
def test_malformed_files_give_one_clear_line(
    cli, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == message + "\n"
    assert "Traceback" not in result.output
    assert counts(cli)["data_record"] == 0


def test_unknown_data_set(sqlite_cli, tmp_path: Path) -> None:
    result = sqlite_cli("data", "import", "staff", str(write(tmp_path / "r.csv", GOOD)))
    assert result.exit_code == 1
    assert result.output == (
        "error: no data set 'staff' in the plan: use one of referrals, training\n"
    )


@pytest.mark.parametrize(("held", "chunk"), [(100, 2), (3, 2), (3, 100)])
def test_a_repeated_key_is_found_however_the_keys_are_held(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int, chunk: int
) -> None:
    """Keys are held in memory to show a file has none twice; past DISTINCT_HELD, or once
    one repeats, SQL finds them: the same lines either way, chunk by chunk or all at once."""
    import tracker.data.importer as importer
    import tracker.data.staging as staging

    monkeypatch.setattr(staging, "DISTINCT_HELD", held)
    monkeypatch.setattr(importer, "CHUNK", chunk)
    rows = [f"R{i},2020-04-0{i},Schools,16,,Male,Corby,ERW,NFA,No," for i in range(1, 7)]
    rows.insert(4, "R2,2020-04-09,Health,17,,Female,Corby,ERW,NFA,No,")
    path = write(tmp_path / "r.csv", "\n".join([HEADER, *rows, ""]))
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "r.csv:6: this row has the same reference as row 3 (R2); keep one of them, or "
        "correct the reference of the other"
    )
    assert counts(cli)["data_record"] == 0
    distinct = write(tmp_path / "d.csv", "\n".join([HEADER, *rows[:4], *rows[5:], ""]))
    result = cli("data", "import", "referrals", str(distinct))
    assert result.exit_code == 0, result.output
    assert counts(cli)["data_record"] == 6


# --- re-imports, updates and dry runs ----------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    assert cli("data", "import", "referrals", str(path)).exit_code == 0
    before = stored(cli, "referrals")
    result = cli("data", "import", "referrals", str(path))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "r.csv into referrals: 3 rows, all already stored as they are: no changes "
        "(nothing was written)\n"
        "  this file was imported before, as it is, under the same rules: its rows were not "
        "checked one by one again\n"
    )
    assert stored(cli, "referrals") == before
    assert counts(cli) == {"data_import": 1, "data_record": 3, "data_record_change": 0}
    # the same rows spelt differently (aliases, case, another date form) are the same rows
    respelt = GOOD.replace("31/03/2020", "2020-03-31").replace("Schools", "SCHOOL")
    again = cli("data", "import", "referrals", str(write(tmp_path / "r2.csv", respelt)))
    assert "no changes" in again.output
    assert counts(cli)["data_import"] == 1


def test_a_changed_row_is_updated_with_its_history(cli, tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from tracker.db.models import DataImport, DataRecordChange

    cli("data", "import", "referrals", str(write(tmp_path / "r.csv", GOOD)))
    changed = GOOD.replace("Adopted,NO", "Discussed at Channel,NO").replace("R-0002", "R-0009")
    result = cli(
        "data", "import", "referrals", str(write(tmp_path / "r2.csv", changed)), "--by", "a@x.org"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Imported r2.csv into referrals: 3 rows, 1 added, 1 updated, 1 unchanged",
        "  1 record already held in referrals is not in this file and left as they are",
    ]
    records = stored(cli, "referrals")
    assert records["R-0003"]["outcome"] == "Discussed at Channel panel"
    assert set(records) == {"R-0001", "R-0002", "R-0003", "R-0009"}
    engine = _engine(cli)
    try:
        with Session(engine) as s:
            history = s.exec(select(DataRecordChange)).all()
            assert len(history) == 1
            assert history[0].old_values["outcome"] == "Adopted as Channel case"
            imports = s.exec(select(DataImport).order_by(DataImport.id)).all()
            assert [(i.filename, i.added, i.updated, i.unchanged, i.by) for i in imports] == [
                ("r.csv", 3, 0, 0, None),
                ("r2.csv", 1, 1, 1, "a@x.org"),
            ]
            assert history[0].import_id == imports[1].id
            assert len(imports[1].sha256) == 64
    finally:
        engine.dispose()


def test_dry_run_shows_the_changes_and_writes_nothing(cli, tmp_path: Path) -> None:
    cli("data", "import", "referrals", str(write(tmp_path / "r.csv", GOOD)))
    changed = GOOD.replace("Adopted,NO", "Discussed at Channel,NO").replace("R-0002", "R-0009")
    path = write(tmp_path / "r2.csv", changed)
    before = stored(cli, "referrals")
    result = cli("data", "import", "referrals", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Dry run: r2.csv into referrals: 3 rows checked, no problems; 1 would be added, "
        "1 updated, 1 unchanged. Nothing was written.",
        "  1 record already held in referrals is not in this file and left as they are",
        "  add     R-0009",
        "  update  R-0003: outcome 'Adopted as Channel case' -> 'Discussed at Channel panel'",
    ]
    assert stored(cli, "referrals") == before
    assert counts(cli) == {"data_import": 1, "data_record": 3, "data_record_change": 0}


def test_json_result(cli, tmp_path: Path) -> None:
    result = cli(
        "data", "import", "referrals", str(write(tmp_path / "r.csv", GOOD)), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {k: document[k] for k in ("dataset", "file", "rows", "added", "dry_run")} == {
        "dataset": "referrals",
        "file": "r.csv",
        "rows": 3,
        "added": 3,
        "dry_run": False,
    }
    assert document["changes"][0] == {"key": ["R-0001"], "change": "added", "fields": {}}
    assert isinstance(document["import_id"], int)


def test_import_file_api_on_engine(engine, tmp_path: Path) -> None:
    """The library function, without the CLI: dry run, import, re-import."""
    from tracker.data.importer import import_file
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    parsed = load_plan(Path(__file__).resolve().parent.parent / "objectives.yaml")
    sync_plan(engine, parsed, source="objectives.yaml")
    plan = parsed.plan
    path = write(tmp_path / "r.csv", GOOD)
    dry = import_file(engine, plan, "referrals", path, dry_run=True, progress=False)
    assert (dry.added, dry.import_id) == (3, None)
    done = import_file(engine, plan, "referrals", path, by="x@example.org", progress=False)
    assert (done.added, done.updated, done.unchanged) == (3, 0, 0)
    assert done.import_id is not None
    again = import_file(engine, plan, "referrals", path, progress=False)
    assert again.no_changes and again.import_id is None and again.unchanged == 3


# --- cells --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-04-01", date(2020, 4, 1)),
        (" 2020-4-1 ", date(2020, 4, 1)),
        ("2020-04-01T10:30:00", date(2020, 4, 1)),
        ("01/04/2020", date(2020, 4, 1)),
        ("1/4/2020", date(2020, 4, 1)),
        ("01.04.2020", date(2020, 4, 1)),
        ("01-04-2020", date(2020, 4, 1)),
        ("01/04/2020 00:00", date(2020, 4, 1)),
        ("1 April 2020", date(2020, 4, 1)),
        ("1st Apr 2020", date(2020, 4, 1)),
        ("01-Apr-2020", date(2020, 4, 1)),
        (date(2020, 4, 1), date(2020, 4, 1)),
        (datetime(2020, 4, 1, 23, 59), date(2020, 4, 1)),
    ],
)
def test_dates_accepted(raw: Any, expected: date) -> None:
    from tracker.data.fields import parse_date_cell

    assert parse_date_cell("received_on", raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("04/01/20", "received_on '04/01/20' has a two-digit year, which is ambiguous"),
        ("1-Apr-20", "received_on '1-Apr-20' has a two-digit year, which is ambiguous"),
        ("2020/04/01", "received_on '2020/04/01' is ambiguous (year first with slashes)"),
        ("04/13/2020", "received_on '04/13/2020' is not a real date; dates are read day first"),
        ("29/02/2021", "received_on '29/02/2021' is not a real date"),
        ("April 1, 2020", "received_on 'April 1, 2020' is not a date"),
        (43922, "received_on 43922 is a number, not a date"),
        (43922.5, "received_on 43922.5 is a number, not a date"),
        (True, "received_on TRUE is not a date"),
        ("01/04/1820", "received_on '01/04/1820' is outside the years 1900 to 2100"),
    ],
)
def test_dates_refused(raw: Any, message: str) -> None:
    from tracker.data.fields import CellError, parse_date_cell

    with pytest.raises(CellError) as caught:
        parse_date_cell("received_on", raw)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12", 12), (12, 12), (12.0, 12), ("12.0", 12), (" 12 ", 12), ("1,200", 1200), ("-3", -3)],
)
def test_integers_accepted(raw: Any, expected: int) -> None:
    from tracker.data.fields import parse_integer_cell

    assert parse_integer_cell("age", raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 12.5, "twelve", True, "1,20", "12 years"])
def test_integers_refused(raw: Any) -> None:
    from tracker.data.fields import CellError, parse_integer_cell

    with pytest.raises(CellError, match="is not a whole number"):
        parse_integer_cell("age", raw)


def test_derived_periods_follow_the_plans_financial_year() -> None:
    from tracker.data.fields import RowBuilder
    from tracker.plan.loader import load_plan

    plan = load_plan(Path(__file__).resolve().parent.parent / "objectives.yaml").plan
    referrals = plan.dataset("referrals")
    assert referrals is not None
    cells = {
        "reference": "A",
        "received_on": "31/03/2020",
        "sector": "schools",
        "gender": "m",
        "district": "Corby",
        "concern": "erw",
        "outcome": "nfa",
        "safeguarding_concern": "n",
    }
    april = RowBuilder(referrals).build(cells)
    assert (april["received_on_quarter"], april["received_on_year"]) == ("2019/20 Q4", "2019/20")
    calendar = RowBuilder(referrals, financial_year_start_month=1).build(cells)
    assert (calendar["received_on_quarter"], calendar["received_on_year"]) == ("2020 Q1", "2020")
    assert april["age"] is None and april["age_band"] is None
    assert (
        RowBuilder(referrals).build({**cells, "received_on": "2020-04-01"})["received_on_quarter"]
        == "2020/21 Q1"
    )


def test_two_sessions_alike_in_everything_are_told_apart_by_reference(cli, tmp_path) -> None:
    header = "delivered_on,course,sector,organisation,district,attendees,format,reference\n"
    same = "2020-05-01,WRAP,Health,NHS Trust (example),Corby,{n},In person,{ref}\n"
    clash = tmp_path / "clash.csv"
    clash.write_text(header + same.format(n=12, ref="") + same.format(n=15, ref=""), "utf-8")
    result = cli("data", "import", "training", str(clash), TRACKER_USER="")
    assert result.exit_code == 1
    assert "keep one of them, or give each its own reference" in result.output

    told_apart = tmp_path / "sessions.csv"
    told_apart.write_text(
        header + same.format(n=12, ref="WRAP-1") + same.format(n=15, ref="WRAP-2"), "utf-8"
    )
    result = cli("data", "import", "training", str(told_apart), "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"added": 2' in result.output
    summary = cli("data", "summary", "training", "--by", "course", "--format", "json")
    assert '"count": 27' in summary.output
