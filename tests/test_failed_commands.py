"""Exit status 1 means nothing was created or changed: no stray tracker.db after a failure."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from cli import app
from tracker import shipped

ENV = {"TRACKER_DATABASE_URL": "", "TRACKER_WORKSPACE": "", "TRACKER_USER": "", "NO_COLOR": "1"}


def test_a_command_that_fails_leaves_no_database_behind(tmp_path: Path) -> None:
    # A folder holding a plan file but no database, such as a checkout of the repository.
    shutil.copyfile(shipped.example_plan(), tmp_path / "objectives.yaml")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = CliRunner().invoke(
        app,
        ["update", "SO3.2", "--status", "in_progress", "-w", str(tmp_path),
         "--by", "prevent.coordinator@example.org"],
        env=ENV,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("error: no plan has been loaded")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_command_that_succeeds_keeps_the_database_it_made(tmp_path: Path) -> None:
    shutil.copyfile(shipped.example_plan(), tmp_path / "objectives.yaml")
    result = CliRunner().invoke(app, ["plan", "load", "-w", str(tmp_path)], env=ENV)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "tracker.db").is_file()
