"""`tracker plan load`: sync the plan into the database, record changes, archive removals."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, func, select

from tracker.db import models as m
from tracker.db.engine import make_engine


def _engine(cli):
    from tracker.settings import Settings

    return make_engine(
        Settings.from_env(workspace=cli.workspace, database_url=cli.database_url).url
    )


def _count(engine, table) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(table)).one()


def test_second_load_reports_no_changes_and_writes_nothing(cli) -> None:
    engine = _engine(cli)
    before = (_count(engine, m.PlanVersion), _count(engine, m.PlanChange))
    result = cli("plan", "load")
    assert result.exit_code == 0
    assert result.output == f"{cli.workspace / 'objectives.yaml'}: no changes\n"
    assert (_count(engine, m.PlanVersion), _count(engine, m.PlanChange)) == before
    engine.dispose()


def test_edit_is_recorded_and_removed_action_is_archived(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    text = plan_file.read_text(encoding="utf-8")
    text = text.replace(
        "title: Review Channel case outcomes with partners twice a year",
        "title: Review Channel case outcomes with partners each quarter",
    )
    text = re.sub(r"      - id: SO1\.4\n.*?(?=\n  - id: SO2)", "", text, flags=re.S)
    plan_file.write_text(text, encoding="utf-8")

    dry = cli("plan", "load", "--dry-run")
    assert dry.exit_code == 0
    assert "would make 1 archived, 1 updated" in dry.output

    result = cli("plan", "load")
    assert result.exit_code == 0, result.output
    assert (
        "action SO5.4: title 'Review Channel case outcomes with partners twice a year' -> "
        "'Review Channel case outcomes with partners each quarter'"
    ) in result.output
    assert "action SO1.4: archived" in result.output
    assert result.output.strip().endswith("loaded 1 archived, 1 updated")

    engine = _engine(cli)
    with Session(engine) as session:
        archived = session.get(m.Action, "SO1.4")
        assert archived is not None and archived.archived_at is not None
        changes = session.exec(select(m.PlanChange).where(m.PlanChange.entity_id == "SO5.4")).all()
        assert [(c.change, c.field) for c in changes] == [("added", None), ("updated", "title")]
        assert changes[-1].changed_at is not None

    # status no longer lists the archived action
    assert cli("plan", "load").output.endswith("no changes\n")
    engine.dispose()


def test_archived_action_comes_back_when_restored(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(
        re.sub(r"      - id: SO1\.4\n.*?(?=\n  - id: SO2)", "", original, flags=re.S),
        encoding="utf-8",
    )
    assert cli("plan", "load").exit_code == 0
    plan_file.write_text(original, encoding="utf-8")
    result = cli("plan", "load")
    assert "action SO1.4: restored" in result.output
    engine = _engine(cli)
    with Session(engine) as session:
        assert session.get(m.Action, "SO1.4").archived_at is None
    engine.dispose()


def test_invalid_plan_is_not_loaded(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    plan_file.write_text(plan_file.read_text().replace("lead: hate-crime", "lead: x"), "utf-8")
    engine = _engine(cli)
    before = _count(engine, m.PlanVersion)
    result = cli("plan", "load")
    assert result.exit_code == 1
    assert "objective SO2 lead 'x' is not in the owners list" in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: plan ")
    assert _count(engine, m.PlanVersion) == before
    engine.dispose()


def test_plan_change_to_settings_is_a_change(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    plan_file.write_text(
        plan_file.read_text().replace("suppression_threshold: 5", "suppression_threshold: 10"),
        "utf-8",
    )
    result = cli("plan", "load")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "  plan section plan: suppression_threshold '5' -> '10'"
    # every other section's settings too: the pack's cut-off is shown first, then recorded
    engine = _engine(cli)
    changes = _count(engine, m.PlanChange)
    plan_file.write_text(
        plan_file.read_text().replace("cutoff: end_of_previous_month", "cutoff: days_before"),
        "utf-8",
    )
    expected = "  plan section pack: cutoff 'end_of_previous_month' -> 'days_before'"
    dry = cli("plan", "load", "--dry-run")
    assert dry.exit_code == 0 and dry.output.splitlines()[0] == expected
    loaded = cli("plan", "load")
    assert loaded.exit_code == 0 and loaded.output.splitlines()[0] == expected
    assert _count(engine, m.PlanChange) == changes + 1
    engine.dispose()


def test_load_an_explicit_file(cli, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text((cli.workspace / "objectives.yaml").read_text(), "utf-8")
    result = cli("plan", "load", str(other))
    assert result.exit_code == 0
    assert result.output == f"{other}: no changes\n"


def _move_block(text: str, first: str, second: str, end: str) -> str:
    """Swap the block starting at ``first`` with the one starting at ``second`` (up to ``end``)."""
    a, b, c = text.index(first), text.index(second), text.index(end)
    return text[:a] + text[b:c] + text[a:b] + text[c:]


def test_reordering_is_reported_as_moves_and_recorded(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    text = plan_file.read_text(encoding="utf-8")
    # SO1.1 moves below SO1.3; SO1.2 and SO1.3 keep their relative order and are not reported.
    plan_file.write_text(
        _move_block(text, "      - id: SO1.1", "      - id: SO1.2", "      - id: SO1.4"), "utf-8"
    )
    engine = _engine(cli)
    before = _count(engine, m.PlanVersion)
    dry = cli("plan", "load", "--dry-run")
    assert dry.output == (f"  action SO1.1: moved after SO1.3\n{plan_file}: would make 1 moved\n")
    result = cli("plan", "load")
    assert result.exit_code == 0
    assert result.output == f"  action SO1.1: moved after SO1.3\n{plan_file}: loaded 1 moved\n"
    assert _count(engine, m.PlanVersion) == before + 1
    with Session(engine) as session:
        change = session.exec(select(m.PlanChange).where(m.PlanChange.change == "moved")).one()
        assert (change.entity, change.entity_id, change.new_value) == (
            "action",
            "SO1.1",
            "after SO1.3",
        )
    engine.dispose()
    assert cli("plan", "load").output == f"{plan_file}: no changes\n"
    status = cli("status", "--objective", "SO1", "--format", "json")
    assert '"SO1.1"' in status.output
    ids = re.findall(r'"id": "(SO1\.\d)"', status.output)
    assert ids == ["SO1.2", "SO1.3", "SO1.1", "SO1.4"]


def test_moving_an_objective_to_the_top(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    text = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(_move_block(text, "  - id: SO1\n", "  - id: SO5\n", "\nkpis:"), "utf-8")
    result = cli("plan", "load")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "  objective SO5: moved to the start"


def test_changes_are_told_in_the_plans_words(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    text = plan_file.read_text(encoding="utf-8")
    text = text.replace("  - id: mash\n", "  - id: mash-team\n", 1)
    text = text.replace("owner: mash\n", "owner: mash-team\n")
    plan_file.write_text(text, "utf-8")
    result = cli("plan", "load")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "  owner mash-team: added\n"
        "  owner mash: archived\n"
        "  action SO4.5: owner 'mash' -> 'mash-team'\n"
        f"{plan_file}: loaded 1 added, 1 archived, 1 updated\n"
    )


# --- only real moves are reported ------------------------------------------------------------


def _so1_actions(text: str) -> tuple[str, list[str], str]:
    """The plan split around objective SO1's action blocks: (before, blocks, after)."""
    start = text.index("      - id: SO1.1\n")
    end = text.index("\n  - id: SO2\n")
    body = text[start:end].rstrip("\n") + "\n"
    blocks = re.split(r"(?=      - id: SO1\.\d\n)", body)
    return text[:start], [b for b in blocks if b], text[start + len(body) :]


def _with_so1_actions(text: str, order: list[str]) -> str:
    before, blocks, after = _so1_actions(text)
    by_id = {re.match(r"      - id: (SO1\.\d)", b).group(1): b for b in blocks}
    return before + "".join(by_id[i] for i in order) + after


def test_removing_and_restoring_an_action_reports_only_that(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    # SO1.2 sits in the middle: every action after it changes its stored place twice
    plan_file.write_text(_with_so1_actions(original, ["SO1.1", "SO1.3", "SO1.4"]), "utf-8")
    removed = cli("plan", "load")
    assert removed.output == f"  action SO1.2: archived\n{plan_file}: loaded 1 archived\n"
    plan_file.write_text(original, encoding="utf-8")
    dry = cli("plan", "load", "--dry-run")
    assert dry.output == f"  action SO1.2: restored\n{plan_file}: would make 1 restored\n"
    restored = cli("plan", "load")
    assert restored.exit_code == 0
    assert restored.output == f"  action SO1.2: restored\n{plan_file}: loaded 1 restored\n"
    assert cli("plan", "load").output == f"{plan_file}: no changes\n"


def test_restoring_in_a_new_place_moves_no_one_else(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(_with_so1_actions(original, ["SO1.1", "SO1.3", "SO1.4"]), "utf-8")
    assert cli("plan", "load").exit_code == 0
    # back, but last of SO1 now: the others kept their order, so nothing moved
    plan_file.write_text(_with_so1_actions(original, ["SO1.1", "SO1.3", "SO1.4", "SO1.2"]), "utf-8")
    result = cli("plan", "load")
    assert result.output == f"  action SO1.2: restored\n{plan_file}: loaded 1 restored\n"


def test_a_swap_is_reported_as_one_move(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(_with_so1_actions(original, ["SO1.1", "SO1.3", "SO1.2", "SO1.4"]), "utf-8")
    result = cli("plan", "load")
    assert result.output == f"  action SO1.2: moved after SO1.3\n{plan_file}: loaded 1 moved\n"


def test_a_reversal_is_reported_as_the_fewest_moves(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(_with_so1_actions(original, ["SO1.4", "SO1.3", "SO1.2", "SO1.1"]), "utf-8")
    result = cli("plan", "load")
    # four actions reversed: one keeps its place, three moved (none of SO2 onwards)
    assert result.output == (
        "  action SO1.3: moved after SO1.4\n"
        "  action SO1.2: moved after SO1.3\n"
        "  action SO1.1: moved after SO1.2\n"
        f"{plan_file}: loaded 3 moved\n"
    )


def test_a_restore_and_a_move_together_report_both_and_nothing_else(cli) -> None:
    plan_file = cli.workspace / "objectives.yaml"
    original = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(_with_so1_actions(original, ["SO1.1", "SO1.2", "SO1.4"]), "utf-8")
    assert cli("plan", "load").exit_code == 0
    plan_file.write_text(_with_so1_actions(original, ["SO1.2", "SO1.1", "SO1.3", "SO1.4"]), "utf-8")
    result = cli("plan", "load")
    assert sorted(result.output.splitlines()[:-1]) == [
        "  action SO1.1: moved after SO1.2",
        "  action SO1.3: restored",
    ]
    assert result.output.endswith(f"{plan_file}: loaded 1 moved, 1 restored\n")
