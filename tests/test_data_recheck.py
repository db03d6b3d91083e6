"""Importing the same file again: its rows are taken as checked only when nothing they depend on
changed (tracker.data.fingerprint), and the answer is the one a full check gives.

Runs on SQLite and PostgreSQL (the ``cli`` fixture). Each case compares the
re-import taken as checked with ``--recheck`` (every row checked and compared
as on a first import): the counts must be the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.test_data_import import GOOD, HEADER, _engine, counts, stored, write

MORE = f"""{HEADER}
R-0004,02/04/2020,Schools,15,,Female,Corby,Islamist,No further action,No,
R-0005,03/04/2020,Health,30,,Male,Daventry,MUU,Adopted,No,
"""


def result(cli: Any, *args: str) -> dict[str, Any]:
    out = cli("data", "import", *args, "--format", "json")
    assert out.exit_code == 0, out.output
    found: dict[str, Any] = json.loads(out.output)
    return found


def counted(found: dict[str, Any]) -> tuple[int, ...]:
    return tuple(found[k] for k in ("rows", "added", "updated", "unchanged", "not_in_file"))


def execute(cli: Any, sql: str) -> None:
    from sqlalchemy import text

    engine = _engine(cli)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


def test_the_same_file_is_taken_as_checked_and_counts_as_a_full_check(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    first = result(cli, "referrals", str(path))
    assert first["rows_checked"] is True and first["added"] == 3
    before = stored(cli, "referrals")
    again = result(cli, "referrals", str(path))
    assert again["rows_checked"] is False
    full = result(cli, "referrals", str(path), "--recheck")
    assert full["rows_checked"] is True
    assert counted(again) == counted(full) == (3, 0, 0, 3, 0)
    assert stored(cli, "referrals") == before
    assert counts(cli) == {"data_import": 1, "data_record": 3, "data_record_change": 0}
    dry = cli("data", "import", "referrals", str(path), "--dry-run")
    assert dry.exit_code == 0
    assert "3 rows checked before, no problems" in dry.output


def test_records_held_but_not_in_the_file_and_withdrawn_ones_count_the_same(
    cli, tmp_path: Path
) -> None:
    assert result(cli, "referrals", str(write(tmp_path / "more.csv", MORE)))["added"] == 2
    path = write(tmp_path / "r.csv", GOOD)
    assert result(cli, "referrals", str(path))["added"] == 3
    withdrawn = cli(
        "data", "withdraw", "referrals", "R-0002", "--reason", "entered twice by mistake",
        TRACKER_USER="plan.administrator@example.org",
    )  # fmt: skip
    assert withdrawn.exit_code == 0, withdrawn.output
    again = result(cli, "referrals", str(path))
    full = result(cli, "referrals", str(path), "--recheck")
    assert again["rows_checked"] is False
    # R-0002 is withdrawn (in the file, unchanged); R-0004 and R-0005 are held, not in it.
    assert counted(again) == counted(full) == (3, 0, 0, 3, 2)


def test_any_change_to_the_file_checks_every_row(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    result(cli, "referrals", str(path))
    write(path, GOOD + "\n")  # one byte more: another file
    assert result(cli, "referrals", str(path))["rows_checked"] is True
    bad = write(tmp_path / "bad.csv", GOOD.replace("R-0003", "R-0003 on 07700 900123"))
    refused = cli("data", "import", "referrals", str(bad))
    assert refused.exit_code == 1
    assert "phone number" in refused.output


def test_a_change_to_the_plan_or_an_earlier_today_checks_every_row(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    result(cli, "referrals", str(path))
    # The file was checked against today: as of an earlier day it must be checked again.
    execute(cli, "UPDATE data_import SET checked_through = '2999-01-01'")
    assert result(cli, "referrals", str(path))["rows_checked"] is True
    # That check found nothing different, so it vouches for the file from now on.
    assert result(cli, "referrals", str(path))["rows_checked"] is False
    plan_file = cli.workspace / "objectives.yaml"
    text = plan_file.read_text(encoding="utf-8")
    changed = text.replace(
        "aliases: [school, schools (education)]", "aliases: [school, state school]"
    )
    assert changed != text
    plan_file.write_text(changed, encoding="utf-8")
    loaded = cli("plan", "load")
    assert loaded.exit_code == 0, loaded.output
    assert result(cli, "referrals", str(path))["rows_checked"] is True


def test_a_file_is_vouched_for_only_by_the_latest_import(cli, tmp_path: Path) -> None:
    first = write(tmp_path / "r.csv", GOOD)
    result(cli, "referrals", str(first))
    changed = write(tmp_path / "r2.csv", GOOD.replace("Kettering", "Corby"))
    assert result(cli, "referrals", str(changed))["updated"] == 1
    # The first file again: the records now hold the second's values, so check and update.
    back = result(cli, "referrals", str(first))
    assert back["rows_checked"] is True
    assert back["updated"] == 1


def test_records_that_cannot_hold_the_file_are_checked_in_full(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    result(cli, "referrals", str(path))
    # Not something tracker does (records are never deleted): the file is checked and stored.
    execute(cli, "DELETE FROM data_record WHERE key = 'R-0003'")
    again = result(cli, "referrals", str(path))
    assert again["rows_checked"] is True
    assert counted(again) == (3, 1, 0, 2, 0)


def test_a_file_that_changes_while_it_is_read_is_neither_trusted_nor_vouched_for(
    sqlite_cli, tmp_path: Path, monkeypatch: Any
) -> None:
    import itertools

    from tracker.data import importer

    path = write(tmp_path / "r.csv", GOOD)
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is True
    real = importer._file_state
    calls = itertools.count()

    def changing(p: Path) -> Any:  # a sync tool replacing the file between hash and read
        state = real(p)
        return None if state is None else (*state[:3], state[3] + next(calls))

    monkeypatch.setattr(importer, "_file_state", changing)
    again = result(sqlite_cli, "referrals", str(path))
    assert again["rows_checked"] is True  # taken as checked, then seen to change: checked
    assert counted(again) == (3, 0, 0, 3, 0)
    monkeypatch.setattr(importer, "_file_state", real)
    execute(sqlite_cli, "UPDATE data_import SET check_digest = NULL")
    monkeypatch.setattr(importer, "_file_state", changing)
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is True
    monkeypatch.setattr(importer, "_file_state", real)
    # What was read was not what was hashed: nothing was vouched for, so all is checked again.
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is True
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is False


def test_without_the_source_of_its_checks_no_file_is_taken_as_checked(
    sqlite_cli, tmp_path: Path, monkeypatch: Any
) -> None:
    from tracker.data import fingerprint

    monkeypatch.setattr(fingerprint, "_rules", lambda: None)
    path = write(tmp_path / "r.csv", GOOD)
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is True
    assert result(sqlite_cli, "referrals", str(path))["rows_checked"] is True


def test_the_digest_covers_the_checking_code_and_its_libraries() -> None:
    from tracker.data import fingerprint

    rules = fingerprint._rules()
    assert rules is not None and len(rules) == 64
    assert "tracker/data" in fingerprint._RULE_SOURCES and "orjson" in fingerprint._RULE_LIBRARIES
