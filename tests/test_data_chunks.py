"""The importer's fast path for a chunk without problems gives exactly what row by row gives.

``ChunkBuilder.encode`` assembles each row's stored JSON from per-value pieces
and screens text columns all at once (tracker/data/screen.py). These tests pin
that it is byte for byte ``orjson.dumps`` of the values ``RowBuilder`` builds,
with the same keys; that it declines (None) exactly when some row has a
problem, so the exact path reports it; and that the column screen never
passes a cell one of the privacy checks would refuse.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.test_data_import import counts
from tests.test_data_stream import MESSY

REPO = Path(__file__).resolve().parent.parent


def _plan() -> Any:
    from tracker.plan.loader import load_plan

    return load_plan(REPO / "objectives.yaml").plan


def _builders(dataset_name: str) -> tuple[Any, Any, list[str]]:
    from tracker.data.fields import RowBuilder
    from tracker.data.rows import ChunkBuilder

    plan = _plan()
    dataset = plan.dataset(dataset_name)
    names = [f.name for f in dataset.fields]
    one = RowBuilder(dataset, latest=date(2021, 3, 31), earliest=plan.plan.start)
    many = ChunkBuilder(
        RowBuilder(dataset, latest=date(2021, 3, 31), earliest=plan.plan.start), names
    )
    return one, many, names


def _expected(one: Any, names: list[str], rows: list[list[Any]]) -> tuple[list[str], list[str]]:
    from tracker.data.staging import dumps

    keys, values = [], []
    for cells in rows:
        built = one.build(dict(zip(names, cells, strict=True)))
        keys.append(one.key_of(built))
        values.append(dumps(built))
    return keys, values


def _spellings(field: Any) -> list[str]:
    found: list[str] = []
    for v in field.values or []:
        found += [v.value, v.value.upper(), f"  {v.value.lower()} ", *v.aliases]
    return found


def _referrals(rng: random.Random, count: int, references: list[str]) -> list[list[Any]]:
    dataset = _plan().dataset("referrals")
    spell = {f.name: _spellings(f) for f in dataset.fields if f.type == "category"}
    bands = {"Under 15": 14, "15 to 17": 17, "18 to 20": 20, "21 to 30": 30, "31 to 40": 40}
    rows = []
    for i in range(count):
        day = date(2012, 4, 1).toordinal() + rng.randrange(3000)
        received = date.fromordinal(day)
        forms = [received.isoformat(), received.strftime("%d/%m/%Y"), f"{received:%-d %B %Y}"]
        decided = "" if rng.random() < 0.3 else date.fromordinal(day + rng.randrange(40))
        age: Any = rng.choice(["", str(rng.randint(8, 70)), rng.randint(8, 70), "1,000"[:1]])
        band = ""
        if age == "" and rng.random() < 0.5:
            band = rng.choice(spell["age_band"])
        elif age != "" and rng.random() < 0.3:
            years = int(age)
            band = next((b for b, top in bands.items() if years <= top), "41 and over")
        rows.append(
            [
                references[i % len(references)] + f"-{i}",
                rng.choice(forms),
                rng.choice(spell["sector"]),
                age,
                band,
                rng.choice(spell["gender"]),
                rng.choice(spell["district"]),
                rng.choice(spell["concern"]),
                rng.choice(spell["outcome"]),
                rng.choice(spell["safeguarding_concern"]),
                "" if decided == "" else decided.strftime("%d/%m/%Y"),
            ]
        )
    return rows


@pytest.mark.parametrize(
    "references",
    [
        ["SYN-B0000001"],
        ["REF/2020", "ref 12", "A"],
        ['R "quoted"', "back\\slash", "tab\there", "per%cent %s", "café", "new\nline"],
        ["Born Free", "DOB-less", "R 07700", "NN1", "QQ12", "ref+1", "#1"],  # screened, all fine
    ],
)
def test_encode_is_byte_for_byte_what_rows_give(references: list[str]) -> None:
    one, many, names = _builders("referrals")
    rows = _referrals(random.Random(len(references)), 400, references)
    expected = _expected(one, names, rows)
    assert many.encode(rows) == expected
    assert many.encode(rows) == expected  # again, from the caches


def test_encode_of_training_rows() -> None:
    one, many, names = _builders("training")
    dataset = _plan().dataset("training")
    spell = {f.name: _spellings(f) for f in dataset.fields if f.type == "category"}
    rng = random.Random(3)
    rows = []
    for i in range(300):
        row: list[Any] = []
        for f in dataset.fields:
            if f.type == "category":
                row.append(rng.choice(spell[f.name]))
            elif f.type == "date":
                row.append(date(2019, 4, 1 + i % 28).strftime("%d/%m/%Y"))
            elif f.type == "integer":
                row.append(str(rng.randint(1, 99)))
            else:
                row.append(f"Example organisation {i}")
        rows.append(row)
    assert many.encode(rows) == _expected(one, names, rows)


def test_encode_declines_exactly_when_a_row_has_a_problem() -> None:
    from tracker.data.fields import RowErrors

    one, many, names = _builders("referrals")
    good = _referrals(random.Random(5), 50, ["SYN"])
    for bad in MESSY:
        try:
            one.build(dict(zip(names, bad, strict=True)))
        except RowErrors:
            assert many.encode([*good, bad]) is None, bad
            assert any(isinstance(r, RowErrors) for r in many.build([*good, bad]))
        else:
            assert many.encode([*good, bad]) == _expected(one, names, [*good, bad])


def test_the_column_screen_matches_the_privacy_patterns_it_was_written_for() -> None:
    from tracker.data import screen

    # If this fails, tracker/privacy.py changed: review the conditions in screen.py against
    # the new patterns, then set PATTERNS to the new fingerprint.
    assert screen.fingerprint() == screen.PATTERNS
    assert screen.ENABLED


PIECES = [
    "07700 900123", "+44 7700 900123", "NN1 1AA", "QQ123456C", "QQ 12 34 56 C", "943 476 5919",
    "9434765919", "DOB", "d.o.b:", "born on", "date of birth", "birthday", "2009", "03/04/2009",
    "3 April 2009", "a@b.example", "#N/A", "#REF!", " ", "-", "/", ".", ":", ",", "0", "1", "4",
    "9", "12", "345", "6789", "A", "B", "c", "D", "Q", "N", "z", "SYN-", "ref", "on", "the",
    "nn1 1aa", "3rd", "1ST", "NHS ", "nhs no ", "(", ")", "(0)", "0044", "\t", "\n", "  ", "\x1f",
    "07700.900.123", "(01604) 123456", "qq.12.34.56.c", "Tel", "mob ", "_", "(at)", "[AT]",
    "0800 789 321", "born April ", "2009", "7700 900123", "j @ b.example", "\x01", "|",
]  # fmt: skip


def test_the_column_screen_never_passes_a_cell_the_checks_refuse() -> None:
    from tracker.data.fields import EXCEL_ERRORS, MAX_TEXT
    from tracker.data.screen import column_clear
    from tracker.privacy import identifying_value

    rng = random.Random(11)
    caught = passed = 0
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6))).strip()
        if not text:
            continue
        refused = (
            identifying_value(text) is not None
            or text.upper() in EXCEL_ERRORS
            or len(text) > MAX_TEXT
        )
        clear = column_clear(["SYN-B0000001", text, "SYN-B0000002"], MAX_TEXT)
        if refused:
            assert not clear, text
            caught += 1
        elif clear:
            passed += 1
    assert caught > 1000 and passed > 1000  # both sides were exercised
    assert not column_clear(["x" * (MAX_TEXT + 1)], MAX_TEXT)
    assert not column_clear(["caf\u00e9"], MAX_TEXT)  # not ASCII: cell by cell
    assert not column_clear(["a\u202eb"], MAX_TEXT)


def test_workbook_cells_of_every_kind_are_cached_apart() -> None:
    """1, 1.0 and True are equal dictionary keys: each kind of cell has its own cache."""
    from datetime import datetime

    from tracker.data.fields import RowErrors

    one, many, names = _builders("referrals")
    ages: list[Any] = [12, 12.0, True, None, 12.5, "12", 40, 40.0, False, 0]
    received: list[Any] = [datetime(2020, 4, 1), date(2020, 4, 1), "01/04/2020", None, 43922]
    rows = []
    for i in range(60):
        cells = [f"R{i}", received[i % 5], "Schools", ages[i % 10], None, "Male", "Corby"]
        rows.append([*cells, "ERW", "NFA", "No", None])
    for chunk in (rows, rows[:3], [r for r in rows if r[3] in (12, 40) and r[1] is not None]):
        for cells, got in zip(chunk, many.build(chunk), strict=True):
            try:
                expected: Any = one.build(dict(zip(names, cells, strict=True)))
            except RowErrors as exc:
                assert isinstance(got, RowErrors) and got.problems == exc.problems, cells
            else:
                assert got == expected, cells
    clean = [r for r in rows if type(r[3]) is int and type(r[1]) is datetime]
    assert clean and many.encode(clean) == _expected(one, names, clean)


def test_the_collector_is_back_as_it_was_after_an_import(engine, tmp_path: Path) -> None:
    import gc

    from tests.test_data_import import HEADER
    from tracker.data.importer import import_file
    from tracker.errors import DataFileError
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    parsed = load_plan(REPO / "objectives.yaml")
    sync_plan(engine, parsed, source="objectives.yaml")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nR1,31/02/2020,Schools,16,,Male,Corby,ERW,NFA,No,\n")
    assert gc.isenabled()
    with pytest.raises(DataFileError):
        import_file(engine, parsed.plan, "referrals", bad, today=date(2021, 3, 31))
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(DataFileError):
            import_file(engine, parsed.plan, "referrals", bad, today=date(2021, 3, 31))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_import_command_leaves_the_collector_on(sqlite_cli, tmp_path: Path) -> None:
    """The command pauses the collector from its start (tracker.collector), for its imports
    too, and turns it back on whether the file imports or is refused."""
    import gc

    from tests.test_data_import import GOOD, HEADER, write

    good = write(tmp_path / "good.csv", GOOD)
    bad = write(
        tmp_path / "bad.csv", f"{HEADER}\nR1,31/02/2020,Schools,16,,Male,Corby,ERW,NFA,No,\n"
    )
    assert gc.isenabled()
    assert sqlite_cli("data", "import", "referrals", str(good)).exit_code == 0
    assert gc.isenabled()
    assert sqlite_cli("data", "import", "referrals", str(bad)).exit_code == 1
    assert gc.isenabled()


def test_an_import_killed_part_way_stores_nothing(sqlite_cli, tmp_path: Path) -> None:
    """kill -9 while a file is checked, staged or stored: no row of it is in the data set,
    the database is sound, and the same file then imports whole."""
    import os
    import signal
    import subprocess
    import sys
    import time

    lines = [
        f"SYN-{i:06d},01/04/2020,Schools,{8 + i % 60},,Male,Corby,ERW,NFA,No,02/04/2020"
        for i in range(30_000)
    ]
    path = write_csv(tmp_path / "big.csv", lines)
    command = [sys.executable, str(REPO / "cli.py"), "data", "import", "referrals", str(path)]
    command += ["--workspace", str(sqlite_cli.workspace)]
    env = {**os.environ, "TRACKER_USER": "plan.administrator@example.org"}
    killed_before_commit = 0
    for delay in (0.5, 1.5, 3.0):
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.communicate()
        held = counts(sqlite_cli)["data_record"]
        assert held in (0, len(lines)), (delay, held)  # all or nothing, whenever it died
        if held == len(lines):  # it committed first (killed while exiting, or it finished)
            assert child.returncode in (0, -signal.SIGKILL)
            break
        killed_before_commit += 1
    assert killed_before_commit  # at least one kill landed before the commit
    finished = subprocess.run(command, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert counts(sqlite_cli)["data_record"] == len(lines)


def write_csv(path: Path, lines: list[str]) -> Path:
    from tests.test_data_import import HEADER

    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_the_quick_reading_of_plain_dates_agrees_with_the_full_rules() -> None:
    """YYYY-MM-DD and DD/MM/YYYY of ten characters are read directly; with a trailing space
    the same text goes through every rule: the two must agree on each date and each error."""
    import random

    from tracker.data.fields import CellError, parse_date_cell

    rng = random.Random(11)
    samples = ["31/02/2020", "2020-02-30", "0000-01-01", "9999-12-31", "٢٠٢٠-04-01", "²020-04-01"]
    for _ in range(2000):
        samples.append(
            f"{rng.randint(0, 39):02d}/{rng.randint(0, 14):02d}/{rng.randint(1890, 2105)}"
        )
        samples.append(
            f"{rng.randint(1890, 2105)}-{rng.randint(0, 14):02d}-{rng.randint(0, 39):02d}"
        )

    def read(raw: str) -> tuple[str, str]:
        try:
            return "date", parse_date_cell("received_on", raw).isoformat()
        except CellError as exc:
            return "error", str(exc).replace(repr(raw.strip()) + " ", "").replace(
                repr(raw) + " ", ""
            )

    for raw in samples:
        assert read(raw) == read(raw + " "), raw


def test_sqlite_pages_are_16_kib_for_the_records_and_the_stage(tmp_path: Path) -> None:
    """Records and staged rows are ~500 bytes of JSON: both go in 16 KiB pages."""
    from tracker.data.staging import staged
    from tracker.db.engine import SQLITE_PAGE_SIZE, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE t (a)")
            connection.commit()
            assert connection.exec_driver_sql("PRAGMA page_size").scalar() == SQLITE_PAGE_SIZE
        with staged(engine, "referrals") as stage:
            stage.add([(2, "R1", "{}")])
            assert stage._raw("PRAGMA temp.page_size") == [(SQLITE_PAGE_SIZE,)]
    finally:
        engine.dispose()


def test_the_stage_is_indexed_before_the_lock_when_records_are_held(engine, tmp_path: Path) -> None:
    """The index on the stage is built before the import takes its write lock when the data
    set holds records to compare; a first import with distinct keys needs none (SQLite)."""
    from tests.test_data_import import GOOD
    from tracker.data.importer import import_file
    from tracker.data.staging import staged
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    parsed = load_plan(REPO / "objectives.yaml")
    sync_plan(engine, parsed, source="objectives.yaml")
    with staged(engine, "referrals") as stage:
        stage.add([(2, "R-0001", "{}"), (3, "R-0009", "{}")])
        stage.index()
        assert stage._indexed is stage.postgresql  # nothing held yet
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    import_file(engine, parsed.plan, "referrals", good, today=date(2021, 3, 31))
    with staged(engine, "referrals") as stage:
        stage.add([(2, "R-0001", "{}"), (3, "R-0009", "{}")])
        assert not stage.connection.in_transaction()
        stage.index()
        assert stage._indexed
