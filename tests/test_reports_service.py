"""Compiling packs and reviews from a workspace: the period, records, changes, atomic files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker import shipped
from tracker.errors import InvalidValueError, NotFoundError, WorkspaceError
from tracker.plan.loader import load_plan
from tracker.plan.pack import PackSettings
from tracker.progress import UpdateInput, record_updates
from tracker.reporting import compile_pack, compile_review, list_packs, pack_period
from tracker.settings import Settings
from tracker.workspace import open_workspace

COORDINATOR = "prevent.coordinator@example.org"
TODAY = date(2020, 12, 31)


@pytest.fixture(scope="module")
def plan():
    return load_plan(shipped.example_plan()).plan


@pytest.mark.parametrize(
    ("meeting", "as_of", "today", "expected_meeting", "expected_as_of"),
    [
        ("SG-2020-12", None, TODAY, "SG-2020-12", date(2020, 11, 30)),
        ("sg-2020-03", None, TODAY, "SG-2020-03", date(2020, 2, 29)),  # any case; leap year
        ("SG-2021-03", date(2020, 12, 31), TODAY, "SG-2021-03", date(2020, 12, 31)),
        (None, date(2020, 7, 15), TODAY, "SG-2020-09", date(2020, 7, 15)),
        (None, None, date(2020, 12, 1), "SG-2020-12", date(2020, 11, 30)),
        (None, None, date(2020, 12, 20), "SG-2021-03", date(2020, 12, 20)),  # cut-off not yet
    ],
)
def test_pack_period(plan, meeting, as_of, today, expected_meeting, expected_as_of) -> None:
    chosen, day = pack_period(plan, meeting=meeting, as_of=as_of, today=today)
    assert (chosen.id if chosen else None, day) == (expected_meeting, expected_as_of)


def test_cutoff_can_count_days_back() -> None:
    settings = PackSettings(cutoff="days_before", cutoff_days=10)
    assert settings.cutoff_for(date(2020, 12, 8)) == date(2020, 11, 28)
    assert PackSettings().cutoff_for(date(2021, 3, 9)) == date(2021, 2, 28)


def test_unknown_meeting_and_no_meeting_ahead(plan) -> None:
    with pytest.raises(NotFoundError, match="SG-2099"):
        pack_period(plan, meeting="SG-2099", as_of=None, today=TODAY)
    with pytest.raises(InvalidValueError, match="name one with --meeting"):
        pack_period(plan, meeting=None, as_of=None, today=date(2021, 4, 1))


def _updates() -> list[UpdateInput]:
    return [
        UpdateInput(
            "SO1.1",
            "in_progress",
            40,
            note="Mapping started",
            on=date(2019, 11, 15),
            by=COORDINATOR,
        ),
        UpdateInput(
            "SO1.1",
            "complete",
            100,
            note="=cmd|' /C calc'!A0",
            on=date(2020, 2, 20),
            by=COORDINATOR,
        ),
        UpdateInput(
            "SO3.1",
            "in_progress",
            10,
            rag="red",
            note="Behind",
            on=date(2020, 1, 20),
            by=COORDINATOR,
        ),
    ]


def test_packs_are_recorded_reproducible_and_compared(workspace: Path, database_url) -> None:
    from openpyxl import load_workbook

    url = None if database_url.startswith("sqlite") else database_url
    out = workspace / "outputs"
    with open_workspace(Settings(workspace=workspace, database_url=url)) as ws:
        plan = ws.plan()
        record_updates(ws.engine, plan, _updates(), today=TODAY)
        first = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2019-12", today=TODAY)
        again = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2019-12", today=TODAY)
        second = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2020-03", today=TODAY)
        records = list_packs(ws.engine)
    assert first.path.name == "pack-SG-2019-12-as-of-2019-11-30.xlsx"
    assert first.sha256 == again.sha256 and first.inputs_digest == again.inputs_digest
    # the same file again is not a second record: the list shows each distinct pack once
    assert first.new_record and not again.new_record and again.record_id == first.record_id
    assert [(r.id, r.meeting_id, r.as_of, r.sha256, r.replaces) for r in records] == [
        (first.record_id, "SG-2019-12", date(2019, 11, 30), first.sha256, None),
        (second.record_id, "SG-2020-03", date(2020, 2, 29), second.sha256, None),
    ]
    assert sorted(p.name for p in out.iterdir()) == [first.path.name, second.path.name]
    assert first.summary is not None and first.summary.previous_as_of is None
    changes = {(c.item, c.kind) for c in second.summary.changes}
    assert ("SO1.1", "completed") in changes
    book = load_workbook(second.path)
    actions = {r[0].value: r for r in book["Actions"].iter_rows(min_row=2)}
    narrative = actions["SO1.1"][17]
    assert narrative.value == "=cmd|' /C calc'!A0" and narrative.data_type == "s"
    assert actions["SO3.1"][11].value == "Red"  # the owner's own rating
    released = [c.value for n in ("Referrals", "Training") for r in book[n].iter_rows() for c in r]
    assert "Prevent referrals received" in released  # a declared table, as released
    assert not [v for v in released if isinstance(v, int | float) and 1 <= v <= 4]


def test_a_pack_compiled_again_after_its_inputs_changed_replaces_the_record(
    workspace: Path, database_url: str
) -> None:
    """An update dated before the cut-off but recorded later changes the pack: a new record
    that replaces the first, and the one the next pack (and rag explain) compares with."""
    from tracker.explain import explain

    url = None if database_url.startswith("sqlite") else database_url
    out = workspace / "outputs"
    with open_workspace(Settings(workspace=workspace, database_url=url)) as ws:
        plan = ws.plan()
        record_updates(ws.engine, plan, _updates(), today=TODAY)
        first = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2019-12", today=TODAY)
        late = UpdateInput(
            "SO3.1", "in_progress", 60, rag="green", on=date(2019, 11, 20), by=COORDINATOR
        )
        record_updates(ws.engine, plan, [late], today=TODAY)
        again = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2019-12", today=TODAY)
        records = list_packs(ws.engine)
        before = explain(ws.engine, plan, "SO3.1", as_of=date(2020, 2, 29))
    assert again.new_record and again.sha256 != first.sha256
    assert [(r.id, r.replaces) for r in records] == [
        (first.record_id, None),
        (again.record_id, first.record_id),
    ]
    assert records[1].to_json()["replaces"] == first.record_id
    assert before.previous is not None
    assert before.previous.source == f"recorded pack {again.path.name}"
    assert before.previous.rating.rule == "recorded in the pack"


def test_rag_explain_reads_the_rating_the_previous_pack_recorded(
    workspace: Path, database_url: str
) -> None:
    """What the group was shown, even when an update dated before that pack came in later."""
    from tracker.explain import explain
    from tracker.render.rag import explanation_lines

    url = None if database_url.startswith("sqlite") else database_url
    out = workspace / "outputs"
    with open_workspace(Settings(workspace=workspace, database_url=url)) as ws:
        plan = ws.plan()
        record_updates(ws.engine, plan, _updates(), today=TODAY)
        pack = compile_pack(ws.engine, plan, out_dir=out, meeting="SG-2020-03", today=TODAY)
        shown = {a.id: a for a in (pack.summary.objectives if pack.summary else ())}
        assert "SO3" in shown
        # recorded after the pack, dated before its cut-off: recomputing would now differ
        late = UpdateInput(
            "SO3.1", "in_progress", 90, rag="green", on=date(2020, 2, 1), by=COORDINATOR
        )
        record_updates(ws.engine, plan, [late], today=TODAY)
        action = explain(ws.engine, plan, "SO3.1", as_of=date(2020, 6, 30))
        objective = explain(ws.engine, plan, "SO3", as_of=date(2020, 6, 30))
        kpi = explain(ws.engine, plan, plan.kpis[0].id, as_of=date(2020, 6, 30))
        recomputed = explain(ws.engine, plan, "SO3.1", as_of=date(2020, 2, 29))
    assert action.previous is not None and action.previous.as_of == date(2020, 2, 29)
    assert action.previous.rating.rating == "red"  # the owner's red, as the pack showed it
    assert recomputed.rating.rating != "red"  # what the engine says for that date now
    assert action.previous.source == f"recorded pack {pack.path.name}"
    assert objective.previous is not None
    assert objective.previous.rating.rating == shown["SO3"].rating
    assert objective.previous.rating.reason == shown["SO3"].reason
    assert kpi.previous is not None and kpi.previous.rating.rule == "recorded in the pack"
    lines = explanation_lines(action)
    assert any(line.startswith("At the previous pack (SG-2020-03, as of") for line in lines)
    assert action.to_json()["previous_pack"]["rule"] == "recorded in the pack"


def test_a_pack_that_cannot_be_written_is_not_recorded(sqlite_cli) -> None:
    blocker = sqlite_cli.workspace / "blocker"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws:
        with pytest.raises(WorkspaceError, match="choose a folder you may write to"):
            compile_pack(
                ws.engine, ws.plan(), out_dir=blocker / "out", meeting="SG-2019-12", today=TODAY
            )
        assert list_packs(ws.engine) == []


def test_review_writes_workbook_and_paper_together(sqlite_cli) -> None:
    out = sqlite_cli.workspace / "outputs"
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws:
        result = compile_review(ws.engine, ws.plan(), out_dir=out, today=date(2021, 5, 1))
        (record,) = list_packs(ws.engine, kind="review")
    assert result.as_of == date(2021, 3, 31)  # the review meeting's cut-off
    assert result.path.exists() and result.paper is not None and result.paper.exists()
    assert record.file_name == result.path.name and record.sha256 == result.sha256
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_released_tables_read_back_show_no_small_count(sqlite_cli) -> None:
    import io

    from python_calamine import CalamineWorkbook

    from tracker.data.importer import import_file
    from tracker.data.synthetic import write_synthetic_files

    ws_dir = sqlite_cli.workspace
    with open_workspace(Settings(workspace=ws_dir)) as ws:
        plan = ws.plan()
        files = write_synthetic_files(ws_dir / "data", plan, 7, end=date(2020, 12, 31))
        for dataset, path in files.items():
            import_file(ws.engine, plan, dataset, path, by=COORDINATOR, progress=False)
        first = compile_pack(
            ws.engine, plan, out_dir=ws_dir / "out", meeting="SG-2020-12", today=TODAY
        )
        again = compile_pack(
            ws.engine, plan, out_dir=ws_dir / "out", meeting="SG-2020-12", today=TODAY
        )
    assert first.sha256 == again.sha256  # the same release, figure for figure
    book = CalamineWorkbook.from_filelike(io.BytesIO(first.path.read_bytes()))
    cells = [
        v
        for n in ("Referrals", "Training")
        for r in book.get_sheet_by_name(n).to_python()
        for v in r
    ]
    assert "[c]" in cells and "Staff trained by course" in cells
    assert not [v for v in cells if isinstance(v, int | float) and 1 <= v <= 4]
    kpis = book.get_sheet_by_name("KPIs").to_python()
    assert not [r for r in kpis[1:] if r[4] in ("[c]", "<5") and r[3] not in ("", None)]
    # The Notes name no imported file and give no row count: neither is a released figure.
    notes = " ".join(str(v) for r in book.get_sheet_by_name("Notes").to_python() for v in r)
    assert "Last import" in notes
    assert not [p.name for p in files.values() if p.name in notes] and " rows" not in notes


def test_an_action_line_shows_the_engines_override_and_flags() -> None:
    from types import SimpleNamespace as NS

    from tracker.reporting import action_line

    rating = NS(
        rating="green",
        reason="overridden: agreed at the Steering Group",
        computed=NS(rating="red", reason="due 31 Mar 2020, not complete"),
        self_rag="amber",
        override=NS(rating="green", reason="=agreed at SG", until=date(2021, 1, 31)),
        flags=(NS(flag="update_overdue", reason="no update since 2020-11-20"),),
    )
    action = NS(
        id="SO1.1",
        title="Map",
        owner_role="Coordinator",
        owner="c@example.org",
        start=date(2019, 10, 1),
        due=date(2020, 3, 31),
        status="in_progress",
        progress=40,
        rag=rating,
        last_update=NS(on=date(2020, 11, 1), note="Going"),
    )
    line = action_line("SO1", action)
    assert (line.rating, line.computed_rating, line.self_rating) == ("green", "red", "amber")
    assert (line.override_rating, line.override_reason) == ("green", "=agreed at SG")
    assert line.override_until == date(2021, 1, 31) and line.update_overdue
    plain = action_line("SO1", NS(**{**action.__dict__, "rag": NS(rating="red", reason="late")}))
    assert plain.computed_rating == "red" and plain.override_rating is None
    assert not plain.update_overdue


def test_pack_settings_are_checked_at_their_line(tmp_path: Path) -> None:
    from tracker.plan.loader import check_plan

    text = shipped.example_plan().read_text(encoding="utf-8")
    text = text.replace("  headline_kpis: [KPI3.1,", "  headline_kpis: [KPI9.9,", 1)
    text = text.replace("  cutoff: end_of_previous_month", "  cutoff: fortnightly", 1)
    path = tmp_path / "objectives.yaml"
    path.write_text(text, encoding="utf-8")
    problems = {p.line: p.message for p in check_plan(path)}
    lines = text.splitlines()
    headline = next(i for i, t in enumerate(lines, 1) if "headline_kpis: [KPI9.9" in t)
    cutoff = next(i for i, t in enumerate(lines, 1) if "cutoff: fortnightly" in t)
    assert problems[headline].startswith("headline KPI 'KPI9.9' is not in the plan; use one of")
    assert "end_of_previous_month" in problems[cutoff]
