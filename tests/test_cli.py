"""The command line as a whole: help for every command, one-line errors, fast start."""

from __future__ import annotations

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


def test_help_lists_groups() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("plan", "data", "kpi", "db", "status", "update"):
        assert group in result.output


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
