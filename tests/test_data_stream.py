"""Imports checked in chunks and staged: same answers as row by row, and the new refusals.

Covers the rules added with streamed imports: chunked checking gives exactly
what ``RowBuilder`` gives row by row; an unclosed quote is named with its line;
dates after today (or the as-of date passed in) and dates more than ten years
before the strategy are refused; records stored by an earlier version's JSON
serialiser are still recognised as unchanged; the importer prints nothing and
imports no CLI library.
"""

from __future__ import annotations

import ast
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.test_data_import import GOOD, HEADER, counts, stored, write

REPO = Path(__file__).resolve().parent.parent


def _plan() -> Any:
    from tracker.plan.loader import load_plan

    return load_plan(REPO / "objectives.yaml").plan


MESSY = [
    ["R1", "31/03/2020", "Schools", "16", "", "Male", "Northampton", "Islamist", "NFA", "No", ""],
    ["R2", "2020-04-01", "policing (non-ct)", "", "18-20", "f", "corby", "ERW", "nfa", "y", ""],
    ["R3", "bad", "Nowhere", "x", "", "", "Kettering", "MUU", "Adopted", "NO", "01.05.2020"],
    ["R4", "01/05/2020", "Health", "40", "Under 15", "Male", "Kettering", "MUU", "NFA", "No", ""],
    ["R5", "01/05/2020", "Health", "400", "", "Male", "Kettering", "MUU", "NFA", "No", "1/4/2020"],
    ["", "", "", "", "", "", "", "", "", "", ""],
    ["R7", "01/05/2020", "Health", "12", "", "Male", "Kettering", "MUU", "NFA", "No", "NN1 1AA"],
    ["R8", "01/05/2020", "Health", "12", "", "Male", "Kettering", "MUU", "NFA", "No", "02/05/2020"],
]


def test_chunks_give_exactly_what_rows_give() -> None:
    from tracker.data.fields import RowBuilder, RowErrors
    from tracker.data.rows import ChunkBuilder

    plan = _plan()
    dataset = plan.dataset("referrals")
    names = [f.name for f in dataset.fields]
    one = RowBuilder(dataset, latest=date(2021, 3, 31), earliest=plan.plan.start)
    many = ChunkBuilder(
        RowBuilder(dataset, latest=date(2021, 3, 31), earliest=plan.plan.start), names
    )
    rows = MESSY * 3  # again, so that cached values are used too
    chunked = many.build(rows)
    for cells, got in zip(rows, chunked, strict=True):
        try:
            expected: Any = one.build(dict(zip(names, cells, strict=True)))
        except RowErrors as exc:
            assert isinstance(got, RowErrors), cells
            assert got.problems == exc.problems
            assert got.values == exc.values
        else:
            assert got == expected
            assert list(got) == list(expected)  # the stored key order too


def test_an_unclosed_quote_is_named_with_its_line(sqlite_cli, tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        f"{HEADER}\n"
        "R-0001,31/03/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,14/04/2020\n"
        '"R-0002,01/04/2020,Health,40,,Male,Corby,MUU,NFA,No,\n'
        "R-0003,01/04/2020,Health,40,,Male,Corby,MUU,NFA,No,\n"
        "R-0004,01/04/2020,Health,40,,Male,Corby,MUU,NFA,No,\n",
    )
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "error: r.csv has an unclosed quote starting on line 3 (everything after it would be "
        'read as one cell): add the closing " on that line, or export the file again\n'
    )
    assert counts(sqlite_cli)["data_record"] == 0


def test_a_cell_over_the_csv_limit_is_named_as_such(sqlite_cli, tmp_path: Path) -> None:
    long = "x" * 200_000  # one cell, its quotes closed: not mistaken for an unclosed quote
    path = write(
        tmp_path / "r.csv",
        f"{HEADER}\n"
        "R-0001,31/03/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,14/04/2020\n"
        f'R-0002,01/04/2020,Health,40,,Male,Corby,MUU,"{long}",No,\n',
    )
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert result.output == (
        "error: r.csv:3 has a cell of more than 131,072 characters, far more than any column "
        "tracker imports: remove the long text from that row, or export the file again\n"
    )
    assert counts(sqlite_cli)["data_record"] == 0


def test_an_integer_too_large_for_python_is_a_cell_error(sqlite_cli, tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        f"{HEADER}\n"
        f"R-0001,31/03/2020,Schools,{'9' * 5000},,Male,Northampton,Islamist,NFA,No,14/04/2020\n"
        f"R-0002,31/03/2020,Schools,{'9' * 20},,Male,Northampton,Islamist,NFA,No,14/04/2020\n",
    )
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "r.csv:2" in result.output and "r.csv:3" in result.output
    assert (
        "r.csv:2: age '99999" in result.output
        and "is too large to be a whole number" in result.output
    )
    assert "r.csv:3: age 99999999999999999999 is above the maximum" in result.output
    assert counts(sqlite_cli)["data_record"] == 0


def test_quoted_cells_over_several_lines_are_still_fine(sqlite_cli, tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.csv",
        f"{HEADER}\n"
        'R-0001,31/03/2020,Schools,16,,Male,Northampton,Islamist,"No further\naction",No,\n'
        'R-0002,01/04/2020,Health,40,,Male,Corby,MUU,"No further\naction",No,\n',
    )
    result = sqlite_cli("data", "import", "referrals", str(path))
    assert result.exit_code == 0, result.output  # the last row spans lines, its quote closed
    assert counts(sqlite_cli)["data_record"] == 2


def test_future_dates_and_dates_long_before_the_strategy_are_refused(
    engine, tmp_path: Path
) -> None:
    from tracker.data.importer import import_file
    from tracker.errors import DataFileError
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    parsed = load_plan(REPO / "objectives.yaml")
    sync_plan(engine, parsed, source="objectives.yaml")
    path = write(
        tmp_path / "r.csv",
        f"{HEADER}\n"
        "R-0001,30/06/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,\n"
        "R-0002,01/07/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,\n"
        "R-0003,01/04/2020,Schools,16,,Male,Northampton,Islamist,NFA,No,02/07/2020\n"
        "R-0004,01/04/1920,Schools,16,,Male,Northampton,Islamist,NFA,No,\n"
        "R-0005,01/04/2011,Schools,16,,Male,Northampton,Islamist,NFA,No,\n",
    )
    with pytest.raises(DataFileError) as caught:
        import_file(engine, parsed.plan, "referrals", path, today=date(2020, 6, 30))
    start = parsed.plan.plan.start.isoformat()
    assert caught.value.details() == [
        "r.csv:3: received_on 2020-07-01 is in the future (today is 2020-06-30); check the date",
        "r.csv:4: decided_on 2020-07-02 is in the future (today is 2020-06-30); check the date",
        f"r.csv:5: received_on 1920-04-01 is more than 10 years before the strategy starts "
        f"({start}); check the year",
    ]
    # A year later the same file is fine except for 1920 (2011 is within ten years).
    with pytest.raises(DataFileError) as caught:
        import_file(engine, parsed.plan, "referrals", path, today=date(2021, 6, 30))
    assert [d.split(":")[1] for d in caught.value.details()] == ["5"]


def test_records_stored_by_an_earlier_version_count_as_unchanged(cli, tmp_path: Path) -> None:
    from sqlalchemy import text

    from tests.test_data_import import _engine

    path = write(tmp_path / "r.csv", GOOD)
    assert cli("data", "import", "referrals", str(path)).exit_code == 0
    before = stored(cli, "referrals")
    engine = _engine(cli)
    try:  # rewrite the stored text as json.dumps did (spaces, escapes): same values
        with engine.begin() as conn:
            for key, values in before.items():
                conn.execute(
                    text('UPDATE data_record SET "values" = :v WHERE key = :k'),
                    {"v": json.dumps(values, ensure_ascii=True, indent=1), "k": key},
                )
    finally:
        engine.dispose()
    again = cli("data", "import", "referrals", str(path), "--format", "json")
    assert again.exit_code == 0, again.output
    document = json.loads(again.output)
    assert (document["added"], document["updated"], document["unchanged"]) == (0, 0, 3)
    assert counts(cli) == {"data_import": 1, "data_record": 3, "data_record_change": 0}


def test_importer_prints_nothing_and_imports_no_cli_library() -> None:
    for module in ("importer", "staging", "rows", "columns", "csvfile", "table", "readers"):
        tree = ast.parse((REPO / "tracker" / "data" / f"{module}.py").read_text())
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {m for m in imported if m.split(".")[0] in ("typer", "rich", "click")}, module
        calls = {
            n.func.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert "print" not in calls, module
