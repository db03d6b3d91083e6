"""The command line as a whole: help for every command, one-line errors, fast start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

REPO = Path(__file__).resolve().parent.parent


def _commands(group, prefix=()):
    """Every (sub)command path of the Typer app, walked through its click group."""
    import typer.main

    cmd = typer.main.get_command(group) if not hasattr(group, "commands") else group
    for name, sub in sorted(cmd.commands.items()):
        if hasattr(sub, "commands"):
            yield from _commands(sub, (*prefix, name))
        else:
            yield (*prefix, name), sub


ALL = list(_commands(app))


def test_there_are_commands() -> None:
    names = {" ".join(p) for p, _ in ALL}
    assert {
        "init",
        "demo",
        "status",
        "update",
        "history",
        "plan check",
        "plan load",
        "db upgrade",
        "data import",
        "data summary",
        "data template",
        "kpi show",
        "kpi history",
        "kpi record",
    } <= names


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help(path) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    command = dict(ALL)[path]
    assert command.help and len(command.help.strip()) > 20, f"{path} needs help text"
    for param in command.params:
        if param.name != "help" and getattr(param, "help", None) is not None:
            assert param.help.strip(), f"{path} option {param.name} needs help"


# Every command a user has been told about; the help of each group must list them all.
DOCUMENTED = {
    (): ("init", "demo", "status", "update", "history", "plan", "db", "data", "kpi"),
    ("plan",): ("check", "load"),
    ("db",): ("upgrade",),
    ("data",): ("template", "import", "summary"),
    ("kpi",): ("show", "history", "record"),
}


def listed_commands(output: str) -> list[str]:
    """The command names a --help lists under 'Commands' (plain or in a Rich panel)."""
    names: list[str] = []
    inside = False
    for line in output.splitlines():
        text = line.strip().strip("│|").strip()
        if "Commands" in text and (text.endswith(":") or text.startswith(("╭", "─", "+"))):
            inside = True
            continue
        if inside:
            if not text or text.startswith(("╰", "╭", "─", "+")):
                if names:
                    break
                continue
            if not line.startswith((" ", "│", "|")):
                break  # the next section of the help
            names.append(text.split()[0])
    return names


@pytest.mark.parametrize("group", list(DOCUMENTED), ids=lambda g: " ".join(g) or "tracker")
def test_help_lists_groups(group: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    listed = listed_commands(result.output)
    expected = DOCUMENTED[group]
    missing = [name for name in expected if name not in listed]
    assert not missing, f"{' '.join(('tracker', *group))} --help no longer lists {missing}"


def test_help_lists_groups_notices_a_vanished_group() -> None:
    output = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).output
    assert "kpi" in listed_commands(output)
    without = "\n".join(line for line in output.splitlines() if not line.strip().startswith("kpi"))
    assert "kpi" not in listed_commands(without)
    assert "plan" in listed_commands(without)


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, cli; cli.app(['--help'], standalone_mode=False); "
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'openpyxl', 'jinja2', 'alembic', "
        "'apscheduler', 'yaml', 'pydantic_core') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_data_import_does_not_build_the_orm(sqlite_cli, tmp_path: Path) -> None:
    """The import writes with SQL alone: SQLModel and the ORM are a quarter of a second. It
    reads the plan's settings and data sets only: no e-mail validator for owners' addresses,
    no Rich for a JSON answer."""
    from tests.test_data_import import GOOD, write

    path = write(tmp_path / "r.csv", GOOD)
    args = ["data", "import", "referrals", str(path), "--workspace", str(sqlite_cli.workspace),
            "--format", "json"]  # fmt: skip
    code = (
        "import sys, cli\n"
        f"try: cli.app({args!r}, standalone_mode=False)\n"
        "except SystemExit as exc: assert not exc.code\n"
        "print([m for m in ('sqlmodel', 'sqlalchemy.orm', 'alembic', 'email_validator', "
        "'rich.console') if m in sys.modules])"
    )
    env = {**os.environ, "TRACKER_USER": "plan.administrator@example.org"}
    env.pop("TRACKER_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    assert '"added": 3' in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_missing_workspace_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["plan", "load", "--workspace", str(tmp_path / "nowhere")],
        env={"TRACKER_DATABASE_URL": ""},
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: workspace folder {tmp_path / 'nowhere'} does not exist: "
        "create one with 'tracker init DIR' or point --workspace at an "
        "existing one\n"
    )


def test_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["plan", "load", "--workspace", str(tmp_path)], env={"TRACKER_DATABASE_URL": ""}
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {tmp_path} is not a tracker workspace")
    assert len(result.output.splitlines()) == 1


def test_bad_database_url(sqlite_cli) -> None:
    result = sqlite_cli("plan", "load", "--database", "nonsense://")
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_unreachable_postgres(sqlite_cli) -> None:
    result = sqlite_cli(
        "plan",
        "load",
        "--database",
        "postgresql+psycopg://tracker@127.0.0.1:1/none?connect_timeout=2",
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot open the database")
    assert len(result.output.splitlines()) == 1


def test_db_upgrade_is_idempotent(sqlite_cli) -> None:
    result = sqlite_cli("db", "upgrade")
    assert result.exit_code == 0
    assert result.output.startswith("database schema is up to date (revision ")


def test_init_creates_a_usable_workspace(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = CliRunner().invoke(app, ["init", str(target)], env={"TRACKER_DATABASE_URL": ""})
    assert result.exit_code == 0, result.output
    assert (target / "objectives.yaml").exists()
    assert (target / "tracker.db").exists()
    assert (target / "templates").is_dir() and (target / "outputs").is_dir()
    again = CliRunner().invoke(
        app, ["plan", "load", "--workspace", str(target)], env={"TRACKER_DATABASE_URL": ""}
    )
    assert again.output.endswith("no changes\n")


# --- workspaces and databases that are not what they should be ----------------------------------

NO_DB_ENV = {"TRACKER_DATABASE_URL": "", "TRACKER_WORKSPACE": ""}


def test_workspace_that_is_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("hello", "utf-8")
    result = CliRunner().invoke(app, ["status", "--workspace", str(afile)], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"error: workspace {afile} is a file, not a folder: point --workspace "
        "(or TRACKER_WORKSPACE) at the workspace folder\n"
    )
    result = CliRunner().invoke(app, ["init", str(afile / "sub")], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"error: cannot create the workspace {afile / 'sub'} (Not a directory): choose a folder "
        "you can write to, and check no file stands in the path\n"
    )


def test_workspace_from_the_environment(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["init", str(tmp_path / "ws")], env=NO_DB_ENV)
    result = CliRunner().invoke(
        app, ["plan", "load"], env={**NO_DB_ENV, "TRACKER_WORKSPACE": str(tmp_path / "ws")}
    )
    assert result.exit_code == 0
    assert result.output == f"{tmp_path / 'ws' / 'objectives.yaml'}: no changes\n"


def test_a_text_file_named_tracker_db(tmp_path: Path) -> None:
    (tmp_path / "tracker.db").write_text("not a database\n", "utf-8")
    result = CliRunner().invoke(app, ["status", "-w", str(tmp_path)], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path / 'tracker.db'} is not a SQLite database: move the file away, "
        "or point --database at tracker's database\n"
    )
    # init there fails the same way and leaves nothing of its own behind
    result = CliRunner().invoke(app, ["init", str(tmp_path)], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracker.db"]
    assert (tmp_path / "tracker.db").read_text("utf-8") == "not a database\n"


def test_a_database_holding_someone_elses_tables_is_left_alone(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    result = CliRunner().invoke(app, ["status", "-w", str(tmp_path)], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"error: the database sqlite:///{db} already holds tables tracker did not make "
        "(invoices): give tracker an empty database of its own (--database or "
        "TRACKER_DATABASE_URL)\n"
    )
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["invoices"]


def test_init_with_an_unreachable_database_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = CliRunner().invoke(
        app,
        [
            "init",
            str(target),
            "--database",
            "postgresql+psycopg://t@127.0.0.1:1/x?connect_timeout=2",
        ],
        env=NO_DB_ENV,
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot open the database (")
    assert len(result.output.splitlines()) == 1
    assert not target.exists()


def test_init_into_an_existing_workspace(tmp_path: Path) -> None:
    CliRunner().invoke(app, ["init", str(tmp_path)], env=NO_DB_ENV)
    result = CliRunner().invoke(app, ["init", str(tmp_path)], env=NO_DB_ENV)
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path} is already a workspace (it has objectives.yaml): use it as it is, "
        "or choose an empty folder\n"
    )


@pytest.mark.parametrize(
    "path",
    [("init",), ("demo",), ("status",), ("update",), ("history",), ("plan", "check"),
     ("plan", "load"), ("db", "upgrade"), ("data", "template"), ("data", "import"),
     ("data", "summary"), ("kpi", "show"), ("kpi", "history"), ("kpi", "record")],
    ids=" ".join,
)  # fmt: skip
def test_help_of_the_core_commands_teaches_by_example(path) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    examples = result.output.split("Examples:\n")[1].split("\n\n")[0]
    assert f"    tracker {' '.join(path)} " in examples
    assert "<str>" not in result.output.split("Options:")[1]  # values are named: DATE, URL...


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql+psycopg://u:pw@host:notaport/db",
            "database URL 'postgresql+psycopg://u:***@host:notaport/db' is not valid: give a "
            "SQLAlchemy URL such as sqlite:///tracker.db or postgresql+psycopg://user@host/dbname",
        ),
        (
            "sqlite://",
            "database URL 'sqlite://' names no file: an in-memory database forgets everything "
            "when the command ends: give a file, e.g. sqlite:///tracker.db, "
            "or leave --database out",
        ),
        (
            "mysql://u@h/db",
            "no driver for database URL 'mysql://u@h/db': use sqlite:/// or postgresql+psycopg://",
        ),
    ],
)
def test_database_urls_that_cannot_work(sqlite_cli, url: str, message: str) -> None:
    result = sqlite_cli("status", "--database", url)
    assert result.exit_code == 1
    assert result.output == f"error: {message}\n"


def test_init_never_prints_a_password(tmp_path: Path, pg_server) -> None:
    url = pg_server.create_database("init_password")
    with_password = url.replace("tracker@", "tracker:s3cret@")
    result = CliRunner().invoke(
        app, ["init", str(tmp_path / "ws"), "--database", with_password], env=NO_DB_ENV
    )
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    assert f"  database: {url.replace('tracker@', 'tracker:***@')}\n" in result.output
    assert "(commands in this workspace use this database;" in result.output


def test_a_postgresql_workspace_remembers_its_database(pg_server, tmp_path: Path) -> None:
    url = pg_server.create_database("remember_me")
    target = tmp_path / "pg-ws"
    env = {"TRACKER_DATABASE_URL": "", "TRACKER_WORKSPACE": ""}
    secret = url.replace("tracker@", "tracker:s3cret@")
    result = CliRunner().invoke(app, ["init", str(target), "--database", secret], env=env)
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    stored = (target / "tracker.toml").read_text(encoding="utf-8")
    assert f'database = "{url}"' in stored and "s3cret" not in stored
    assert not (target / "tracker.db").exists()
    # later commands use it without --database
    again = CliRunner().invoke(app, ["plan", "load", "--workspace", str(target)], env=env)
    assert again.exit_code == 0, again.output
    assert again.output.endswith("no changes\n")
    assert not (target / "tracker.db").exists()


def test_a_broken_settings_file_is_one_line(sqlite_cli) -> None:
    (sqlite_cli.workspace / "tracker.toml").write_text("database = [", encoding="utf-8")
    result = sqlite_cli("plan", "load")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"error: {sqlite_cli.workspace / 'tracker.toml'} cannot be read"
    )
    assert len(result.output.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["update", "SO1.2"],
            "error: missing option '--status' / '-s'; see 'tracker update --help'",
        ),
        (
            ["status", "--format", "yaml"],
            "error: invalid value for '--format' / '-f': 'yaml' is not one of 'table', 'json'; "
            "see 'tracker status --help'",
        ),
        (["bogus"], "error: no such command 'bogus'; see 'tracker --help'"),
        (["plan", "bogus"], "error: no such command 'bogus'; see 'tracker plan --help'"),
        (
            ["data", "summary"],
            "error: missing argument 'DATASET' (or --table KEY): see 'tracker data summary --help'",
        ),
    ],
)
def test_command_line_mistakes_are_one_line_with_exit_1(args, message) -> None:
    result = CliRunner().invoke(app, args, env={"TRACKER_DATABASE_URL": ""}, prog_name="tracker")
    assert result.exit_code == 1
    assert result.output == message + "\n"


def test_formats_are_read_in_any_case(sqlite_cli) -> None:
    result = sqlite_cli("status", "--format", "JSON", "--as-of", "2020-06-30")
    assert result.exit_code == 0
    assert result.output.startswith("{")


def test_init_with_a_malformed_database_url_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    result = CliRunner().invoke(
        app, ["init", str(target), "--database", "nonsense"], env={"TRACKER_DATABASE_URL": ""}
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: database URL 'nonsense' is not valid: ")
    assert len(result.output.splitlines()) == 1
    assert not target.exists()


@pytest.mark.parametrize("command", [["status", "--as-of", "2020-06-30"], ["pack", "list"]])
def test_a_reader_that_goes_away_ends_the_command_quietly_with_141(
    sqlite_cli, command: list[str]
) -> None:
    # `tracker status | head -1`: the reader has gone before the first line is written.
    import os

    env = {**os.environ, **sqlite_cli.env()}
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "cli.py"), *command],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert err == b""


ONE_GROUP_RUNS = ("plan", "db", "data", "kpi", "outbox", "returns", "schedule", "pack", "rag")


@pytest.mark.parametrize(
    "words",
    [
        *([group, "--help"] for group in ONE_GROUP_RUNS),
        ["data", "import", "--help"],
        ["data", "import"],
        ["data", "nope"],
        ["kpi"],
        ["outbox", "list", "--bogus"],
    ],
)
def test_a_run_of_one_group_says_what_the_whole_app_says(words: list[str]) -> None:
    """``tracker GROUP ...`` builds that group alone (cli.app_for); what it prints and its
    exit status are the whole app's, word for word."""
    import typer

    from cli import app_for

    assert app_for(words) is not app
    groups = {g.name for g in app.registered_groups}
    assert set(ONE_GROUP_RUNS) == groups  # every group is tried
    assert groups <= set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    runner = CliRunner()
    whole = runner.invoke(app, words, prog_name="tracker")
    alone = runner.invoke(app_for(words), words, prog_name="tracker")
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)


def test_the_entry_point_spares_the_exit_its_last_collection() -> None:
    """cli.main ends the process: what it holds is frozen, so the collection at exit skips it."""
    code = (
        "import gc, cli\n"
        "try: cli.main(['--version'])\n"
        "except SystemExit as exc: assert not exc.code\n"
        "print(gc.get_freeze_count() > 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    version, frozen = out.stdout.splitlines()
    assert version.startswith("tracker ") and frozen == "True"
