"""`tracker plan check`: every problem in a plan, each with its line and what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.plan.loader import check_plan, load_plan


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "objectives.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in text")


def test_shipped_plan_is_valid() -> None:
    plan = load_plan(Path(__file__).parent.parent / "objectives.yaml").plan
    assert [o.id for o in plan.objectives] == ["SO1", "SO2", "SO3", "SO4", "SO5"]
    for objective in plan.objectives:
        assert 3 <= len(objective.actions) <= 6
        assert any(k.objective == objective.id for k in plan.kpis), objective.id
    assert all(o.email.endswith("@example.org") for o in plan.owners)
    kinds = [m.kind for m in plan.meetings]
    assert kinds.count("review") == 1 and kinds.count("steering_group") >= 5
    assert plan.plan.timezone == "Europe/London"
    assert plan.plan.financial_year_start_month == 4


def test_objectives_use_the_strategy_wording(plan_text: str) -> None:
    seed = Path(__file__).parents[2] / "shared/seed/prevent-strategy-2019-2021.txt"
    plan = load_plan(Path(__file__).parent.parent / "objectives.yaml").plan
    if not seed.exists():
        pytest.skip("shared/seed is not beside the checkout")
    seed_text = " ".join(seed.read_text(encoding="utf-8").split())
    for objective in plan.objectives:
        assert objective.title in seed_text, objective.id


def test_broken_plan_lists_every_problem_with_its_line(tmp_path: Path, plan_text: str) -> None:
    text = plan_text
    text = text.replace(
        "owner: channel-chair\n        start: 2020-01-01",
        "owner: nobody-here\n        start: 2020-01-01",
        1,
    )
    text = text.replace(
        "due: 2020-06-30\n        outcome: Safeguarding concerns",
        "due: 2019-06-30\n        outcome: Safeguarding concerns",
        1,
    )
    text = text.replace("email: mash.manager@example.org", "email: not-an-email", 1)
    text = text.replace(
        "    short_title: Hate and community tensions",
        "    short_titel: Hate and community tensions",
        1,
    )
    text = text.replace("  - id: SO2.4\n", "  - id: SO2.3\n", 1)
    text = text.replace("{id: SG-2020-06, date: 2020-06-09", "{id: SG-2020-06, date: 2022-06-09", 1)
    path = _write(tmp_path, text)

    problems = check_plan(path)
    found = {(p.line, p.message.split(";")[0]) for p in problems}
    expect = [
        (_line_of(text, "nobody-here"), "owner 'nobody-here' is not in the owners list"),
        (_line_of(text, "due: 2019-06-30"), "is due 2019-06-30, before it starts"),
        (_line_of(text, "not-an-email"), "is not a valid email address"),
        (_line_of(text, "short_titel"), "unknown key 'short_titel'"),
        (_line_of(text, "- id: SO2.3", 2), "duplicate action id 'SO2.3'"),
        (_line_of(text, "date: 2022-06-09"), "meeting SG-2020-06 2022-06-09 is outside"),
    ]
    for line, fragment in expect:
        assert any(line == got_line and fragment in got for got_line, got in found), (
            line,
            fragment,
            sorted(found, key=lambda x: x[0] or 0),
        )
    assert all(p.file == str(path) for p in problems)
    assert all(p.line is not None for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "plan:\n  name: x\n owners: [\n")
    problems = check_plan(path)
    assert len(problems) == 1
    assert problems[0].line == 3
    assert problems[0].message.startswith("YAML syntax error")


def test_duplicate_yaml_key_is_reported(tmp_path: Path, plan_text: str) -> None:
    text = plan_text.replace(
        "  timezone: Europe/London\n", "  timezone: Europe/London\n  timezone: Europe/Paris\n", 1
    )
    path = _write(tmp_path, text)
    (problem,) = check_plan(path)
    assert problem.line == _line_of(text, "timezone: Europe/Paris")
    assert "appears twice" in problem.message


def test_unknown_timezone_and_bad_date(tmp_path: Path, plan_text: str) -> None:
    text = plan_text.replace("timezone: Europe/London", "timezone: Europe/Northampton", 1)
    text = text.replace("start: 2019-11-01", "start: 2019-13-01", 1)
    problems = check_plan(_write(tmp_path, text))
    messages = " | ".join(p.message for p in problems)
    assert "unknown timezone 'Europe/Northampton'" in messages
    assert "'2019-13-01' is not a date" in messages


def test_cli_check_exit_codes(sqlite_cli, tmp_path: Path, plan_text: str) -> None:
    ok = sqlite_cli("plan", "check")
    assert ok.exit_code == 0
    assert ok.output.strip().endswith("the plan is valid")

    bad = _write(tmp_path, plan_text.replace("lead: hate-crime", "lead: nobody", 1))
    result = sqlite_cli("plan", "check", str(bad))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(
        f"{bad}:{_line_of(plan_text, 'lead: hate-crime')}: objective SO2 lead"
    )
    assert lines[-1] == (f"error: {bad}: 1 problem found; fix each line listed and check again")
    assert "Traceback" not in result.output


def test_cli_check_json(sqlite_cli, tmp_path: Path, plan_text: str) -> None:
    bad = _write(tmp_path, plan_text.replace("lead: hate-crime", "lead: nobody", 1))
    result = sqlite_cli("plan", "check", str(bad), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["problems"][0]["line"] == _line_of(plan_text, "lead: hate-crime")


def test_cli_check_missing_file(sqlite_cli, tmp_path: Path) -> None:
    result = sqlite_cli("plan", "check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "file not found" in result.output
