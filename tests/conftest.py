"""Shared fixtures: real SQLite files, a real PostgreSQL server, workspaces and the CLI.

Every test that takes ``database_url`` (or ``workspace``) runs twice, once on
a SQLite file and once on a fresh database in the throwaway PostgreSQL server
the suite starts itself. Where PostgreSQL is not installed those runs are
skipped locally, but fail under CI (CI=true), so CI never silently drops them.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.pg import PgServer, find_pg_bin, start_server

REPO = Path(__file__).resolve().parent.parent
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries are missing in CI: .ci/run should install them")
        pytest.skip("PostgreSQL server binaries not installed")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Any]:
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@dataclass
class Cli:
    """Runs ``tracker`` commands in-process against one workspace, like a user would."""

    workspace: Path
    database_url: str | None
    runner: CliRunner

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "TRACKER_WORKSPACE": str(self.workspace),
            "TRACKER_USER": "",
            "TRACKER_DATABASE_URL": self.database_url or "",
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
        env.update(extra)
        return env

    def __call__(self, *args: str, input: str | None = None, **env: str) -> Any:
        from cli import app

        return self.runner.invoke(app, list(args), input=input, env=self.env(**env))


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Path:
    """A workspace initialised with the shipped plan, on SQLite and on PostgreSQL."""
    from tracker.settings import Settings
    from tracker.workspace import init_workspace

    ws = tmp_path / "ws"
    url = None if database_url.startswith("sqlite") else database_url
    init_workspace(Settings(workspace=ws, database_url=url))
    return ws


@pytest.fixture
def cli(workspace: Path, database_url: str) -> Cli:
    url = None if database_url.startswith("sqlite") else database_url
    return Cli(workspace=workspace, database_url=url, runner=CliRunner())


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    """A CLI on a SQLite workspace only: for tests about files and output, not the database."""
    from tracker.settings import Settings
    from tracker.workspace import init_workspace

    ws = tmp_path / "ws"
    init_workspace(Settings(workspace=ws))
    return Cli(workspace=ws, database_url=None, runner=CliRunner())


@pytest.fixture
def plan_text() -> str:
    return (REPO / "objectives.yaml").read_text(encoding="utf-8")


@pytest.fixture
def plan_copy(tmp_path: Path) -> Path:
    target = tmp_path / "objectives.yaml"
    shutil.copyfile(REPO / "objectives.yaml", target)
    return target
