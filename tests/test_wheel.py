"""A wheel built from pyproject works outside the checkout: init and status in an empty folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_wheel_installs_and_runs_in_an_empty_folder(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("tracker-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cli.py" in names
    assert "commands/common.py" in names
    assert "tracker/shipped/objectives.yaml" in names
    assert "tracker/db/migrations/env.py" in names
    assert any(n.startswith("tracker/db/migrations/versions/") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    # A bare venv, filled by this pip (no pip of its own to install), without compiling
    # every dependency's bytecode: the same files a user gets, in a fraction of the time.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    _run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "-q",
         "--no-compile", "--disable-pip-version-check", str(wheel)],
        cwd=tmp_path,
    )  # fmt: skip

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = ""
    tracker = str(venv / "bin/tracker")
    out = _run([tracker, "init"], cwd=empty, env=env)
    assert "Created workspace" in out
    status = _run(
        [tracker, "status", "--format", "json", "--as-of", "2020-06-30"], cwd=empty, env=env
    )
    assert '"SO5"' in status
    assert _run([tracker, "plan", "load"], cwd=empty, env=env).strip().endswith("no changes")
