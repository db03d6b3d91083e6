"""``tracker demo``: a complete synthetic workspace, rebuilt safely, the same every time.

The demo always keeps its database in a SQLite file inside its folder (it never
touches the database named by TRACKER_DATABASE_URL), so these tests run on SQLite only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracker import shipped
from tracker.demo import DEMO_AS_OF, MARKER, demo_steps, synthetic_updates
from tracker.plan.loader import load_plan
from tracker.progress import action_history
from tracker.settings import Settings
from tracker.workspace import open_workspace

DEMO_NAME = "Northamptonshire Prevent Strategy 2019-2021 - DEMO, synthetic data"

HEADINGS = [
    "SO1 Community cohesion - ",
    "SO2 Hate and community tensions - ",
    "SO3 Awareness and confidence in Prevent - ",
    "SO4 Referral pathways - ",
    "SO5 Support to disengage - ",
]


def demo(*args: str) -> Any:
    from cli import app

    env = {
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "TRACKER_USER": "",
        "TRACKER_WORKSPACE": "",
        # The demo must ignore a configured database: this one does not exist.
        "TRACKER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        # Without LibreOffice's re-save of a return (about 3 s a build): the session's demo
        # (conftest's demo_build) does it, as a user's demo does where LibreOffice is installed.
        "TRACKER_SOFFICE": "",
    }
    return CliRunner().invoke(app, ["demo", *args], env=env)


def all_updates(folder: Path) -> list:
    with open_workspace(Settings(workspace=folder)) as ws:
        plan = ws.plan()
        return [u for a in plan.actions() for u in action_history(ws.engine, plan, a.id)]


def test_demo_builds_shows_every_rating_and_rebuilds_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = demo(str(folder))
    assert first.exit_code == 0, first.output
    out = first.output
    N = len(demo_steps())
    lines = out.splitlines()
    outputs = folder / "outputs"
    assert lines[0] == f"Demo workspace: {folder} (everything in it is synthetic)"
    assert lines[1] == (
        f"[1/{N}] Create the workspace from the shipped plan: "
        "objectives.yaml loaded into tracker.db"
    )
    assert lines[2].startswith(f"[2/{N}] Record synthetic progress updates from action owners: ")
    assert lines[2].endswith(" up to 2020-12-31")
    assert lines[3] == (
        f"[3/{N}] Write synthetic referral and training files: "
        "data/referrals.csv, data/training.xlsx"
    )
    assert lines[4].startswith(f"[4/{N}] Import them as a plan administrator would: ")
    assert lines[4].endswith(" training rows imported")
    assert lines[5].startswith(f"[5/{N}] Record synthetic values of the manual KPIs: ")
    assert lines[6].startswith(f"[6/{N}] Issue returns; load some filled in: 8 for SG-2021-03; ")
    assert " 3 filled in" in lines[6] and "not loaded" not in lines[6]
    assert lines[7].startswith(f"[7/{N}] Override one overdue action's rating as an administrator")
    assert lines[7].endswith(" amber until 2021-01-31")
    assert lines[8] == (
        f"[8/{N}] Compile the Steering Group pack and the strategy review: "
        "the SG-2021-03 pack and the review, in outputs/packs/ and outputs/review/"
    )
    assert lines[9] == (
        f"[9/{N}] Put the return requests and the pack email in the outbox: "
        "8 return requests and the pack email in outbox/"
    )
    emails = folder / "outbox" / "new"
    assert f"The emails (a Maildir folder any mail client opens): {emails}" in lines
    assert any(p.name.startswith("pack.SG-2021-03.") for p in emails.iterdir())
    assert lines[10] == (
        f"[10/{N}] Replay the last meeting's reporting cycle on the scheduler: "
        "4 passes for SG-2020-12, 20 emails"
    )
    # The schedule, then what one meeting's cycle did, ending with the outbox and the pack.
    # Ten owners are asked (an overdue action needs an update most of all); the two whose
    # actions are all complete or cancelled by then are skipped when the request falls due,
    # and so are their chasers: nobody is reminded of a return they were not asked for.
    assert "  tick --now 2020-11-17T09:00 (return request): 8 done, 2 skipped" in lines
    assert "  tick --now 2020-12-01T09:00 (Steering Group pack): 1 done" in lines
    assert f"The outbox ({folder / 'outbox'}) holds 20 emails: " in out
    pack = outputs / "packs" / "pack-SG-2020-12-as-of-2020-11-30.xlsx"
    assert f"The pack for SG-2020-12: {pack}" in lines and pack.is_file()
    packs, review = outputs / "packs", outputs / "review"
    assert f"The Steering Group pack: {packs / 'pack-SG-2021-03-as-of-2020-12-31.xlsx'}" in lines
    assert f"The review workbook: {review / 'review-as-of-2020-12-31.xlsx'}" in lines
    assert f"The draft review paper: {review / 'review-paper-as-of-2020-12-31.docx'}" in lines
    assert any(line.startswith(f"{DEMO_NAME}: KPIs as of 2020-12-31") for line in lines)
    kpi_counts = next(line for line in lines if line.startswith("11 KPIs by RAG: "))
    for rating in ("RED", "AMBER", "GREEN"):
        assert f" {rating}" in kpi_counts, kpi_counts
    assert f"{DEMO_NAME}: status as of 2020-12-31" in lines
    for heading in HEADINGS:
        assert any(line.startswith(heading) for line in lines), heading
    counts = next(line for line in lines if line.startswith("22 actions by RAG: "))
    for rating in ("RED", "AMBER", "GREEN", "COMPLETE"):
        n = int(counts.split(f" {rating}")[0].split()[-1])
        assert n > 0, f"the demo should show {rating} actions: {counts}"
    assert "Everything in this workspace is synthetic. Commands to try next:" in lines
    assert f"  tracker history SO3.2 -w {folder}" in lines
    assert (folder / MARKER).is_file()

    everything = all_updates(folder)
    updates = [u for u in everything if u.source == "demo"]
    returned = [u for u in everything if u.source != "demo"]  # the two returns the cycle loads
    assert {u.source for u in returned} == {"spreadsheet"} and len(returned) >= 2
    assert len(updates) > 100
    with open_workspace(Settings(workspace=folder)) as ws:
        plan = ws.plan()
        for u in updates:
            action = plan.action(u.action_id)
            assert action is not None
            owner = plan.owner(action.owner)
            assert owner is not None
            assert u.by == owner.email
            assert u.source in ("demo", "spreadsheet")  # spreadsheet: the demo's returns
            assert u.note and "(synthetic)" in u.note
            assert (u.return_id is not None) is (u.source == "spreadsheet")
            assert plan.plan.start <= u.on <= DEMO_AS_OF

    (folder / "outputs" / "left-over.txt").write_text("from the first run")
    second = demo(str(folder))
    assert second.exit_code == 0, second.output
    assert second.output == first.output  # deterministic
    assert not (folder / "outputs" / "left-over.txt").exists()  # rebuilt from scratch
    assert [(u.action_id, u.on, u.status, u.progress, u.note) for u in all_updates(folder)] == [
        (u.action_id, u.on, u.status, u.progress, u.note) for u in everything
    ]


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my own work")
    result = demo(str(folder))
    assert result.exit_code == 1
    assert result.output == (
        f"error: {folder} is not empty and was not made by 'tracker demo', so the demo will not "
        "use it: choose a new folder, e.g. 'tracker demo demo-workspace'\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert (folder / "notes.txt").read_text() == "my own work"


def test_demo_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = demo(str(target))
    assert result.exit_code == 1
    assert result.output == f"error: {target} is a file, not a folder: choose another path\n"


def test_demo_uses_an_empty_folder_and_an_as_of_date(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    result = demo(str(folder), "--as-of", "2020-06-30")
    assert result.exit_code == 0, result.output
    assert f"{DEMO_NAME}: status as of 2020-06-30" in result.output
    assert max(u.on for u in all_updates(folder) if u.source == "demo") <= date(2020, 6, 30)
    # The scheduler replays the last meeting's cycle: requests from 18 May 2020.
    assert "  tick --now 2020-05-18T09:00 (return request): " in result.output


def test_keep_reuses_the_demo_workspace(demo_copy: Path) -> None:
    folder = demo_copy
    before = len(all_updates(folder))
    result = demo(str(folder), "--keep", "--as-of", "2020-09-30")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "Using the demo workspace already there (--keep): nothing rebuilt"
    )
    assert "status as of 2020-09-30" in result.output
    assert len(all_updates(folder)) == before


@pytest.mark.parametrize("as_of", ["2019-09-30", "2021-05-01"])
def test_as_of_must_be_inside_the_strategy(tmp_path: Path, as_of: str) -> None:
    folder = tmp_path / "demo"
    result = demo(str(folder), "--as-of", as_of)
    assert result.exit_code == 1
    assert result.output == (
        f"error: --as-of {as_of} is outside the strategy period (2019-10-01 to 2021-04-30): "
        "choose a date inside it, or leave it out for 2020-12-31\n"
    )
    assert not folder.exists()


def test_synthetic_updates_are_deterministic_and_valid() -> None:
    plan = load_plan(shipped.example_plan()).plan
    first = synthetic_updates(plan, as_of=DEMO_AS_OF)
    assert first == synthetic_updates(plan, as_of=DEMO_AS_OF)
    assert first != synthetic_updates(plan, as_of=DEMO_AS_OF, seed=1)
    statuses = {u.status for u in first}
    assert {"in_progress", "complete", "on_hold"} <= statuses
    for u in first:
        assert u.source == "demo"
        action = plan.action(u.action_id)
        assert action is not None and u.on is not None
        assert action.start <= u.on <= DEMO_AS_OF
        assert u.note is not None and u.note.endswith(" (synthetic)")
    early = synthetic_updates(plan, as_of=date(2019, 12, 31))
    assert all(u.on is not None and u.on <= date(2019, 12, 31) for u in early)


def test_demo_kpis_fit_80_columns(demo_copy: Path) -> None:
    from cli import app

    folder = demo_copy
    env = {"NO_COLOR": "1", "COLUMNS": "80", "TRACKER_DATABASE_URL": "", "TRACKER_USER": ""}
    result = CliRunner().invoke(
        app, ["kpi", "show", "-w", str(folder), "--as-of", "2020-12-31"], env=env
    )
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "…" not in result.output  # nothing cropped
    for kpi_id in ("KPI1.1", "KPI3.1", "KPI5.3"):
        assert kpi_id in result.output


def test_tracker_soffice_names_libreoffice_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from tracker.returns.resave import find_soffice, soffice_misnamed

    monkeypatch.setenv("TRACKER_SOFFICE", "")
    assert find_soffice() is None
    assert soffice_misnamed() is None  # empty: do without, as asked
    monkeypatch.setenv("TRACKER_SOFFICE", str(tmp_path / "nowhere"))
    assert find_soffice() is None
    assert soffice_misnamed() == f"TRACKER_SOFFICE names no program ('{tmp_path / 'nowhere'}')"
    program = tmp_path / "my-soffice"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    monkeypatch.setenv("TRACKER_SOFFICE", str(program))
    assert find_soffice() == str(program)
    monkeypatch.delenv("TRACKER_SOFFICE")
    assert find_soffice() == (shutil.which("soffice") or shutil.which("libreoffice"))
