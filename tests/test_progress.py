"""Progress updates: given by the right people, append-only, nothing stored on any error."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.clock import today_in
from tracker.errors import InvalidValueError, PermissionDeniedError
from tracker.progress import (
    UpdateInput,
    action_history,
    record_update,
    record_updates,
)
from tracker.settings import Settings
from tracker.usertext import NOTE_MAX, clean_note
from tracker.workspace import open_workspace

COORDINATOR = "prevent.coordinator@example.org"  # owns SO3.2; a plan administrator too
ADMIN = "plan.administrator@example.org"  # an administrator who owns nothing
MASH = "mash.manager@example.org"  # owns SO4.5 only
EDUCATION = "education.safeguarding@example.org"  # owns SO4.2 only

TODAY = date(2021, 4, 30)  # the library takes the date from its caller; any day after the updates


def history(cli, action_id: str) -> list[dict]:
    result = cli("history", action_id, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["action"] == action_id
    return document["updates"]


def _open(cli):
    return open_workspace(Settings(workspace=cli.workspace, database_url=cli.database_url))


# --- recording ---------------------------------------------------------------------------------


def test_update_is_recorded_and_listed(cli) -> None:
    result = cli(
        "update", "SO3.2", "--status", "in_progress", "--progress", "40",
        "--note", "Module live on the learning platform", "--on", "2020-03-01",
        "--by", COORDINATOR,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded: SO3.2 in_progress 40% on 2020-03-01 by {COORDINATOR}\n"
    [entry] = history(cli, "SO3.2")
    recorded_at = entry.pop("recorded_at")
    assert recorded_at.endswith("+00:00")
    assert entry == {
        "on": "2020-03-01",
        "status": "in_progress",
        "progress": 40,
        "rag": None,
        "note": "Module live on the learning platform",
        "by": COORDINATOR,
        "source": "cli",
        "return": None,
    }


def test_a_backdated_update_says_a_later_one_still_stands(cli) -> None:
    later = ("update", "SO3.2", "--status", "in_progress", "--progress", "60", "--on", "2020-11-01")
    assert cli(*later, "--by", COORDINATOR).exit_code == 0
    result = cli(
        "update", "SO3.2", "--status", "complete", "--on", "30/09/2020", "--by", COORDINATOR
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Note: the update dated 2020-11-01 (in progress) is later, so it still stands as the "
        "latest; this one is in the history. To change what SO3.2 shows now, record an update "
        "dated today."
    )


def test_user_from_environment_and_forgiving_spelling(cli) -> None:
    result = cli(
        "update", "SO4.5", "-s", "In Progress", "--rag", "Amber", "--on", "01/06/2020",
        TRACKER_USER="MASH.Manager@example.org",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded: SO4.5 in_progress on 2020-06-01 by {MASH}\n"
    [entry] = history(cli, "SO4.5")
    assert (entry["status"], entry["progress"], entry["rag"]) == ("in_progress", None, "amber")


def test_complete_means_100_and_date_defaults_to_today(cli) -> None:
    result = cli("update", "SO3.2", "--status", "complete", "--by", COORDINATOR)
    assert result.exit_code == 0, result.output
    with _open(cli) as ws:
        today = today_in(ws.plan().plan.timezone)
    assert result.output == f"Recorded: SO3.2 complete 100% on {today} by {COORDINATOR}\n"
    assert history(cli, "SO3.2")[0]["progress"] == 100


def test_progress_100_with_another_status_is_allowed(cli) -> None:
    result = cli(
        "update", "SO3.2", "-s", "in_progress", "-p", "100", "--on", "2020-08-01", "--by", ADMIN
    )
    assert result.exit_code == 0, result.output


def test_reopening_a_complete_action_needs_its_progress(sqlite_cli) -> None:
    """Issue: after 'complete', 'in_progress' with no --progress showed "in progress, 100%"."""
    cli = sqlite_cli
    done = cli("update", "SO3.2", "-s", "complete", "--on", "2020-07-15", "--by", COORDINATOR)
    assert done.exit_code == 0, done.output
    reopened = cli("update", "SO3.2", "-s", "in_progress", "--on", "2020-08-01", "--by", ADMIN)
    assert reopened.exit_code == 1
    assert reopened.output == (
        "error: SO3.2 was reported complete; reopening it as in progress needs its per cent "
        "complete: pass --progress with how far along it is now, e.g. --progress 80\n"
    )
    assert len(history(cli, "SO3.2")) == 1  # nothing stored
    # an update dated before the completion is not a reopening
    early = cli("update", "SO3.2", "-s", "in_progress", "--on", "2020-06-01", "--by", ADMIN)
    assert early.exit_code == 0, early.output
    with_progress = cli(
        "update", "SO3.2", "-s", "in_progress", "-p", "80", "--on", "2020-08-01", "--by", ADMIN
    )
    assert with_progress.exit_code == 0, with_progress.output
    status = json.loads(cli("status", "--as-of", "2020-08-02", "--format", "json").output)
    so32 = next(a for o in status["objectives"] for a in o["actions"] if a["id"] == "SO3.2")
    assert (so32["status"], so32["progress"]) == ("in_progress", 80)
    # within one batch too: complete, then reopened without a figure
    with _open(cli) as ws, pytest.raises(InvalidValueError, match=r"update 2 of 2 .*reopening"):
        record_updates(
            ws.engine,
            ws.plan(),
            [
                UpdateInput("SO4.5", "complete", on=date(2020, 6, 1), by=ADMIN),
                UpdateInput("SO4.5", "on_hold", on=date(2020, 6, 2), by=ADMIN),
            ],
            today=TODAY,
        )


def test_every_invalid_value_is_one_line_and_stores_nothing(cli) -> None:
    with _open(cli) as ws:
        today = today_in(ws.plan().plan.timezone)
    ok = ["--on", "2020-03-01", "--by", COORDINATOR]
    cases: list[tuple[list[str], str]] = [
        (
            ["SO3.2", "-s", "done", *ok],
            "status 'done' is not one of not_started, in_progress, complete, on_hold, "
            "cancelled: pass --status with one of those",
        ),
        (
            ["SO3.2", "-s", "in_progress", "-p", "101", *ok],
            "progress '101' is not a whole number from 0 to 100: "
            "give the per cent complete, e.g. --progress 40",
        ),
        (
            ["SO3.2", "-s", "in_progress", "-p", "-5", *ok],
            "progress '-5' is not a whole number from 0 to 100: "
            "give the per cent complete, e.g. --progress 40",
        ),
        (
            ["SO3.2", "-s", "complete", "-p", "50", *ok],
            "status complete with progress 50% is contradictory: "
            "leave out --progress (complete means 100) or choose status in_progress",
        ),
        (
            ["SO3.2", "-s", "not_started", "-p", "10", *ok],
            "status not_started with progress 10% is contradictory: "
            "use status in_progress, or leave out --progress",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--rag", "purple", *ok],
            "RAG 'purple' is not one of red, amber, green: "
            "pass --rag red, amber or green, or leave it out",
        ),
        (
            ["SO3.2", "-s", "in_progress", "-n", "x" * (NOTE_MAX + 1), *ok],
            f"note is {NOTE_MAX + 1} characters long, the limit is {NOTE_MAX}: "
            "shorten it (put long reports in the Steering Group pack)",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "2999-01-01", "--by", COORDINATOR],
            f"update date 2999-01-01 is in the future (today is {today}): "
            "give the date the update speaks for: today or earlier",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "2019-09-30", "--by", COORDINATOR],
            "update date 2019-09-30 is before the strategy starts (2019-10-01): check the date",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "31/02/2020", "--by", COORDINATOR],
            "--on '31/02/2020' is not a real date (day is out of range for month): "
            "check the day and month",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "2020-03-01"],
            "who is giving this update is not known: "
            "pass --by YOUR_EMAIL or set TRACKER_USER to your email address",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "2020-03-01", "--by", "coordinator"],
            "'coordinator' is not a valid email address: "
            "pass --by with your email address as it appears in the plan",
        ),
        (
            ["SO3.2", "-s", "in_progress", "--on", "2020-03-01", "--by", MASH],
            f"{MASH} may not update SO3.2: it is owned by {COORDINATOR} (Prevent Coordinator): "
            "ask the owner to update it, or a plan administrator",
        ),
        (
            ["SO3.2", "-s", "in_progress", "-p", "4.5", *ok],
            "progress '4.5' is not a whole number from 0 to 100: "
            "give the per cent complete, e.g. --progress 40",
        ),
        (
            ["SO3.2", "-s", "in_progress", "-p", "forty", *ok],
            "progress 'forty' is not a whole number from 0 to 100: "
            "give the per cent complete, e.g. --progress 40",
        ),
    ]
    for args, message in cases:
        result = cli("update", *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output == f"error: {message}\n", args
    assert history(cli, "SO3.2") == []


def test_action_ids_and_progress_are_read_as_people_write_them(cli) -> None:
    result = cli(
        "update", "so3.2", "-s", "In progress", "-p", " 40% ", "--on", "01/03/2020",
        "--by", f" {COORDINATOR.upper()} ",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"Recorded: SO3.2 in_progress 40% on 2020-03-01 by {COORDINATOR}\n"
    result = cli("history", "so3.2", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["action"] == "SO3.2"
    assert [u["progress"] for u in document["updates"]] == [40]


def test_unknown_action_lists_the_ids(cli) -> None:
    result = cli("update", "SO9.9", "-s", "in_progress", "--by", COORDINATOR)
    assert result.exit_code == 1
    assert result.output == (
        "error: no action 'SO9.9' in the plan: use one of SO1.1, SO1.2, SO1.3, SO1.4, "
        "SO2.1, SO2.2, SO2.3, SO2.4, SO3.1, SO3.2, SO3.3, SO3.4, ...\n"
    )


# --- who may update what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "action_id", "allowed"),
    [
        (EDUCATION, "SO4.2", True),  # the owner
        (EDUCATION.upper(), "SO4.2", True),  # addresses compare without case
        (MASH, "SO4.2", False),  # another owner
        (ADMIN, "SO4.2", True),  # a plan administrator
        (COORDINATOR, "SO4.2", True),  # an owner who is also an administrator
        ("someone@example.org", "SO4.2", False),  # not in the plan at all
    ],
)
def test_permissions(cli, who: str, action_id: str, allowed: bool) -> None:
    result = cli("update", action_id, "-s", "in_progress", "--on", "2020-02-01", "--by", who)
    if allowed:
        assert result.exit_code == 0, result.output
        assert history(cli, action_id)[0]["by"] == who.lower()
    else:
        assert result.exit_code == 1
        assert result.output == (
            f"error: {who} may not update {action_id}: it is owned by {EDUCATION} "
            "(Education Safeguarding lead): ask the owner to update it, or a plan administrator\n"
        )
        assert history(cli, action_id) == []


# --- history -------------------------------------------------------------------------------------


def test_history_is_oldest_first_by_date_then_as_recorded(cli) -> None:
    for on, note in [("2020-05-01", "second"), ("2020-03-01", "first"), ("2020-05-01", "third")]:
        result = cli("update", "SO3.2", "-s", "in_progress", "-n", note, "--on", on, "--by", ADMIN)
        assert result.exit_code == 0, result.output
    assert [u["note"] for u in history(cli, "SO3.2")] == ["first", "second", "third"]


def test_history_table_reads_without_colour(cli) -> None:
    cli("update", "SO3.2", "-s", "on-hold", "-p", "30", "--rag", "red", "-n", "[bold]Paused[/]",
        "--on", "2020-04-01", "--by", COORDINATOR)  # fmt: skip
    result = cli("history", "SO3.2")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    lines = result.output.splitlines()
    assert lines[0].strip() == "Updates on SO3.2, oldest first"
    header = next(line for line in lines if line.strip().startswith("On "))
    for word in ("On", "Status", "By, from", "Note", "Recorded"):
        assert word in header
    start = next(i for i, line in enumerate(lines) if "2020-04-01" in line)
    row = "\n".join(lines[start : start + 4])  # one update spans a few lines
    for word in ("on hold", "30%", "own RAG: RED", COORDINATOR, "cli", "[bold]Paused[/]", "UTC"):
        assert word in row  # user text is shown as written, never as markup
    assert lines[-1] == "1 update"


def test_history_of_an_action_without_updates(cli) -> None:
    result = cli("history", "SO1.1")
    assert result.exit_code == 0
    assert result.output == (
        "No updates recorded on SO1.1 yet. Record one with: tracker update SO1.1 "
        "--status in_progress --progress 10 --note TEXT\n"
    )


def test_history_of_an_unknown_action(cli) -> None:
    result = cli("history", "SO3.9")
    assert result.exit_code == 1
    assert result.output.startswith("error: no action 'SO3.9' in the plan: use one of SO1.1, ")


def test_archived_action_keeps_its_history_but_takes_no_updates(cli) -> None:
    result = cli("update", "SO1.4", "-s", "in_progress", "--on", "2020-05-01", "--by", ADMIN)
    assert result.exit_code == 0, result.output
    assert len(history(cli, "SO1.4")) == 1
    plan = cli.workspace / "objectives.yaml"
    text = plan.read_text(encoding="utf-8")
    start = text.index("      - id: SO1.4")
    end = text.index("  - id: SO2\n")
    plan.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    loaded = cli("plan", "load")
    assert loaded.exit_code == 0, loaded.output
    assert "action SO1.4: archived" in loaded.output

    result = cli("update", "SO1.4", "-s", "complete", "--on", "2020-06-01", "--by", ADMIN)
    assert result.exit_code == 1
    assert result.output.startswith("error: action SO1.4 was removed from the plan on ")
    assert result.output.endswith(
        "and is archived; its history is kept but it takes no new updates: put it back in "
        "objectives.yaml and run 'tracker plan load' to restore it\n"
    )
    assert [u["status"] for u in history(cli, "SO1.4")] == ["in_progress"]
    document = json.loads(cli("history", "SO1.4", "--format", "json").output)
    assert document["archived"].endswith("+00:00")
    table = cli("history", "SO1.4")
    assert table.exit_code == 0, table.output
    assert table.output.startswith(
        f"SO1.4 was removed from the plan on {document['archived'][:10]} (archived); "
        "its history is kept.\n"
    )


# --- the library ---------------------------------------------------------------------------


def test_a_batch_is_all_or_nothing(cli) -> None:
    good = UpdateInput("SO3.2", "in_progress", 20, on=date(2020, 2, 1), by=COORDINATOR)
    bad = UpdateInput("SO4.5", "in_progress", 20, on=date(2020, 2, 1), by=COORDINATOR, rag="x")
    with _open(cli) as ws:
        plan = ws.plan()
        with pytest.raises(InvalidValueError) as caught:
            record_updates(ws.engine, plan, [good, bad], today=TODAY)
        assert str(caught.value).startswith("update 2 of 2 (SO4.5): RAG 'x' is not one of")
        assert action_history(ws.engine, plan, "SO3.2") == []
        saved = record_updates(ws.engine, plan, [good, good], today=TODAY)
        assert [s.progress for s in saved] == [20, 20]
        assert len(action_history(ws.engine, plan, "SO3.2")) == 2


def test_library_checks_source_and_permission(cli) -> None:
    with _open(cli) as ws:
        plan = ws.plan()
        args = dict(action_id="SO4.5", status="in_progress", progress=None, rag=None, note=None,
                    on=date(2020, 2, 1), today=TODAY)  # fmt: skip
        with pytest.raises(InvalidValueError, match="source 'email' is not one of"):
            record_update(ws.engine, plan, **args, by=MASH, source="email")
        with pytest.raises(PermissionDeniedError, match=f"owned by {MASH}"):
            record_update(ws.engine, plan, **args, by=EDUCATION, source="spreadsheet")
        saved = record_update(ws.engine, plan, **args, by=MASH, source="spreadsheet")
        assert (saved.action_id, saved.source, saved.by) == ("SO4.5", "spreadsheet", MASH)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, None),
        ("   ", None),
        ("  Done.  ", "Done."),
        ("line one\r\nline two", "line one\nline two"),
        ("tab\there", "tab here"),
        ("bell\x07 nul\x00 esc\x1b[31m", "bell nul esc[31m"),
        ("abc\u202edef", "abcdef"),  # a right-to-left override could disguise text in a pack
    ],
)
def test_notes_lose_control_characters(given: str | None, stored: str | None) -> None:
    assert clean_note(given) == stored
