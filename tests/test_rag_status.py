"""The engine in use: status JSON with overrides, flags and cancelled actions; rag explain."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.errors import NotFoundError
from tracker.explain import explain
from tracker.overrides import record_override
from tracker.progress import UpdateInput, record_updates
from tracker.render.rag import explanation_lines
from tracker.settings import Settings
from tracker.status import build_status
from tracker.workspace import open_workspace

ADMIN = "plan.administrator@example.org"


@pytest.fixture
def ws(sqlite_cli):
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as opened:
        plan = opened.plan()
        record_updates(
            opened.engine,
            plan,
            [
                UpdateInput("SO4.5", "in_progress", 85, on=date(2020, 2, 20), by=ADMIN),
                UpdateInput("SO4.1", "cancelled", on=date(2020, 1, 10), by=ADMIN),
                UpdateInput("SO4.2", "in_progress", 85, "red", on=date(2020, 5, 20), by=ADMIN),
            ],
            today=date(2021, 4, 30),
        )
        yield opened


def _action(report, ident):
    return next(a for o in report.objectives for a in o.actions if a.id == ident)


def test_status_json_carries_rule_owner_view_flags_and_lists_cancelled_apart(ws) -> None:
    report = build_status(ws.engine, ws.plan(), as_of=date(2020, 7, 1))
    doc = report.to_json()
    so45 = next(a for o in doc["objectives"] for a in o["actions"] if a["id"] == "SO4.5")
    assert (so45["rag"], so45["rag_rule"]) == ("red", "overdue")
    assert so45["rag_reason"] == "due 30 Jun 2020, not complete, 1 day overdue"
    assert so45["flags"] == [
        {
            "flag": "update_overdue",
            "reason": "update overdue: none given for the 28 May 2020 reporting deadline "
            "(last update 20 Feb 2020)",
        }
    ]
    so42 = next(a for o in doc["objectives"] for a in o["actions"] if a["id"] == "SO4.2")
    assert (so42["rag"], so42["rag_rule"], so42["self_rag"]) == ("red", "owner_view", "red")
    assert so42["computed_rag"]["rag"] == "green"
    assert doc["cancelled"] == ["SO4.1"]
    assert sum(doc["counts"].values()) == 21  # 22 actions, one cancelled and not counted
    so4 = next(o for o in doc["objectives"] if o["id"] == "SO4")
    assert so4["rolled_up_from"]["cancelled"] == 1
    assert "not counted: 1 cancelled" in so4["rag_reason"]
    assert "SO4.5" in doc["update_overdue"]


def test_an_override_shows_wherever_the_rating_does_and_lapses(ws) -> None:
    record_override(
        ws.engine,
        ws.plan(),
        action_id="SO4.5",
        rag="amber",
        reason="Recovery plan agreed at the Steering Group",
        until=date(2020, 8, 31),
        by=ADMIN,
        today=date(2020, 7, 2),
    )
    during = _action(build_status(ws.engine, ws.plan(), as_of=date(2020, 8, 31)), "SO4.5")
    assert (during.rag.rating, during.rag.rule) == ("amber", "override")
    assert during.rag.reason.startswith(
        "override by a plan administrator until 31 Aug 2020: Recovery plan agreed at the "
        "Steering Group (the rules give red: due 30 Jun 2020, not complete, 62 days overdue)"
    )
    doc = during.to_json()
    assert doc["override"]["reason"] == "Recovery plan agreed at the Steering Group"
    assert doc["computed_rag"]["rag"] == "red"
    before = _action(build_status(ws.engine, ws.plan(), as_of=date(2020, 7, 1)), "SO4.5")
    assert before.rag.override is None
    after = _action(build_status(ws.engine, ws.plan(), as_of=date(2020, 9, 1)), "SO4.5")
    assert (after.rag.rating, after.rag.override) == ("red", None)


def test_explain_an_action_with_its_previous_pack(ws) -> None:
    e = explain(ws.engine, ws.plan(), "so4.5", as_of=date(2020, 7, 15))
    assert (e.kind, e.id, e.rating.rating, e.rating.rule) == ("action", "SO4.5", "red", "overdue")
    assert e.previous is not None
    # the June meeting's pack was as of 31 May (the last day of the month before it)
    assert (e.previous.meeting, e.previous.as_of) == ("SG-2020-06", date(2020, 5, 31))
    assert e.previous.rating.rating == "green"
    assert e.changed is True
    doc = e.to_json()
    assert doc["inputs"]["due"] == "2020-06-30"
    assert doc["previous_pack"]["rag"] == "green"
    lines = explanation_lines(e)
    assert lines[1] == "As of 15 Jul 2020: Red: due 30 Jun 2020, not complete, 15 days overdue"
    assert "Rule: overdue" in lines
    assert any(
        line.startswith("At the previous pack (SG-2020-06, as of 31 May 2020") for line in lines
    )


def test_explain_objectives_and_kpis(ws) -> None:
    objective = explain(ws.engine, ws.plan(), "SO4", as_of=date(2020, 7, 15))
    assert objective.kind == "objective" and objective.rating.rule == "worst"
    assert objective.rating.inputs["cancelled"] == 1
    kpi = explain(ws.engine, ws.plan(), "KPI1.1", as_of=date(2020, 7, 15))
    assert kpi.kind == "kpi" and kpi.rating.rating in ("grey", "green", "amber", "red")
    first = explain(ws.engine, ws.plan(), "SO4.5", as_of=date(2019, 10, 15))
    assert first.previous is None
    with pytest.raises(NotFoundError, match="no action, KPI or objective 'SO9'"):
        explain(ws.engine, ws.plan(), "SO9", as_of=date(2020, 7, 15))


def test_rag_cli_override_shows_and_lapses(sqlite_cli) -> None:
    cli = sqlite_cli
    done = cli("update", "SO4.5", "-s", "in_progress", "-p", "85", "--on", "2020-02-20",
               "--by", ADMIN)  # fmt: skip
    assert done.exit_code == 0, done.output
    refused = cli("rag", "override", "SO4.5", "--rag", "green", "--reason", "Agreed",
                  "--until", "2099-01-31", "--by", "mash.manager@example.org")  # fmt: skip
    assert refused.exit_code == 1
    assert "only plan administrators may" in refused.output
    made = cli("rag", "override", "SO4.5", "--rag", "green", "--reason", "Recovery plan agreed",
               "--until", "2099-01-31", "--by", ADMIN)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.output.startswith("Recorded: SO4.5 overridden green from ")
    listed = cli("rag", "overrides", "--format", "json")
    assert [o["action"] for o in json.loads(listed.output)["in_force"]] == ["SO4.5"]
    table = cli("rag", "overrides", "--as-of", "2099-02-01")
    assert "Lapsed (1):" in table.output and "Recovery plan agreed" in table.output
    explained = cli("rag", "explain", "SO4.5", "--as-of", "2099-01-31")
    assert explained.exit_code == 0, explained.output
    assert "Rule: override" in explained.output
    assert "Computed by the rules: Red (overdue)" in explained.output
    after = cli("rag", "explain", "SO4.5", "--as-of", "2099-02-01", "--format", "json")
    assert json.loads(after.output)["rule"] == "overdue"
