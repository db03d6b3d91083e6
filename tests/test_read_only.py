"""A database the user may read but not write: read commands work, write commands say why not.

The Steering Group member's case is a copy of ``tracker.db`` (mode 0444, perhaps in a
folder of mode 0555). Tests run as root in CI, and root may write any file whatever its
mode, so most tests here make the database read-only in ways root cannot get round:
SQLite's own ``mode=ro`` (a ``file:`` URL given with --database), tracker's own view of
the file (``may_write_sqlite`` answering no, as it would for any other user), or a
PostgreSQL role with only SELECT grants. The real thing -- an unprivileged user and a
0444 WAL file without its ``-wal``/``-shm`` in a 0555 folder -- runs where ``setpriv``
and a user ``nobody`` exist and that user can run this interpreter; it is skipped where not.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app

REPO = Path(__file__).resolve().parent.parent
OWNER = "community.safety@example.org"  # owns KPI1.1
RECORD = ["kpi", "record", "KPI1.1", "--period", "2020/21 Q1", "--value", "5", "--by", OWNER]
READS = [
    ["status", "--as-of", "2020-07-01"],
    ["status", "--format", "json"],
    ["kpi", "show", "--as-of", "2020-07-01"],
    ["kpi", "show", "--as-of", "2020-07-01", "--format", "json"],
    ["kpi", "history", "KPI1.1", "--as-of", "2020-07-01"],
    ["history", "SO3.2"],
    ["data", "summary", "referrals", "--by", "sector_group"],
    ["data", "summary", "--table", "referrals-by-district", "--as-of", "2020-12-08"],
    ["pack", "list"],
    ["rag", "explain", "SO3.2", "--as-of", "2020-07-01"],
    ["rag", "overrides"],
    ["schedule", "show", "--meeting", "SG-2020-06"],
    ["returns", "status", "--meeting", "SG-2020-06", "--as-of", "2020-06-01"],
    ["outbox", "sent"],
    ["outbox", "list"],
]
# The commands the issue names, run as an ordinary user (each is a new process: seconds).
ISSUED = [READS[0], READS[2], READS[5], READS[6], READS[8]]
READ_ONLY_TAIL = (
    "is read-only for you and this command changes data; nothing was changed: run it on the "
    "working database (ask the officer who keeps it); commands that only read, such as status "
    "and kpi show, work on this one (docs/database.md)\n"
)
_roles = itertools.count()


def env(ws: Path, url: str = "") -> dict[str, str]:
    return {
        "TRACKER_WORKSPACE": str(ws),
        "TRACKER_DATABASE_URL": url,
        "TRACKER_USER": "",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }


def run(ws: Path, *args: str, url: str = "") -> Any:
    return CliRunner().invoke(app, list(args), env=env(ws, url))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def recorded(sqlite_cli: Any) -> Path:
    """A SQLite workspace holding one KPI value, its database closed (no -wal, no -shm)."""
    assert run(sqlite_cli.workspace, *RECORD).exit_code == 0
    return Path(sqlite_cli.workspace)


def ro_url(db: Path) -> str:
    return f"sqlite:///file:{db}?mode=ro&uri=true"


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]))
def test_read_commands_work_on_a_database_opened_read_only(recorded: Path, args: list[str]) -> None:
    db = recorded / "tracker.db"
    before = digest(db)
    result = run(recorded, *args, url=ro_url(db))
    assert result.exit_code == 0, result.output
    assert digest(db) == before


def test_a_write_command_on_a_read_only_database_says_so_and_changes_nothing(
    recorded: Path,
) -> None:
    db = recorded / "tracker.db"
    before = digest(db)
    result = run(recorded, *RECORD, url=ro_url(db))
    assert (result.exit_code, result.output) == (1, f"error: the database {db} {READ_ONLY_TAIL}")
    assert digest(db) == before


def test_a_file_the_user_may_not_write_is_opened_read_only_by_read_commands(
    recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As any user but root would find it: tracker then opens the file with mode=ro."""
    from tracker.db import engine

    db = recorded / "tracker.db"
    before = digest(db)
    monkeypatch.setattr(engine, "may_write_sqlite", lambda path: False)
    opened: list[str] = []
    real_connect = sqlite3.connect

    def connect(target: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(target))
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(engine.sqlite3, "connect", connect)
    result = run(recorded, "kpi", "show", "--as-of", "2020-07-01", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"value": 5' in result.output
    assert opened and all(t.startswith("file:") and "mode=ro" in t for t in opened)
    assert digest(db) == before
    refused = run(recorded, *RECORD)
    assert (refused.exit_code, refused.output) == (
        1,
        f"error: the database {db} {READ_ONLY_TAIL}",
    )
    assert digest(db) == before


def test_a_read_only_engine_cannot_write_even_where_the_file_could_be_written(
    recorded: Path,
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from tracker.db.engine import make_engine

    eng = make_engine(f"sqlite:///{recorded / 'tracker.db'}", read_only=True)
    try:
        with eng.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM kpi_value")).scalar() == 1
            with pytest.raises(OperationalError, match="readonly database"):
                conn.execute(text("DELETE FROM kpi_value"))
    finally:
        eng.dispose()


def test_reads_do_not_wait_for_a_writer(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read takes no write lock, so it goes on while another command writes (WAL)."""
    from tracker.db import engine

    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    holder = sqlite3.connect(recorded / "tracker.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run(recorded, "status", "--as-of", "2020-07-01")
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 0, result.output


def test_an_old_schema_on_a_read_only_database_is_said_plainly(tmp_path: Path) -> None:
    from tracker.db.engine import make_engine
    from tracker.db.migrate import HEAD, upgrade

    shutil.copyfile(REPO / "objectives.yaml", tmp_path / "objectives.yaml")
    db = tmp_path / "tracker.db"
    eng = make_engine(f"sqlite:///{db}")
    upgrade(eng, "0001")
    eng.dispose()
    before = digest(db)
    result = run(tmp_path, "status", url=ro_url(db))
    assert (result.exit_code, result.output) == (
        1,
        f"error: the database {db} has an older schema (0001) than this version of tracker "
        f"needs ({HEAD}), and it is read-only for you, so it cannot be upgraded; nothing was "
        "changed: ask whoever keeps the working database to run 'tracker db upgrade' and send "
        "a new copy, or use the version of tracker that made it\n",
    )
    assert digest(db) == before
    # Where it may be written, a read command upgrades it as every command does.
    assert run(tmp_path, "pack", "list").exit_code == 0


def test_read_commands_work_with_a_postgresql_role_that_may_only_select(
    pg_server: Any, pg_template: Any, tmp_path: Path
) -> None:
    import psycopg

    name = f"ro{os.getpid()}_{next(_roles)}"
    url = pg_server.create_database(name, template=pg_template.database)
    admin = dict(host="127.0.0.1", port=pg_server.port, user="tracker", autocommit=True)
    with psycopg.connect(dbname=name, **admin) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{name}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{name}"')
    reader = url.replace("//tracker@", f"//{name}@")
    assert pg_template.folder is not None
    ws = shutil.copytree(pg_template.folder, tmp_path / "ws")
    for args in READS:
        result = run(ws, *args, url=reader)
        assert result.exit_code == 0, (args, result.output)
    outputs = sorted(p.name for p in (ws / "outputs").iterdir())
    for args in (RECORD, ["pack", "--meeting", "SG-2020-06"]):
        refused = run(ws, *args, url=reader)
        assert (refused.exit_code, refused.output) == (
            1,
            f"error: the database {reader} {READ_ONLY_TAIL}",
        )
    assert sorted(p.name for p in (ws / "outputs").iterdir()) == outputs  # no pack written
    with psycopg.connect(dbname=name, **admin) as conn:
        assert conn.execute("SELECT count(*) FROM kpi_value").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM pack_record").fetchone() == (0,)


# --- the real situation: an unprivileged user and a read-only copy -----------------------


def _unprivileged() -> list[str] | None:
    """The command prefix that runs a program as user nobody, or None when that cannot be."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    try:
        import pwd

        pwd.getpwnam("nobody")
    except KeyError:
        return None
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def _interpreter(prefix: list[str]) -> list[str] | None:
    """A Python that user nobody may run, with this environment's packages and tracker."""
    site = sysconfig.get_paths()["purelib"]
    boot = (
        f"import site, sys; site.addsitedir({site!r}); sys.path.insert(0, {str(REPO)!r}); "
        "sys.argv[0] = 'tracker'; from cli import app; app()"
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, shutil.which(version), f"/usr/bin/{version}"):
        if not candidate or not Path(candidate).exists():
            continue
        command = [candidate, "-c", boot]
        probe = subprocess.run(
            [*prefix, *command, "--version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0 and probe.stdout.startswith("tracker "):
            return command
    return None


@pytest.fixture
def shared_copy(recorded: Path) -> Iterator[tuple[Path, list[str]]]:
    """A 0444 copy of a WAL database, without -wal and -shm, in a 0555 workspace folder."""
    prefix = _unprivileged()
    command = _interpreter(prefix) if prefix else None
    if prefix is None or command is None:
        pytest.skip("needs root, setpriv, a user nobody and a Python that user may run")
    top = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
    try:
        top.chmod(0o755)
        ws = top / "copy"
        ws.mkdir()
        shutil.copyfile(recorded / "objectives.yaml", ws / "objectives.yaml")
        shutil.copyfile(recorded / "tracker.db", ws / "tracker.db")
        with (ws / "tracker.db").open("rb") as file:
            assert file.read(20)[18:20] == b"\x02\x02"  # a WAL database (header bytes 18-19)
        (ws / "objectives.yaml").chmod(0o444)
        (ws / "tracker.db").chmod(0o444)
        ws.chmod(0o555)
        yield ws, [*prefix, *command]
    finally:
        for folder in (top, top / "copy"):
            if folder.exists():
                folder.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)


def test_a_steering_group_members_read_only_copy_as_an_ordinary_user(
    shared_copy: tuple[Path, list[str]],
) -> None:
    ws, tracker = shared_copy
    environ = {**os.environ, **env(ws), "HOME": str(ws)}
    before = digest(ws / "tracker.db")
    for args in ISSUED:
        result = subprocess.run(
            [*tracker, *args], capture_output=True, text=True, env=environ, timeout=120
        )
        assert result.returncode == 0, (args, result.stderr)
        assert "error" not in result.stderr, args
    shown = subprocess.run(
        [*tracker, "kpi", "show", "--as-of", "2020-07-01", "--format", "json"],
        capture_output=True, text=True, env=environ, timeout=120,
    )  # fmt: skip
    assert '"value": 5' in shown.stdout
    refused = subprocess.run(
        [*tracker, *RECORD], capture_output=True, text=True, env=environ, timeout=120
    )
    assert refused.returncode == 1
    assert refused.stderr == f"error: the database {ws / 'tracker.db'} {READ_ONLY_TAIL}"
    assert digest(ws / "tracker.db") == before
    assert sorted(p.name for p in ws.iterdir()) == ["objectives.yaml", "tracker.db"]
