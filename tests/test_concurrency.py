"""Several processes writing to one workspace at once: they queue, none fails half way.

The command line, the scheduler and a plan load may all write to the same
SQLite file at the same moment. These tests start real processes (not
threads) so that SQLite's file locking is exercised exactly as in use: WAL,
a busy timeout and BEGIN IMMEDIATE must make every writer wait its turn
instead of failing with "database is locked".
"""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path

from sqlalchemy import text

from tracker.db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine
from tracker.db.migrate import HEAD
from tracker.settings import Settings
from tracker.workspace import init_workspace, open_workspace

COORDINATOR = "prevent.coordinator@example.org"
WRITES = 50


def _write_updates(workspace: str, who: str) -> list[str]:
    """Record WRITES updates one transaction at a time; return the errors met."""
    from tracker.progress import record_update

    errors = []
    with open_workspace(Settings(workspace=Path(workspace))) as ws:
        plan = ws.plan()
        for n in range(WRITES):
            try:
                record_update(
                    ws.engine, plan, action_id="SO3.2", status="in_progress", progress=n,
                    rag=None, note=f"{who} {n}", on=date(2020, 5, 1), by=COORDINATOR, source="cli",
                )  # fmt: skip
            except Exception as exc:
                errors.append(repr(exc))
    return errors


def _load_plans(workspace: str, times: int) -> list[str]:
    """Load an edited plan ``times`` times (each load a write transaction)."""
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan

    folder = Path(workspace)
    original = (folder / "objectives.yaml").read_text(encoding="utf-8")
    errors = []
    with open_workspace(Settings(workspace=folder)) as ws:
        for n in range(times):
            edited = folder / f"edit-{n}.yaml"
            edited.write_text(
                original.replace("title: Prevent Steering Group}", f"title: SG {n}}}")
            )
            try:
                sync_plan(ws.engine, load_plan(edited), source=str(edited))
            except Exception as exc:
                errors.append(repr(exc))
    return errors


def _upgrade(url: str) -> str:
    from tracker.db.migrate import upgrade

    engine = make_engine(url)
    try:
        return repr(upgrade(engine))
    except Exception as exc:
        return f"failed: {exc!r}"
    finally:
        engine.dispose()


def test_two_writers_and_a_plan_load_at_once(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    init_workspace(Settings(workspace=ws))
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        a = pool.apply_async(_write_updates, (str(ws), "A"))
        b = pool.apply_async(_write_updates, (str(ws), "B"))
        c = pool.apply_async(_load_plans, (str(ws), 10))
        errors = [a.get(timeout=120), b.get(timeout=120), c.get(timeout=120)]
    assert errors == [[], [], []]
    engine = make_engine(Settings(workspace=ws).url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM progress_update")).scalar()
        versions = conn.execute(text("SELECT count(*) FROM plan_version")).scalar()
        assert count == 2 * WRITES
        assert versions == 1 + 10
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_commands_starting_together_on_a_new_database_migrate_it_once(database_url) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_upgrade, [database_url] * 4)
    assert not [r for r in results if r.startswith("failed")], results
    # Three find the schema current; exactly one migrated it from nothing.
    assert sorted(results) == [repr((HEAD, HEAD))] * 3 + [repr((None, HEAD))]
