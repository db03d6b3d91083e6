"""``tracker schedule``: show, tick, skip, retry, and ``run`` as real processes.

The ``run`` tests start real ``tracker schedule run`` processes on one SQLite
workspace whose plan is moved in time so that a meeting is a few days ahead of
the real clock: its return requests are overdue but still useful, so each
scheduler that starts wants to send them at once.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import Cli

REPO = Path(__file__).resolve().parent.parent
TRACKER = [sys.executable, "-c", "import cli; cli.main()"]


def test_show_lists_every_dispatch_with_its_offset(sqlite_cli: Cli) -> None:
    result = sqlite_cli(
        "schedule",
        "show",
        "--meeting",
        "SG-2020-06",
        "--format",
        "json",
        "--now",
        "2020-05-01T09:00",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["timezone"] == "Europe/London"
    kinds = [(d["kind"], d["working_days_before"]) for d in doc["dispatches"]]
    assert kinds[0] == ("request", 15)
    assert ("deadline", 8) in kinds and ("chaser", 6) in kinds and kinds[-1] == ("pack", 5)
    pack = doc["dispatches"][-1]
    assert pack["due"] == "2020-06-02T09:00:00+01:00"
    assert pack["recipients"] == ["prevent.steering.group@example.org"]
    assert pack["state"] == "pending" and pack["id"] is None  # not stored until a pass runs
    # Today (long after the meeting), the pass would store it as skipped, and show says so.
    later = json.loads(sqlite_cli("schedule", "show", "-m", "SG-2020-06", "-f", "json").stdout)
    assert {d["state"] for d in later["dispatches"]} == {"skipped"}
    assert later["dispatches"][-1]["note"].startswith("its meeting had begun before this")


def test_show_table_and_filters(sqlite_cli: Cli) -> None:
    result = sqlite_cli("schedule", "show", "--from", "2021-04-01", "--now", "2021-03-01T09:00")
    assert result.exit_code == 0, result.output
    assert "review workbook and paper" in result.output
    assert "Tue 13 Apr 2021 09:00" in result.output
    assert "SG-2020-06" not in result.output
    bad = sqlite_cli("schedule", "show", "--meeting", "SG-2099-01")
    assert bad.exit_code == 1
    assert bad.output.strip().splitlines()[-1].startswith("error: no meeting 'SG-2099-01'")


def test_tick_at_a_simulated_time_then_skip_and_retry(sqlite_cli: Cli) -> None:
    result = sqlite_cli("schedule", "tick", "--now", "2020-05-28T17:00", "--format", "json")
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.stdout)["outcomes"]
    deadline = next(o for o in outcomes if o["kind"] == "deadline")
    assert deadline["state"] == "done" and deadline["dispatch"] == "SG-2020-06/deadline"
    shown = json.loads(sqlite_cli("schedule", "show", "-m", "SG-2020-06", "-f", "json").stdout)
    pack = next(d for d in shown["dispatches"] if d["kind"] == "pack")
    assert sqlite_cli("schedule", "skip", str(pack["id"])).output.strip() == (
        f"dispatch {pack['id']} (SG-2020-06 pack) skipped"
    )
    again = sqlite_cli("schedule", "skip", str(pack["id"]))
    assert again.exit_code == 1 and "is skipped, so it cannot be skipped" in again.output
    retried = sqlite_cli("schedule", "retry", str(pack["id"]))
    assert retried.exit_code == 0 and "tried again at the next pass" in retried.output
    # in a rehearsal, retried as of the rehearsal's time: the next 'tick --now' does it
    skipped = sqlite_cli("schedule", "skip", str(pack["id"]))
    assert skipped.exit_code == 0, skipped.output
    rehearsed = sqlite_cli("schedule", "retry", str(pack["id"]), "--now", "2020-06-02T09:00")
    assert rehearsed.exit_code == 0, rehearsed.output
    tick = sqlite_cli("schedule", "tick", "--now", "2020-06-02T09:00", "--format", "json")
    done = [o for o in json.loads(tick.stdout)["outcomes"] if o["kind"] == "pack"]
    assert [o["state"] for o in done] == ["done"], tick.stdout
    missing = sqlite_cli("schedule", "retry", "99999")
    assert missing.exit_code == 1 and "no dispatch '99999' in the schedule" in missing.output
    assert "run 'tracker schedule show'" in missing.output


def test_tick_refuses_a_time_it_cannot_read(sqlite_cli: Cli) -> None:
    result = sqlite_cli("schedule", "tick", "--now", "next tuesday")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: --now 'next tuesday' is not a date and time: write it as YYYY-MM-DDTHH:MM, "
        "e.g. 2020-05-18T09:00 (local time)"
    )
    # a local time the clocks skip (spring) or repeat (autumn) needs its offset
    for moment in ("2021-03-28T01:30", "2020-10-25T01:30"):
        result = sqlite_cli("schedule", "tick", "--now", moment)
        assert result.exit_code == 1
        assert result.output == (
            f"error: --now '{moment}' is skipped or repeated when the clocks change in "
            "Europe/London: give its offset, e.g. 2020-10-25T01:30+01:00, or another time\n"
        )
    given = sqlite_cli("schedule", "tick", "--now", "2020-10-25T01:30+01:00")
    assert given.exit_code == 0, given.output
    ancient = sqlite_cli("schedule", "tick", "--now", "0001-01-01T00:00")
    assert ancient.exit_code == 1 and "before 1970" in ancient.output


def test_tick_is_refused_while_a_scheduler_holds_the_lock(sqlite_cli: Cli) -> None:
    from tracker.schedule.lock import scheduler_lock
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws, scheduler_lock(ws.engine):
        result = sqlite_cli("schedule", "tick", "--now", "2020-05-18T09:00")
    assert result.exit_code == 1
    assert "a scheduler is already running on this database" in result.output


# --- real processes ---------------------------------------------------------------------


def _shifted_plan(days: int) -> str:
    text = (REPO / "objectives.yaml").read_text(encoding="utf-8")

    def shift(m: re.Match[str]) -> str:
        return (date.fromisoformat(m.group(0)) + timedelta(days=days)).isoformat()

    return re.sub(r"\b20\d\d-\d\d-\d\d\b", shift, text)


@pytest.fixture
def live_workspace(tmp_path: Path) -> Path:
    """A workspace whose first meeting is ten days from today (real clock)."""
    from tracker.settings import Settings
    from tracker.workspace import init_workspace

    plan = tmp_path / "objectives.yaml"
    plan.write_text(_shifted_plan((date.today() + timedelta(days=10) - date(2019, 12, 10)).days))
    ws = tmp_path / "ws"
    init_workspace(Settings(workspace=ws), plan_source=plan)
    return ws


def _start(ws: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TRACKER_WORKSPACE": str(ws), "TRACKER_DATABASE_URL": ""}
    env.pop("JOURNAL_STREAM", None)
    return subprocess.Popen(
        [*TRACKER, "schedule", "run", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _claims(ws: Path) -> list[tuple[str, str, int]]:
    from sqlalchemy import text

    from tracker.db.engine import make_engine

    engine = make_engine(f"sqlite:///{ws / 'tracker.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT kind, claimed_by, attempts FROM dispatch WHERE claimed_by IS NOT NULL")
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def test_two_schedulers_on_one_database_never_both_dispatch(live_workspace: Path) -> None:
    first, second = _start(live_workspace), _start(live_workspace)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None and second.poll() is None:
            time.sleep(0.2)
        loser, winner = (first, second) if first.poll() is not None else (second, first)
        assert loser.wait(timeout=60) == 1
        _, err = loser.communicate()
        assert "a scheduler is already running on this database" in err
        # The winner catches up on the overdue requests, then keeps running.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _claims(live_workspace):
            time.sleep(0.5)
        time.sleep(2)
        assert winner.poll() is None
        claims = _claims(live_workspace)
        assert claims and {c[0] for c in claims} <= {"request", "deadline"}
        assert len({c[1] for c in claims}) == 1  # all claimed by one process
        assert {c[2] for c in claims} == {1}  # each once
        third = _start(live_workspace, "--once")  # neither may a pass run beside it
        assert third.wait(timeout=60) == 1
        winner.send_signal(signal.SIGTERM)
        assert winner.wait(timeout=60) == 0  # stopped cleanly
        _, log = winner.communicate()
        assert "SIGTERM received: stopping after the current pass" in log
        assert "scheduler stopped" in log
        assert re.search(r"dispatch \d+ \S+/request/\S+ \(return request\)", log)
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
    # Stopped cleanly, the lock is free: a pass may run now, and sends nothing twice.
    again = _start(live_workspace, "--once")
    assert again.wait(timeout=60) == 0, again.communicate()
    assert {c[2] for c in _claims(live_workspace) if c[0] == "request"} <= {1, 2}


def test_an_empty_value_is_refused_not_read_as_not_given(sqlite_cli: Cli) -> None:
    """A script's unset variable (--now "$WHEN") must not mean now, today or every meeting."""
    for args, start in (
        (("schedule", "tick", "--now", ""), "error: --now '' is not a date and time"),
        (("status", "--as-of", ""), "error: --as-of '' is not a date"),
        (("pack", "--as-of", ""), "error: --as-of '' is not a date"),
        (("schedule", "show", "--meeting", ""), "error: no meeting '' in the plan"),
        (
            ("returns", "issue", "--meeting", "", "--by", "plan.administrator@example.org"),
            "error: no meeting '' in the plan",
        ),
    ):
        result = sqlite_cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith(start), (args, result.output)
        assert len(result.output.splitlines()) == 1
    # nothing was done: no pass marked the past meetings' work missed and alerted anyone
    outbox = sqlite_cli.workspace / "outbox"
    assert not outbox.exists() or not any(p.is_file() for p in outbox.rglob("*"))
