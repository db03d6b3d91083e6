"""Shared fixtures: real SQLite files, a real PostgreSQL server, workspaces and the CLI.

Every test that takes ``database_url`` (or ``workspace``) runs twice, once on
a SQLite file and once on a fresh database in the throwaway PostgreSQL server
the suite starts itself. Where PostgreSQL is not installed those runs are
skipped locally, but fail under CI (CI=true), so CI never silently drops them.

Creating, migrating and loading the plan into a database takes seconds, so it
is done once per session into a template: a migrated database (for
``engine``) and an initialised workspace (for ``workspace``, ``cli`` and
``sqlite_cli``). Each test gets its own copy -- a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL -- so tests still never share
a database. A test that takes ``database_url`` alone gets an empty database.
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


def require_file(path: Path, what: str) -> None:
    """Skip a test whose input ``path`` is missing -- but fail under CI, where it must exist."""
    if path.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{path} is missing: CI must provide {what}")
    pytest.skip(f"{path} is missing ({what} is not beside the checkout)")


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


@dataclass(frozen=True)
class Template:
    """A workspace folder made once per session, and its database (PostgreSQL: a name)."""

    folder: Path | None
    database: str | None = None


def _init_template(folder: Path, url: str | None) -> None:
    from tracker.settings import Settings
    from tracker.workspace import init_workspace

    init_workspace(Settings(workspace=folder, database_url=url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A migrated SQLite file, and a workspace with the shipped plan loaded."""
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    root = tmp_path_factory.mktemp("templates")
    eng = make_engine(f"sqlite:///{root / 'migrated.db'}")
    upgrade(eng)
    eng.dispose()
    _init_template(root / "ws", None)
    return Template(folder=root)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """Two template databases: one migrated (tmpl_migrated), one with a workspace (tmpl_ws)."""
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    eng = make_engine(pg_server.create_database("tmpl_migrated"))
    upgrade(eng)
    eng.dispose()
    folder = tmp_path_factory.mktemp("pg-template") / "ws"
    _init_template(folder, pg_server.create_database("tmpl_ws"))
    return Template(folder=folder, database="tmpl_ws")


def _copy_workspace(template: Path, target: Path) -> Path:
    shutil.copytree(template, target)
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for a database of the test's own: a SQLite file, or a new PostgreSQL database.

    Empty, unless the test also takes ``workspace`` (the database is then a copy
    of the template workspace's) or ``engine`` (a copy of the migrated template).
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    name = f"t{os.getpid()}_{next(_db_counter)}"
    if "workspace" in request.fixturenames:
        template: str | None = request.getfixturevalue("pg_template").database
    elif "engine" in request.fixturenames:
        request.getfixturevalue("pg_template")
        template = "tmpl_migrated"
    else:
        template = None
    return server.create_database(name, template=template)


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Any]:
    """An engine on a migrated database of the test's own (copied from the template)."""
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    if database_url.startswith("sqlite"):
        target = tmp_path / "tracker.db"
        if not target.exists():
            template: Template = request.getfixturevalue("sqlite_template")
            assert template.folder is not None
            shutil.copyfile(template.folder / "migrated.db", target)
    eng = make_engine(database_url)
    upgrade(eng)  # a no-op on a copy of the template: it checks the revision
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
def workspace(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Path:
    """A workspace initialised with the shipped plan, on SQLite and on PostgreSQL."""
    from tracker.settings import write_database_url

    ws = tmp_path / "ws"
    if database_url.startswith("sqlite"):
        template: Template = request.getfixturevalue("sqlite_template")
        assert template.folder is not None
        return _copy_workspace(template.folder / "ws", ws)
    template = request.getfixturevalue("pg_template")
    assert template.folder is not None
    _copy_workspace(template.folder, ws)
    write_database_url(ws, database_url)  # the test's own copy, not the template
    return ws


@pytest.fixture
def cli(workspace: Path, database_url: str) -> Cli:
    url = None if database_url.startswith("sqlite") else database_url
    return Cli(workspace=workspace, database_url=url, runner=CliRunner())


@pytest.fixture
def sqlite_cli(tmp_path: Path, sqlite_template: Template) -> Cli:
    """A CLI on a SQLite workspace only: for tests about files and output, not the database."""
    assert sqlite_template.folder is not None
    ws = _copy_workspace(sqlite_template.folder / "ws", tmp_path / "ws")
    return Cli(workspace=ws, database_url=None, runner=CliRunner())


@pytest.fixture
def plan_text() -> str:
    return (REPO / "objectives.yaml").read_text(encoding="utf-8")


@pytest.fixture
def plan_copy(tmp_path: Path) -> Path:
    target = tmp_path / "objectives.yaml"
    shutil.copyfile(REPO / "objectives.yaml", target)
    return target


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace built once per test session by ``tracker demo``, as a user builds it.

    Building the demo takes tens of seconds; tests that only read it, or that
    change a copy of it (``demo_copy``), share this one. Never change it in place.
    """
    from cli import app

    folder = tmp_path_factory.mktemp("demo-build") / "demo"
    env = {
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "TRACKER_USER": "",
        "TRACKER_WORKSPACE": "",
        "TRACKER_DATABASE_URL": "",
    }
    result = CliRunner().invoke(app, ["demo", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def demo_copy(demo_build: Path, tmp_path: Path) -> Path:
    """A copy of the session's demo workspace that a test may change."""
    return _copy_workspace(demo_build, tmp_path / "demo")
