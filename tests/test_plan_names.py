"""Plan problems name the item by its id (``action SO1.5 owner``), never by a path such as
``objectives[0].actions[4].owner``, and keep the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tracker.plan.loader import check_plan, parse_plan
from tracker.plan.names import describe, ordinal

CYCLE = """
cycle:
  pack: 0
  closures:
    - {date: 2020-12-29, reason: ""}
  meetings:
    SG-2020-06: {pack: 99}
"""

# (what to change in the shipped plan, the text on the line the problem is at, how the
# message must start): one planted mistake in each kind of item of every section.
PLANTED = [
    ("timezone: Europe/London", "timezone: Mars/Base", "plan.timezone: "),
    ("cutoff: end_of_previous_month", "cutoff: never", "pack.cutoff: "),
    ("headline_kpis: [KPI3.1,", "headline_kpis: [kpi3.1,", "pack.headline_kpis: 'kpi3.1'"),
    ("email: mash.manager@example.org", "email: not-an-email", "owner mash email: "),
    ("  - id: mash\n    role: Multi", "  - role: Multi",
     "the 3rd owner: required key 'id' is missing"),
    ("    - steering.group.chair@example.org", "    - not-an-address", "distribution.chair: "),
    ("{id: SG-2020-03, date: 2020-03-10, kind: steering_group",
     "{id: SG-2020-03, date: 2020-03-10, kind: board", "meeting SG-2020-03 kind: "),
    ("{id: SG-2020-09, date: 2020-09-08", "{id: SG-2020-09, date: 2020-09-31",
     "meeting SG-2020-09 date: '2020-09-31' is not a real date"),
    ("amber_behind: 15", "amber_behind: 150", "rag.amber_behind: "),
    ("rule: worst", "rule: best", "rag.objectives.rule: "),
    ("lead: hate-crime", "lead: Hate-Crime", "objective SO2 lead: "),
    ("  - id: SO2\n", "  - id: so2\n", "the id of the 2nd objective: 'so2' is not a valid id"),
    ("owner: community-cohesion", "owner: Community-Cohesion", "action SO1.1 owner: "),
    ("      - id: SO1.3\n        title:", "      - title:",
     "the 3rd action of objective SO1: required key 'id' is missing"),
    ("progress: 20}", "progress: 120}", "action SO1.2 milestone 2020-06-30 progress: "),
    ("{date: 2020-01-31, description: District", "{date: 2020-02-31, description: District",
     "the date of the 1st milestone of action SO1.1: '2020-02-31' is not a real date"),
    ("    tolerance: 20\n", "    tolerance: 200\n", "KPI KPI1.1 tolerance: "),
    ("    tolerance: 20\n", "    tolerance: 20\n    colour: red\n",
     "KPI KPI1.1: unknown key 'colour'"),
    ("measure: {kind: manual}", "measure: {kind: magic}", "KPI KPI1.1 measure.kind: "),
    ("where: {course: WRAP workshop}", "where: {course: {a: 1}}",
     "KPI KPI3.2 measure.where.course: "),
    ("key: [reference]", "key: [Reference]", "data set referrals key: 'Reference'"),
    ("period_field: received_on", "period_field: Received On", "data set referrals period_field: "),
    ("{name: received_on, type: date}", "{name: received_on, type: datetime}",
     "data set referrals field received_on type: "),
    ("{value: Education, aliases: [edu]}", "{value: Education, aliases: [edu], colour: x}",
     "data set referrals field sector value Education: unknown key 'colour'"),
    ("{label: Under 15, max: 14}", "{label: Under 15, max: fourteen}",
     "data set referrals field age band Under 15 max: "),
    ("dataset: referrals, columns: quarter, window: strategy}",
     "dataset: referrals, columns: week, window: strategy}",
     "published table referrals-by-quarter columns: "),
    ("  kpis: all", "  kpis: [kpi1.1]", "publications.kpis: 'kpi1.1' is not a valid KPI id"),
    ("\ndatasets:", CYCLE.replace("pack: 0", "pack: 0  # here") + "\ndatasets:", "cycle.pack: "),
    ("\ndatasets:", CYCLE.replace('""}', '""}  # here') + "\ndatasets:",
     "closure 2020-12-29 reason: "),
    ("\ndatasets:", CYCLE.replace("{pack: 99}", "{pack: 99}  # here") + "\ndatasets:",
     "cycle.meetings.SG-2020-06.pack: "),
]  # fmt: skip

INDEX = re.compile(r"\[\d+\]")


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "start"), PLANTED, ids=[p[2] for p in PLANTED])
def test_each_kind_of_item_is_named_by_its_id(plan_text: str, old: str, new: str, start: str):
    assert old in plan_text, old
    text = plan_text.replace(old, new, 1)
    plan, _, problems = parse_plan(text, file="objectives.yaml")
    assert plan is None and problems
    assert not [p.message for p in problems if INDEX.search(p.message)]
    marked = "# here" if "# here" in new else new.strip().splitlines()[-1]
    line = _line(text, marked)
    assert [p for p in problems if p.line == line and p.message.startswith(start)], (
        line,
        [(p.line, p.message) for p in problems],
    )


def test_a_problem_keeps_its_file_and_line(tmp_path: Path, plan_text: str) -> None:
    path = tmp_path / "objectives.yaml"
    text = plan_text.replace("progress: 20}", "progress: 120}", 1)
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{path}:{_line(text, 'progress: 120')}: action SO1.2 milestone 2020-06-30 progress: "
        "must be at most 100 (found '120'); correct it"
    )


def test_every_problem_of_a_badly_broken_plan_is_named(tmp_path: Path, plan_text: str) -> None:
    text = plan_text
    for old, new, _ in PLANTED:
        if old in text and "# here" not in new:
            text = text.replace(old, new, 1)
    path = tmp_path / "objectives.yaml"
    path.write_text(text + CYCLE, encoding="utf-8")
    problems = check_plan(path)
    assert len(problems) > 20
    assert not [p.message for p in problems if INDEX.search(p.message)]
    assert all(p.line for p in problems)


def test_cross_checks_name_items_without_ids_by_their_place(plan_text: str) -> None:
    text = plan_text.replace("      - id: SO1.3\n        title:", "      - title:", 1)
    text = text.replace("        start: 2019-10-01\n        due: 2020-10-31", "        start: "
                        "2019-10-01\n        due: 2022-10-31", 1)  # fmt: skip
    _, _, problems = parse_plan(text)
    assert (
        _line(text, "due: 2022-10-31"),
        "the 3rd action of objective SO1 due date 2022-10-31 is outside the strategy period "
        "2019-10-01 to 2021-04-30; move it inside or change plan.start/plan.end",
    ) in [(p.line, p.message) for p in problems]


def test_describe_names_places() -> None:
    data = {
        "objectives": [
            {"actions": [{"id": "X"}, {"title": "no id"}]},
            {"id": "SO2", "actions": [{"id": "SO2.1", "milestones": [{"description": "m"}]}]},
        ],
        "datasets": [{"name": "d", "fields": [{"type": "text"}, {"name": "f", "values": [{}]}]}],
        "cycle": {"chasers": [1, 2]},
    }
    assert describe(("objectives", 0, "actions", 1, "owner"), data) == (
        "the 2nd action of the 1st objective owner"
    )
    assert describe(("objectives", 0, "actions", 0), data) == "action X"
    assert describe(("objectives", 1, "actions", 0, "milestones", 0, "date"), data) == (
        "the date of the 1st milestone of action SO2.1"
    )
    assert describe(("datasets", 0, "fields", 0, "type"), data) == (
        "the 1st field of data set d type"
    )
    assert describe(("datasets", 0, "fields", 1, "values", 0, "value"), data) == (
        "the value of the 1st value of data set d field f"
    )
    assert describe(("cycle", "chasers", 1), data) == "cycle.chasers"
    assert describe((), data) == "the file"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"
    ]  # fmt: skip
