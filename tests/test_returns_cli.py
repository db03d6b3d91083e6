"""``tracker returns issue|load|status|key`` from the command line: exit codes and output."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import Cli
from tests.returns_support import (
    ADMIN,
    FILLED,
    MEETING,
    OTHER,
    build_workspace,
    copy_workspace,
    fill,
    return_file,
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("returns-cli") / "ws"
    build_workspace(ws)
    return ws


@pytest.fixture
def rcli(pristine: Path, tmp_path: Path) -> Cli:
    return Cli(workspace=copy_workspace(pristine, tmp_path / "ws"), database_url=None,
               runner=CliRunner())  # fmt: skip


def mine(rcli: Cli) -> Path:
    return return_file(rcli.workspace, "prevent-coordinator")


def test_issue_writes_one_workbook_per_owner_and_says_where(sqlite_cli: Cli) -> None:
    result = sqlite_cli("returns", "issue", "--meeting", "sg-2021-03", "--by", ADMIN)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    folder = sqlite_cli.workspace / "outputs" / "returns" / MEETING
    assert lines[0] == (
        f"Issued 10 returns for {MEETING} (Prevent Steering Group, 09/03/2021), "
        f"due by 25/02/2021, in {folder}:"
    )
    assert "  mash.manager@example.org: 1 action, return-SG-2021-03-mash.xlsx" in lines
    assert len(list(folder.glob("*.xlsx"))) == 10
    again = sqlite_cli(
        "returns", "issue", "--meeting", MEETING, "--owner", "MASH.manager@example.org",
        "--by", ADMIN, "--format", "json",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    [issued] = json.loads(again.output)["returns"]
    assert issued["supersedes"] == f"{MEETING}.mash.1"
    assert issued["file"].endswith("return-SG-2021-03-mash-v2.xlsx")


def test_a_folder_that_cannot_be_written_records_no_return(sqlite_cli: Cli, tmp_path: Path) -> None:
    """An issue recorded without its file would supersede the workbook the owner holds."""
    first = sqlite_cli("returns", "issue", "--meeting", MEETING, "--by", ADMIN)
    assert first.exit_code == 0, first.output
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out in (a_file, a_file / "below"):
        result = sqlite_cli(
            "returns", "issue", "--meeting", MEETING, "--by", ADMIN, "--out", str(out)
        )
        assert result.exit_code == 1, result.output
        assert result.output.startswith("error: cannot write "), result.output
        assert len(result.output.splitlines()) == 1
    status = json.loads(sqlite_cli("returns", "status", "--format", "json").output)
    assert status["owners"] and all(o["return"].endswith(".1") for o in status["owners"])


def test_only_administrators_issue_returns(sqlite_cli: Cli) -> None:
    result = sqlite_cli("returns", "issue", "--meeting", MEETING, "--by", OTHER)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {OTHER} may not issue returns")
    assert len(result.output.splitlines()) == 1
    unknown = sqlite_cli("returns", "issue", "--meeting", "SG-1999-01", "--by", ADMIN)
    assert unknown.exit_code == 1
    assert unknown.output.startswith("error: no meeting 'SG-1999-01' in the plan: use one of")


def test_load_shows_the_diff_records_and_a_second_load_records_nothing(rcli: Cli) -> None:
    fill(mine(rcli), FILLED)
    result = rcli("returns", "load", str(mine(rcli)), "--yes", "--on", "2020-12-31", "--by", ADMIN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"{mine(rcli).name}: return {MEETING}.prevent-coordinator.1 "
        "from prevent.coordinator@example.org"
    )
    assert "    progress  60% -> 70%" in result.output
    assert "    own RAG   red -> amber" in result.output
    assert "  left empty, nothing to record: SO3.4" in result.output
    assert result.output.endswith("  loaded: 2 updates recorded\n")
    history = json.loads(rcli("history", "SO2.3", "--format", "json").output)["updates"][-1]
    assert (
        history["source"] == "spreadsheet"
        and history["return"] == f"{MEETING}.prevent-coordinator.1"
    )

    again = rcli("returns", "load", str(mine(rcli)), "--yes", "--by", ADMIN)
    assert again.exit_code == 0
    assert again.output.endswith("  already loaded: nothing has changed since, nothing recorded\n")


def test_load_asks_first_and_a_no_records_nothing(rcli: Cli) -> None:
    fill(mine(rcli), FILLED)
    result = rcli("returns", "load", str(mine(rcli)), "--on", "2020-12-31", "--by", ADMIN,
                  input="n\n")  # fmt: skip
    assert result.exit_code == 0
    assert (
        "Record 2 updates from return-SG-2021-03-prevent-coordinator.xlsx? [y/N]" in result.output
    )
    assert "not loaded: you declined; nothing recorded" in result.output
    dry = rcli("returns", "load", str(mine(rcli)), "--dry-run", "--format", "json", "--by", ADMIN)
    assert dry.exit_code == 0
    [file] = json.loads(dry.output)["files"]
    assert file["state"] == "ready" and [c["action"] for c in file["changes"]] == ["SO2.3", "SO3.1"]


def test_load_with_no_answer_to_give_stops_asking_and_exits_1(rcli: Cli) -> None:
    """Run from a script or cron without --yes: the question meets the end of input."""
    fill(mine(rcli), FILLED)
    theirs = fill(return_file(rcli.workspace, "community-safety"), {"SO1.2": {"status": "On hold"}})
    result = rcli("returns", "load", str(mine(rcli)), str(theirs), "--on", "2020-12-31",
                  "--by", ADMIN, input="")  # fmt: skip
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "bug" not in result.output
    assert result.output.count("[y/N]") == 1  # asked once, not again for the second file
    assert result.output.count("not loaded: no answer given; nothing recorded") == 2
    assert result.output.splitlines()[-1] == (
        "error: no answer was given to load return-SG-2021-03-prevent-coordinator.xlsx (the "
        "input ended), so it and the files after it were not loaded: rerun in a terminal to "
        "answer, or add --yes to load without asking"
    )
    status = rcli("returns", "status", "--as-of", "2021-01-15", "-f", "json")
    assert json.loads(status.output)["counts"]["returned"] == 0


def test_a_return_sent_back_untouched_is_not_counted_as_returned(rcli: Cli) -> None:
    result = rcli("returns", "load", str(mine(rcli)), "--yes", "--on", "2020-12-31", "--by", ADMIN)
    assert result.exit_code == 1
    assert "  left empty, nothing to record: SO2.3, SO3.1, SO3.4" in result.output
    assert (
        "  refused, nothing recorded: nothing is filled in (every action's row is empty), so it "
        "does not count as the owner's return: ask them to give each action's status, even "
        "where it has not changed"
    ) in result.output
    status = rcli("returns", "status", "--as-of", "2021-01-15", "-f", "json")
    assert json.loads(status.output)["counts"]["returned"] == 0  # still awaited, still chased


def test_a_fake_workbook_return_gets_advice_for_returns_not_data_files(
    rcli: Cli, tmp_path: Path
) -> None:
    fake = tmp_path / "return-SG-2021-03-prevent-coordinator.xlsx"
    fake.write_text("action,status\nSO2.3,complete\n")
    result = rcli("returns", "load", str(fake), "--yes", "--by", ADMIN)
    assert result.exit_code == 1
    assert "as CSV" not in result.output  # returns load refuses CSV files
    assert (
        "ask the owner to send back the workbook they were sent, saved in Excel as "
        "'Excel Workbook (*.xlsx)'"
    ) in result.output


def test_a_batch_with_a_refused_file_loads_the_rest_and_exits_1(rcli: Cli, tmp_path: Path) -> None:
    macro = tmp_path / "return.xlsm"
    shutil.copyfile(mine(rcli), macro)
    theirs = fill(return_file(rcli.workspace, "community-safety"), {"SO1.2": {"status": "On hold"}})
    fill(mine(rcli), {"SO2.3": {"status": "Finished"}})
    result = rcli(
        "returns", "load", str(macro), str(mine(rcli)), str(theirs), "--yes", "--on",
        "2020-12-31", "--by", ADMIN,
    )  # fmt: skip
    assert result.exit_code == 1
    out = result.output
    assert "refused, nothing recorded: it is a macro-enabled workbook" in out
    assert "sheet 'Return' cell H11 (Status): 'Finished' is not a status" in out
    assert "not loaded: 1 problem (listed above), nothing recorded" in out
    assert "  loaded: 1 update recorded" in out
    assert out.splitlines()[-1] == (
        "error: 2 of 3 files not loaded (see above); nothing from those files was recorded"
    )


def test_a_conflict_needs_force(rcli: Cli) -> None:
    rcli("update", "SO2.3", "-s", "in_progress", "-p", "65", "--on", "2020-12-31", "--by", ADMIN)
    fill(mine(rcli), FILLED)
    held = rcli("returns", "load", str(mine(rcli)), "--yes", "--on", "2020-12-31", "--by", ADMIN)
    assert held.exit_code == 1
    assert "    CONFLICT: updated in the tracker on 31/12/2020 by " in held.output
    assert "rerun with --force" in held.output
    forced = rcli("returns", "load", str(mine(rcli)), "--yes", "--force", "--on", "2020-12-31",
                  "--by", ADMIN)  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert forced.output.endswith("  loaded: 2 updates recorded\n")


def test_another_owner_cannot_load_a_return(rcli: Cli) -> None:
    fill(mine(rcli), FILLED)
    result = rcli("returns", "load", str(mine(rcli)), "--yes", "--by", OTHER)
    assert result.exit_code == 1
    assert "refused, nothing recorded: another owner's return: " in result.output


def test_status_as_table_and_json(rcli: Cli) -> None:
    fill(mine(rcli), FILLED)
    rcli("returns", "load", str(mine(rcli)), "--yes", "--on", "2020-12-31", "--by", ADMIN)
    table = rcli("returns", "status", "--as-of", "2021-01-15")
    assert table.exit_code == 0
    assert table.output.splitlines()[0] == (
        f"Returns for {MEETING} (Prevent Steering Group, 09/03/2021) as of 15/01/2021: "
        "1 returned, 7 outstanding, 0 overdue"
    )
    document = json.loads(rcli("returns", "status", "--as-of", "2021-03-05", "-f", "json").output)
    assert document["counts"] == {"returned": 1, "outstanding": 0, "overdue": 7}
    assert document["meeting"]["id"] == MEETING


def test_key_for_an_existing_workspace_is_private_and_never_printed(rcli: Cli) -> None:
    secret = rcli.workspace / ".tracker-secret"
    secret.unlink()
    missing = rcli("returns", "issue", "--meeting", MEETING, "--by", ADMIN)
    assert missing.exit_code == 1
    assert missing.output == (
        "error: this workspace has no secret key for signing returns (.tracker-secret is "
        "missing): create one with 'tracker returns key'\n"
    )
    made = rcli("returns", "key")
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text().strip() not in made.output
    twice = rcli("returns", "key")
    assert twice.exit_code == 1 and "already exists" in twice.output
    # The old returns were signed with the old key: now they are refused.
    fill(mine(rcli), FILLED)
    old = rcli("returns", "load", str(mine(rcli)), "--yes", "--by", ADMIN)
    assert old.exit_code == 1 and "tampered: " in old.output


def test_json_load_needs_yes_or_dry_run(rcli: Cli) -> None:
    result = rcli("returns", "load", str(mine(rcli)), "--format", "json", "--by", ADMIN)
    assert result.exit_code == 1
    assert result.output.startswith("error: --format json cannot ask for confirmation")


@pytest.mark.parametrize("command", ["issue", "load", "status", "key"])
def test_each_command_has_help_with_examples(rcli: Cli, command: str) -> None:
    result = rcli("returns", command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output


def test_issue_send_puts_a_request_with_the_workbook_in_the_outbox(sqlite_cli: Cli) -> None:
    import email
    import email.policy

    result = sqlite_cli(
        "returns", "issue", "--meeting", MEETING, "--owner", "mash.manager@example.org",
        "--by", ADMIN, "--send",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("outbox: mash.manager@example.org: ")
    [path] = list((sqlite_cli.workspace / "outbox" / "new").iterdir())
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == "return-SG-2021-03-mash.xlsx"
    issued = sqlite_cli.workspace / "outputs" / "returns" / MEETING / attachment.get_filename()
    assert attachment.get_content() == issued.read_bytes()


def test_a_load_dated_in_the_future_is_refused(rcli: Cli) -> None:
    """An update dated ahead would stand as the latest until that day comes."""
    result = rcli("returns", "load", str(mine(rcli)), "--yes", "--on", "2099-01-01", "--by", ADMIN)
    assert result.exit_code == 1
    assert result.output.startswith("error: update date 2099-01-01 is in the future (today is ")
    assert len(result.output.splitlines()) == 1


def test_a_file_name_with_terminal_escapes_is_printed_harmless(rcli: Cli, tmp_path: Path) -> None:
    """An attachment's name can set a terminal's clipboard or forge an output line."""
    named = tmp_path / "ok\x1b]52;c;ZWNobw==\x07\nloaded: fake.xlsx"
    shutil.copy(mine(rcli), named)
    result = rcli("returns", "load", str(named), "--dry-run", "--by", ADMIN)
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "ok?]52;c;ZWNobw==??loaded: fake.xlsx: return " in result.output
    assert not any(line.startswith("loaded: fake.xlsx") for line in result.output.splitlines())
    bad = tmp_path / "bad\x1b[31m.xlsx"
    bad.write_bytes(b"not a workbook")
    refused = rcli("returns", "load", str(bad), "--yes", "--by", ADMIN)
    assert refused.exit_code == 1 and "\x1b" not in refused.output


def test_a_folder_given_as_a_return_is_named_as_a_folder(rcli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "returns.xlsx"
    folder.mkdir()
    result = rcli("returns", "load", str(folder), "--yes", "--by", ADMIN)
    assert result.exit_code == 1
    assert "it is a folder, not a workbook: give the path of the returned .xlsx file" in (
        result.output
    )
