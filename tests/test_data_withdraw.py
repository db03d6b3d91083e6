"""``tracker data withdraw``: a record imported by mistake leaves every count, its history stays."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_data_import import GOOD, _engine, counts, write

ADMIN = "plan.administrator@example.org"


def total(cli: Any) -> int:
    result = cli("data", "summary", "referrals", "--no-suppress", "--format", "json")
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output.split("\nwarning:")[0])["total"])


def withdrawals(cli: Any) -> list[tuple[str, str, str | None]]:
    from sqlalchemy import text

    engine = _engine(cli)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT key, reason, by FROM data_withdrawal ORDER BY id")
            ).all()
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_a_withdrawn_record_leaves_every_count_and_keeps_its_history(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    assert cli("data", "import", "referrals", str(path), TRACKER_USER=ADMIN).exit_code == 0
    assert total(cli) == 3
    result = cli(
        "data", "withdraw", "referrals", "R-0002", "--reason", "imported twice by mistake",
        TRACKER_USER=ADMIN,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Withdrew 1 referrals record (R-0002); it no longer counts anywhere. "
        "Reason: imported twice by mistake\n"
    )
    assert total(cli) == 2
    assert withdrawals(cli) == [("R-0002", "imported twice by mistake", ADMIN)]
    assert counts(cli)["data_record"] == 3  # kept, with its values and history
    # A later file holding it again leaves it withdrawn; one without it is no news.
    again = cli("data", "import", "referrals", str(path), "--format", "json", TRACKER_USER=ADMIN)
    assert again.exit_code == 0, again.output
    document = json.loads(again.output)
    assert (document["added"], document["updated"], document["not_in_file"]) == (0, 0, 0)
    assert total(cli) == 2
    kpis = cli("kpi", "show", "--as-of", "2021-03-31", "--format", "json")
    assert kpis.exit_code == 0, kpis.output


@pytest.mark.parametrize(
    ("args", "user", "message"),
    [
        (["R-0001"], ADMIN, "a reason is required to withdraw records: say why with --reason"),
        (
            ["R-0001", "--reason", "wrong"],
            "mash.manager@example.org",
            "mash.manager@example.org may not withdraw records: only a plan administrator may",
        ),
        (
            ["R-0001", "R-9999", "--reason", "wrong"],
            ADMIN,
            "referrals holds no record with the key R-9999; nothing was withdrawn",
        ),
        (
            ["R-0001", "--reason", "duplicate of the one on 07700 900123"],
            ADMIN,
            "reason holds what looks like a phone number; tracker never stores identifying data",
        ),
    ],
)
def test_withdrawing_refuses_and_changes_nothing(
    sqlite_cli, tmp_path: Path, args: list[str], user: str, message: str
) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    assert sqlite_cli("data", "import", "referrals", str(path), TRACKER_USER=ADMIN).exit_code == 0
    result = sqlite_cli("data", "withdraw", "referrals", *args, TRACKER_USER=user)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {message}")
    assert "07700" not in result.output
    assert withdrawals(sqlite_cli) == []
    assert total(sqlite_cli) == 3


def test_withdrawing_twice_is_refused(sqlite_cli, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", GOOD)
    assert sqlite_cli("data", "import", "referrals", str(path), TRACKER_USER=ADMIN).exit_code == 0
    args = ("data", "withdraw", "referrals", "R-0001", "--reason", "test row")
    assert sqlite_cli(*args, TRACKER_USER=ADMIN).exit_code == 0
    result = sqlite_cli(*args, TRACKER_USER=ADMIN)
    assert result.exit_code == 1
    assert result.output.startswith("error: R-0001 is already withdrawn")
    assert len(withdrawals(sqlite_cli)) == 1


def test_a_key_is_read_as_the_file_is_aliases_and_uk_dates_too(sqlite_cli, tmp_path: Path) -> None:
    """docs/data.md's example: WRAP is an alias of 'WRAP workshop', dates day first."""
    path = write(
        tmp_path / "training.csv",
        "delivered_on,course,sector,organisation,district,attendees,format\n"
        "01/04/2020,WRAP,Education,Example School,Corby,12,In person\n"
        "02/04/2020,WRAP,Education,Example School,Corby,12,In person\n",
    )
    assert sqlite_cli("data", "import", "training", str(path), TRACKER_USER=ADMIN).exit_code == 0
    for key in (
        "2020-04-01 / WRAP / Education / Example School / Corby / In person",
        "02/04/2020 / wrap workshop / Education / Example School / Corby / In person /",
    ):
        result = sqlite_cli("data", "withdraw", "training", key, "--reason", "test row",
                            TRACKER_USER=ADMIN)  # fmt: skip
        assert result.exit_code == 0, result.output
    assert len(withdrawals(sqlite_cli)) == 2
