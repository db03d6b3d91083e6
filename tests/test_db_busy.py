"""A database another process is writing: tracker waits the documented time, then says so.

The documented wait (docs/officer-guide.md) is SQLITE_BUSY_TIMEOUT_MS; it is made one
second here so the test is quick. The lock is held by a plain sqlite3 connection, as
another tracker command or the scheduler would hold it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app


def test_a_locked_database_waits_once_then_says_another_command_is_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.db import engine

    ws = tmp_path / "ws"
    env = {"TRACKER_DATABASE_URL": "", "TRACKER_WORKSPACE": "", "TRACKER_USER": ""}
    assert CliRunner().invoke(app, ["init", str(ws)], env=env).exit_code == 0
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    holder = sqlite3.connect(ws / "tracker.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock throughout
    try:
        started = time.monotonic()
        result = CliRunner().invoke(
            app,
            ["update", "SO3.2", "--status", "in_progress", "-w", str(ws), "--on", "2020-05-01",
             "--by", "prevent.coordinator@example.org"],
            env=env,
        )  # fmt: skip
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1
    assert result.output == (
        "error: the database stayed busy for 1 second (another tracker command or the "
        "scheduler is writing); nothing was written: try again in a minute\n"
    )
    assert waited < 8, f"waited {waited:.1f} s: the busy timeout should be waited once"
