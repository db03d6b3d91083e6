"""The status report built from the database (table and JSON); the rules are in test_rag_engine."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.clock import today_in
from tracker.settings import Settings
from tracker.workspace import open_workspace

COORDINATOR = "prevent.coordinator@example.org"
ADMIN = "plan.administrator@example.org"
MASH = "mash.manager@example.org"

# --- the status report ---------------------------------------------------------------------------

ACTION_KEYS = [
    "id", "title", "owner", "owner_role", "start", "due", "status", "progress", "rag",
    "rag_reason", "rag_rule", "computed_rag", "self_rag", "override", "flags", "last_update",
]  # fmt: skip
OBJECTIVE_KEYS = [
    "id", "title", "short_title", "lead", "rag", "rag_reason", "rag_rule", "rolled_up_from",
    "actions",
]  # fmt: skip


def record(cli, *args: str) -> None:
    result = cli("update", *args)
    assert result.exit_code == 0, result.output


@pytest.fixture
def updated(cli):
    """A workspace with a few updates on SO3.2 and SO4.5."""
    record(cli, "SO3.2", "-s", "in_progress", "-p", "40", "-n", "Module live", "--on",
           "2020-03-01", "--by", COORDINATOR)  # fmt: skip
    record(cli, "SO3.2", "-s", "in_progress", "-n", "Comms drafted", "--on", "2020-05-01",
           "--by", ADMIN)  # fmt: skip
    record(cli, "SO3.2", "-s", "complete", "--on", "2020-07-15", "--by", COORDINATOR)
    record(cli, "SO4.5", "-s", "on_hold", "-p", "30", "--rag", "amber", "--on", "2020-06-01",
           "--by", MASH)  # fmt: skip
    return cli


def status_json(cli, *args: str) -> dict:
    result = cli("status", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_status_json_shape(updated) -> None:
    doc = status_json(updated, "--as-of", "2020-06-30")
    assert list(doc) == [
        "as_of", "plan", "objectives", "counts", "cancelled", "update_overdue", "overridden",
    ]  # fmt: skip
    assert doc["as_of"] == "2020-06-30"
    assert doc["plan"] == "Northamptonshire Prevent Strategy 2019-2021"
    assert [o["id"] for o in doc["objectives"]] == ["SO1", "SO2", "SO3", "SO4", "SO5"]
    for objective in doc["objectives"]:
        assert list(objective) == OBJECTIVE_KEYS
        assert objective["lead"].endswith("@example.org")
        assert objective["rag"] in ("green", "amber", "red", "grey", "complete")
        for action in objective["actions"]:
            assert list(action) == ACTION_KEYS
            assert action["id"].startswith(objective["id"] + ".")
    assert list(doc["counts"]) == ["green", "amber", "red", "grey", "complete"]
    assert sum(doc["counts"].values()) == 22

    so3 = doc["objectives"][2]
    assert so3["lead"] == COORDINATOR
    so32 = so3["actions"][1]
    assert so32 == {
        "id": "SO3.2",
        "title": "Make Prevent e-learning mandatory for council staff, with a two-year refresher",
        "owner": COORDINATOR,
        "owner_role": "Prevent Coordinator",
        "start": "2019-11-01",
        "due": "2020-09-30",
        "status": "in_progress",
        "progress": 40,  # the update of 1 May gave no figure: the one of 1 March stands
        "rag": "red",
        "rag_reason": "behind: 40% complete, 72% expected by now (32 points behind, more than 30)",
        "rag_rule": "behind_red",
        "computed_rag": {
            "rag": "red",
            "reason": "behind: 40% complete, 72% expected by now (32 points behind, more than 30)",
            "rule": "behind_red",
        },
        "self_rag": None,
        "override": None,
        "flags": [],  # the 28 May return deadline had an update (1 May)
        "last_update": {"on": "2020-05-01", "by": ADMIN, "note": "Comms drafted", "source": "cli"},
    }
    so45 = doc["objectives"][3]["actions"][4]
    assert (so45["id"], so45["status"], so45["progress"], so45["rag"]) == (
        "SO4.5", "on_hold", 30, "amber",
    )  # fmt: skip
    so31 = so3["actions"][0]
    assert (so31["status"], so31["progress"], so31["last_update"]) == ("not_started", None, None)
    assert so31["rag_reason"] == "due to start 1 Oct 2019, no update given 273 days later"
    assert so31["flags"][0]["flag"] == "update_overdue"


def test_as_of_chooses_the_updates_that_count(updated) -> None:
    before = status_json(updated, "--as-of", "2020-02-01", "--objective", "SO3")
    assert before["objectives"][0]["actions"][1]["last_update"] is None
    after = status_json(updated, "--as-of", "31/07/2020", "--objective", "SO3")
    so32 = after["objectives"][0]["actions"][1]
    assert (so32["status"], so32["progress"], so32["rag"]) == ("complete", 100, "complete")
    assert so32["last_update"]["on"] == "2020-07-15"


def test_objective_filter(updated) -> None:
    doc = status_json(updated, "--as-of", "2020-06-30", "--objective", "SO3")
    assert [o["id"] for o in doc["objectives"]] == ["SO3"]
    assert [a["id"] for a in doc["objectives"][0]["actions"]] == [f"SO3.{n}" for n in range(1, 6)]
    assert sum(doc["counts"].values()) == 5
    assert doc["objectives"][0]["rag_reason"] == (
        "worst of 5 rated items; actions: 1 red, 4 amber; KPIs: 3 grey"
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("SO9", "no objective 'SO9' in the plan: use one of SO1, SO2, SO3, SO4, SO5"),
        ("S03", "no objective 'S03' in the plan: use one of SO1, SO2, SO3, SO4, SO5"),
    ],
)
def test_unknown_objective(sqlite_cli, given: str, message: str) -> None:
    result = sqlite_cli("status", "--objective", given)
    assert result.exit_code == 1
    assert result.output == f"error: {message}\n"


def test_objective_is_found_whatever_its_case(sqlite_cli) -> None:
    doc = status_json(sqlite_cli, "--objective", " so3 ", "--as-of", "2020-06-30")
    assert [o["id"] for o in doc["objectives"]] == ["SO3"]


def test_status_table_fits_80_columns_without_cropping(updated) -> None:
    result = updated("status", "--as-of", "2020-06-30", COLUMNS="80")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.output  # no column cut short
    header = next(line for line in lines if "Action and owner" in line)
    assert "Due, status" in header and "RAG" in header
    row = lines.index(next(line for line in lines if line.lstrip().startswith("SO3.2 ")))
    block = "\n".join(lines[row : row + 4])
    for word in ("2020-09-30", "in progress", "40%", "RED"):
        assert word in block


def test_bad_as_of(sqlite_cli) -> None:
    result = sqlite_cli("status", "--as-of", "June")
    assert result.exit_code == 1
    assert result.output == (
        "error: --as-of 'June' is not a date: write it as YYYY-MM-DD or DD/MM/YYYY\n"
    )


def test_as_of_defaults_to_today(sqlite_cli) -> None:
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws:
        today = today_in(ws.plan().plan.timezone)
    assert status_json(sqlite_cli)["as_of"] == today.isoformat()


def test_archived_actions_are_left_out(cli) -> None:
    plan = cli.workspace / "objectives.yaml"
    text = plan.read_text(encoding="utf-8")
    start, end = text.index("      - id: SO1.4"), text.index("  - id: SO2\n")
    plan.write_text(text[:start] + "\n" + text[end:], encoding="utf-8")
    assert cli("plan", "load").exit_code == 0
    doc = status_json(cli, "--objective", "SO1", "--as-of", "2020-06-30")
    assert [a["id"] for a in doc["objectives"][0]["actions"]] == ["SO1.1", "SO1.2", "SO1.3"]


def test_status_reads_in_a_fixed_number_of_queries(updated) -> None:
    from sqlalchemy import event

    from tracker.status import build_status

    with open_workspace(
        Settings(workspace=updated.workspace, database_url=updated.database_url)
    ) as ws:
        plan = ws.plan()
        statements: list[str] = []
        event.listen(ws.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        build_status(ws.engine, plan, as_of=date(2020, 6, 30))
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # objectives, actions, latest updates, overrides, the KPIs' data, and the release that
    # protects them (counts and the ledger of what was released): never one per action
    assert len(selects) == 14


def test_status_table_shows_every_objective_action_and_rag_word(updated) -> None:
    result = updated("status", "--as-of", "2020-06-30")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "\x1b" not in out  # NO_COLOR: the words carry the meaning
    lines = out.splitlines()
    assert lines[0] == "Northamptonshire Prevent Strategy 2019-2021: status as of 2020-06-30"
    for heading in (
        "SO1 Community cohesion - RED",
        "SO2 Hate and community tensions - ",
        "SO3 Awareness and confidence in Prevent - RED (worst of 5 rated items; actions: 1 red, "
        "4 amber; KPIs: 3 grey)",
        "SO4 Referral pathways - ",
        "SO5 Support to disengage - ",
    ):
        assert any(line.startswith(heading) for line in lines), heading
    row = next(line for line in lines if "SO3.2" in line)
    for word in ("2020-09-30", "in progress", "40%", "RED", "behind: 40% complete"):
        assert word in row
    assert "Latest, 2020-05-01: Comms drafted" in out
    ids = [
        f"SO{o}.{a}" for o, n in ((1, 4), (2, 4), (3, 5), (4, 5), (5, 4)) for a in range(1, n + 1)
    ]
    for ident in ids:
        row = next(line for line in lines if line.lstrip().startswith(ident + " "))
        assert any(word in row.split() for word in ("RED", "AMBER", "GREEN", "GREY", "COMPLETE"))
    assert lines[-1].startswith("22 actions by RAG: ")
    doc = status_json(updated, "--as-of", "2020-06-30")
    expected = ", ".join(
        f"{doc['counts'][r]} {r.upper()}" for r in ("red", "amber", "green", "complete", "grey")
    )
    assert lines[-1] == f"22 actions by RAG: {expected}"
