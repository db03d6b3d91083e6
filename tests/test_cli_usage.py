"""Usage mistakes at every level read alike: one line, what to do, exit status 1."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import app
from tracker import __version__


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.output) == (0, f"tracker {__version__}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "error: no such option: --bogus; see 'tracker --help'"),
        (
            ["stats"],
            "error: no such command 'stats' (did you mean 'status'?); see 'tracker --help'",
        ),
        (
            ["kpi", "shw"],
            "error: no such command 'shw' (did you mean 'show'?); see 'tracker kpi --help'",
        ),
        (["status", "--bogus"], "error: no such option: --bogus; see 'tracker status --help'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_1(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args, prog_name="tracker")
    assert result.exit_code == 1
    assert result.output == message + "\n"
