"""Shell completion: the script for each shell, completions from the real command, installing.

Each test runs ``tracker`` as a shell would (a subprocess named ``tracker``), so
the completion variable is ``_TRACKER_COMPLETE``, as in the installed script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TRACKER = [sys.executable, "-c", "import cli; cli.main()"]


def tracker(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "_TRACKER_COMPLETE"}
    full = {**inherited, "NO_COLOR": "1", **env}
    return subprocess.run(
        [*TRACKER, *args], cwd=REPO, env=full, capture_output=True, text=True, timeout=60
    )


def complete(line: str) -> list[str]:
    """What bash would be offered for ``line`` (the word being typed is the last one)."""
    words = line.split(" ")
    result = tracker(
        _TRACKER_COMPLETE="complete_bash",
        COMP_WORDS=line,
        COMP_CWORD=str(len(words) - 1),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _tracker_completion tracker"),
        ("zsh", "#compdef tracker"),
        ("fish", "complete --command tracker"),
    ],
)
def test_show_completion_prints_the_named_shells_script(shell: str, marker: str) -> None:
    result = tracker("--show-completion", shell, SHELL="/bin/bash")
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "_TRACKER_COMPLETE" in result.stdout


def test_show_completion_without_a_name_uses_the_shell_in_use() -> None:
    result = tracker("--show-completion", SHELL="/bin/bash")
    assert result.returncode == 0, result.stderr
    assert "_TRACKER_COMPLETE" in result.stdout


def test_an_unknown_shell_is_one_line_and_exit_1() -> None:
    result = tracker("--show-completion", "tcsh")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: no completion for the shell 'tcsh': use one of bash, zsh, fish, powershell, "
        "pwsh; see 'tracker --help'\n"
    )


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("tracker st", ["status"]),
        ("tracker kpi sh", ["show"]),
        ("tracker status --as", ["--as-of"]),
        ("tracker data su", ["summary"]),
    ],
)
def test_completion_offers_commands_and_options(line: str, offered: list[str]) -> None:
    assert complete(line) == offered


def test_completion_lists_every_command() -> None:
    offered = complete("tracker ")
    for name in ("status", "history", "kpi", "data", "pack", "rag", "schedule"):
        assert name in offered


def test_installed_script_completes_in_a_real_bash(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        if os.environ.get("CI") == "true":
            pytest.fail("bash is needed for the completion test")
        pytest.skip("bash is not installed")
    # A ``tracker`` on PATH as the script expects, running this checkout.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "tracker"
    wrapper.write_text(
        f'#!/bin/sh\ncd {REPO} && exec {sys.executable} -c "import cli; cli.main()" "$@"\n'
    )
    wrapper.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    installed = subprocess.run(
        ["tracker", "--install-completion", "bash"], env=env, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    script = home / ".bash_completions" / "tracker.sh"
    assert script.exists()
    assert f"source '{script}'" in (home / ".bashrc").read_text()
    session = (
        f"source '{script}'\n"
        "COMP_WORDS=(tracker sta); COMP_CWORD=1; _tracker_completion tracker\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    shell = subprocess.run(
        [bash, "--norc", "-c", session], env=env, capture_output=True, text=True, timeout=60
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.split() == ["status"]


def test_help_shows_the_completion_options() -> None:
    result = tracker("--help", COLUMNS="100")
    assert result.returncode == 0
    assert "--install-completion" in result.stdout
    assert "--show-completion" in result.stdout


def test_offering_completion_imports_nothing_more_for_help() -> None:
    """Typer loads its completion code either way: --help imports the same modules."""
    code = (
        "import contextlib, io, sys, cli; cli.app._add_completion = {}\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.app(['--help'], prog_name='tracker', standalone_mode=False)\n"
        "print(sorted(sys.modules))"
    )
    loaded = [
        subprocess.run(
            [sys.executable, "-c", code.format(flag)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for flag in (True, False)
    ]
    assert loaded[0] == loaded[1]


@pytest.mark.parametrize(
    ("detected", "login", "expected"),
    [("zsh", "/bin/bash", "zsh"), (None, "/usr/bin/fish", "fish"), ("sh", "/bin/bash", "bash")],
)
def test_the_shell_in_use_falls_back_to_the_login_shell(
    monkeypatch: pytest.MonkeyPatch, detected: str | None, login: str, expected: str
) -> None:
    # From cron, an editor or `sh -c` there is no supported shell above the command.
    import shellingham

    from commands.common import shell_in_use

    def detect() -> tuple[str, str]:
        if detected is None:
            raise shellingham.ShellDetectionFailure()
        return detected, f"/bin/{detected}"

    monkeypatch.setattr(shellingham, "detect_shell", detect)
    monkeypatch.setenv("SHELL", login)
    assert shell_in_use("tracker", "--show-completion") == expected


def test_no_shell_to_be_found_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import shellingham
    import typer

    from commands.common import shell_in_use

    def detect() -> tuple[str, str]:
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", detect)
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    with pytest.raises(typer.Exit) as info:
        shell_in_use("tracker", "--show-completion")
    assert info.value.exit_code == 1
