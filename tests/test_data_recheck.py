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
