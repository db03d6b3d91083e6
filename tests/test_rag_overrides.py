"""Overrides of an action's rating: administrators only, append-only, lapsing; plan settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.errors import InvalidValueError, NotFoundError, PermissionDeniedError, PlanError
from tracker.overrides import list_overrides, overrides_by_action, record_override
from tracker.settings import Settings
from tracker.workspace import open_workspace

ADMIN = "plan.administrator@example.org"
MASH = "mash.manager@example.org"  # owns SO4.5, but is not an administrator
TODAY = date(2021, 1, 10)


def _override(ws, **kw):
    values = {
        "action_id": "SO4.5",
        "rag": "green",
        "reason": "Recovery plan agreed at the December meeting",
        "until": date(2021, 2, 28),
        "by": ADMIN,
        "today": TODAY,
    } | kw
    return record_override(ws.engine, ws.plan(), **values)


def test_an_override_is_recorded_and_lapses(workspace: Path, database_url: str) -> None:
    url = None if database_url.startswith("sqlite") else database_url
    with open_workspace(Settings(workspace=workspace, database_url=url)) as ws:
        first = _override(ws, action_id="so4.5", rag=" Green ")
        assert (first.action_id, first.rag, first.starts, first.by) == (
            "SO4.5",
            "green",
            TODAY,
            ADMIN,
        )
        _override(ws, rag="amber", until=date(2021, 1, 31), reason="Second thoughts")
        during = list_overrides(ws.engine, as_of=date(2021, 1, 20))
        assert [o.rag for o in during.in_force] == ["amber", "green"]  # newest first
        after = list_overrides(ws.engine, as_of=date(2021, 2, 15))
        assert [o.rag for o in after.in_force] == ["green"]
        assert [o.rag for o in after.lapsed] == ["amber"]
        assert after.to_json()["lapsed"][0]["state"] == "lapsed"
        before = list_overrides(ws.engine, as_of=date(2021, 1, 9))
        assert before.overrides == []  # not made yet on that date
        from sqlmodel import Session

        with Session(ws.engine) as session:
            by_action = overrides_by_action(session)
        assert [o.rating for o in by_action["SO4.5"]] == ["amber", "green"]


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"by": MASH}, PermissionDeniedError, "only plan administrators may"),
        ({"by": None}, InvalidValueError, "who is overriding the rating is not known"),
        ({"rag": "blue"}, InvalidValueError, "RAG 'blue' is not one of red, amber, green"),
        ({"until": date(2021, 1, 9)}, InvalidValueError, "would already have lapsed"),
        ({"reason": "  "}, InvalidValueError, "an override needs a reason"),
        (
            {"reason": "Agreed with the boy's mother, 07700 900123"},
            InvalidValueError,
            "override reason holds what looks like a phone number",
        ),
        ({"action_id": "SO9.9"}, NotFoundError, "no action 'SO9.9' in the plan"),
    ],
)
def test_bad_overrides_are_refused_and_nothing_is_stored(
    sqlite_cli, change, error, message
) -> None:
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws:
        with pytest.raises(error, match=message):
            _override(ws, **change)
        assert list_overrides(ws.engine, as_of=TODAY).overrides == []


# --- the rag: section of the plan -------------------------------------------------------------


def _check(plan_copy: Path, old: str, new: str) -> list[str]:
    from tracker.plan.loader import load_plan

    text = plan_copy.read_text(encoding="utf-8")
    assert old in text
    plan_copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(plan_copy)
    return [str(p) for p in caught.value.problems]


def test_rag_settings_have_defaults(plan_copy: Path) -> None:
    from tracker.plan.loader import load_plan

    text = plan_copy.read_text(encoding="utf-8")
    start = text.index("\nrag:\n")
    end = text.index("\nobjectives:\n")
    plan_copy.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    rag = load_plan(plan_copy).plan.rag
    assert (rag.amber_behind, rag.red_behind) == (15, 30)
    assert (rag.objectives.rule, rag.objectives.include) == ("worst", ["actions", "kpis"])


def test_rag_settings_are_checked_with_line_numbers(plan_copy: Path) -> None:
    problems = _check(plan_copy, "  red_behind: 30 ", "  red_behind: 10 ")
    line = next(
        n for n, t in enumerate(plan_copy.read_text().splitlines(), 1) if "red_behind: 10" in t
    )
    assert problems == [
        f"{plan_copy}:{line}: rag.red_behind 10 is below rag.amber_behind 15; red must need "
        "at least as big a shortfall as amber"
    ]


def test_rag_settings_refuse_unknown_rules_and_keys(plan_copy: Path) -> None:
    problems = _check(plan_copy, "    rule: worst ", "    rule: average ")
    assert len(problems) == 1 and "rule" in problems[0] and "worst" in problems[0]
    problems = _check(plan_copy, "  amber_behind: 15 ", "  amber_behnd: 15 ")
    assert any("amber_behnd" in p for p in problems)


def test_milestone_progress_must_rise_and_fall_inside_the_action(plan_copy: Path) -> None:
    problems = _check(
        plan_copy,
        "          - {date: 2020-06-30, description: Programme agreed with community partners, "
        "progress: 20}\n",
        "          - {date: 2020-06-30, description: Programme agreed, progress: 60}\n"
        "          - {date: 2020-09-30, description: First events, progress: 40}\n"
        "          - {date: 2021-04-10, description: After, progress: 90}\n",
    )
    assert len(problems) == 2
    assert "milestone 2020-09-30 expects 40%, less than the 60% expected" in problems[0]
    assert "milestone 2021-04-10 expects 90% but is not between" in problems[1]
