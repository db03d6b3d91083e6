"""`tracker plan check`: every problem in a plan, each with its line and what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.conftest import require_file
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
    require_file(seed, "../shared/seed")
    seed_text = " ".join(seed.read_text(encoding="utf-8").split())
    for objective in plan.objectives:
        assert objective.title in seed_text, objective.id


def test_a_missing_seed_fails_in_ci_and_skips_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "shared/seed/prevent-strategy-2019-2021.txt"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI must provide \.\./shared/seed"):
        require_file(missing, "../shared/seed")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_file(missing, "../shared/seed")


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


@pytest.mark.parametrize("text", ["plan:\n  name:\tBob\n", "plan:\n  name: x\t# note\n"])
def test_a_tab_after_a_colon_is_refused_with_or_without_libyaml(tmp_path: Path, text: str) -> None:
    """libyaml (the fast parser, where installed) reads these; PyYAML refuses them. The plan
    must be read alike everywhere, so a plan with a tab is always read by PyYAML."""
    problems = check_plan(_write(tmp_path, text))
    assert [p.line for p in problems] == [2]
    assert problems[0].message.startswith("YAML syntax error: found character '\\t'")


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
    assert "'2019-13-01' is not a real date (no such day)" in messages


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


@pytest.mark.parametrize("command", ["check", "load"])
def test_cli_check_missing_file(sqlite_cli, tmp_path: Path, command: str) -> None:
    result = sqlite_cli("plan", command, str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    # one line: there are no lines of the file to list, so no "fix each line listed"
    assert result.output == (
        f"error: {tmp_path / 'nope.yaml'}: file not found; check the path, "
        "or run 'tracker init' to create one\n"
    )


# --- files that are not plans at all: one clear problem, never a traceback ---------------------

LAUGHS = "a: &a [x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
)
TOP = "the top level: required key"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", ["1: the file is empty; start from the shipped plan ('tracker init DIR' writes one) "
               "and edit it"]),
        (b"# only a comment\n", ["1: the file is empty; start from the shipped plan "
                                 "('tracker init DIR' writes one) and edit it"]),
        (b"- plan\n- owners\n", ["1: the plan is a list; it must be sections 'plan:', 'owners:', "
                                 "'distribution:', 'objectives:'..., each starting at the left "
                                 "margin"]),
        (b"\n\njust words\n", ["3: the plan is a single value; it must be sections 'plan:', "
                               "'owners:', 'distribution:', 'objectives:'..., each starting at "
                               "the left margin"]),
        (b"plan:\n\tname: x\n", ["2: YAML syntax error: found character '\\t' that cannot start "
                                 "any token; check indentation and quoting here"]),
        (b"plan: &a [*a]\n", ["1: this alias refers to a block that contains it; remove the "
                              "loop"]),
        (b"plan:\n  x: " + b"[" * 5000 + b"]" * 5000 + b"\n", ["2: blocks are nested more than "
            "64 deep here, which no plan needs; check the indentation and the [ ] and { } "
            "brackets"]),
        (LAUGHS.encode(), ["1: the plan has more than 200,000 values (aliases repeating one "
                           "another?); write the plan out without multiplying aliases"]),
        (b"plan:\n  name: Caf\xe9\n", ["2: byte 0xe9 is not UTF-8 text; save the file as UTF-8 "
                                       "(in Excel or Notepad: Save As, encoding UTF-8)"]),
        (b"\x00\x01\x02binary", [": is a binary file, not YAML text; give the path of the plan "
                                 "file"]),
        (b"\xef\xbb\xbfowners: 5\n", [
            "1: owners: expected a list (lines starting with '- '), found '5'; make it a list",
            f"1: {TOP} 'distribution' is missing; add it",
            f"1: {TOP} 'objectives' is missing; add it",
            f"1: {TOP} 'plan' is missing; add it",
        ]),
        (b"plan: {}\nfoo: 1\n", [
            "1: plan: required key 'end' is missing; add it",
            "1: plan: required key 'name' is missing; add it",
            "1: plan: required key 'partnership' is missing; add it",
            "1: plan: required key 'review' is missing; add it",
            "1: plan: required key 'start' is missing; add it",
            f"1: {TOP} 'distribution' is missing; add it",
            f"1: {TOP} 'objectives' is missing; add it",
            f"1: {TOP} 'owners' is missing; add it",
            "2: unknown key 'foo'; remove it or correct its spelling (allowed here: plan, owners, "
            "distribution, meetings, cycle, objectives, kpis, datasets, pack, publications, rag)",
        ]),
        (b"plan: 5\nowners: [1]\nobjectives: {a: 1}\nmeetings: [null]\n", [
            "1: plan: expected a block of 'key: value' lines, found '5'; indent the keys under it",
            f"1: {TOP} 'distribution' is missing; add it",
            "2: the 1st owner: expected a block of 'key: value' lines, found '1'; indent the keys "
            "under it",
            "3: objectives: expected a list (lines starting with '- '), found a block of keys; "
            "make it a list",
            "4: the 1st meeting: expected a block of 'key: value' lines, found nothing; indent the "
            "keys under it",
        ]),
    ],
    ids=["empty", "comments", "list", "scalar", "tab", "alias-loop", "deep", "billion-laughs",
         "latin-1", "binary", "bom-and-wrong-types", "missing-keys", "wrong-shapes"],
)  # fmt: skip
def test_cli_check_on_files_that_are_not_plans(tmp_path: Path, content: bytes, expected) -> None:
    path = tmp_path / "objectives.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 1
    n = len(expected)
    if expected[0].startswith(":"):  # the file as a whole, no line to point at: one line
        assert result.output.splitlines() == [f"error: {path}{expected[0]}"]
        return
    assert result.output.splitlines() == [
        *(f"{path}{line}" if line.startswith(":") else f"{path}:{line}" for line in expected),
        f"error: {path}: {n} problem{'s' if n > 1 else ''} found; fix each line listed and "
        "check again",
    ]


def test_cli_check_on_a_folder_and_a_huge_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path}: is a folder, not a file; give the path of the plan file "
        "(objectives.yaml)\n"
    )
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# padding\n" * 600_000)
    result = CliRunner().invoke(app, ["plan", "check", str(huge)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: {huge}: is 6 MB, far too large for a plan (the shipped plan is about 30 KB); "
        "check you named the right file"
    ]


def test_type_problems_are_sentences_ending_with_what_to_do(tmp_path: Path, plan_text) -> None:
    text = plan_text.replace("    target: 6\n", '    target: "ten"\n', 1)
    text = text.replace("    tolerance: 20\n", "    tolerance: 200\n", 1)
    text = text.replace("  suppression_threshold: 5", "  suppression_threshold: 0", 1)
    text = text.replace("financial_year_start_month: 4", "financial_year_start_month: x", 1)
    text = text.replace("measure: {kind: manual}", "measure: {kind: magic}", 1)
    text = text.replace("timezone: Europe/London", "timezone: Mars/Base", 1)
    problems = {(p.line, p.message) for p in check_plan(_write(tmp_path, text))}
    assert problems == {
        (_line_of(text, "timezone: Mars"),
         "plan.timezone: unknown timezone 'Mars/Base'; use a name such as Europe/London"),
        (_line_of(text, "start_month: x"), "plan.financial_year_start_month: 'x' is not a whole "
         "number; write a whole number such as 4"),
        (_line_of(text, "suppression_threshold: 0"),
         "plan.suppression_threshold: must be at least 1 (found '0'); correct it"),
        (_line_of(text, 'target: "ten"'),
         "KPI KPI1.1 target: 'ten' is not a number; write a number such as 10 or 2.5"),
        (_line_of(text, "tolerance: 200"),
         "KPI KPI1.1 tolerance: must be at most 100 (found '200'); correct it"),
        # the bad measure kind is reported once, not again as "needs a dataset"
        (_line_of(text, "kind: magic"), "KPI KPI1.1 measure.kind: 'magic' is not allowed; use one "
         "of 'count', 'sum', 'percentage', 'mean_days', 'median_days' or 'manual'"),
    }  # fmt: skip


def test_a_value_wrong_in_form_is_reported_once(tmp_path: Path, plan_text: str) -> None:
    text = plan_text.replace("owner: community-cohesion", "owner: Community-Cohesion", 1)
    problems = check_plan(_write(tmp_path, text))
    assert [(p.line, p.message) for p in problems] == [
        (
            _line_of(text, "owner: Community-Cohesion"),
            "action SO1.1 owner: 'Community-Cohesion' is not a valid owner id "
            "(lower-case letters, digits and dashes, as in the owners list); correct it",
        )
    ]


def test_plan_text_is_screened_like_a_note_and_one_line_where_one_is_meant(
    tmp_path: Path, plan_text: str
) -> None:
    text = plan_text.replace("role: Prevent Coordinator", "role: PC 07700 900123, NN1 1AA", 1)
    meeting = "kind: steering_group, title: Prevent Steering Group}"
    text = text.replace(meeting, 'kind: steering_group, title: "SG\\r\\nBcc: x@evil.example"}', 1)
    path = _write(tmp_path, text)
    result = CliRunner().invoke(app, ["plan", "check", str(path)])
    assert result.exit_code == 1
    role, title = _line_of(text, "role: PC"), _line_of(text, "SG\\r")
    assert result.output.splitlines()[:-1] == [
        f"{path}:{role}: role: the text holds what looks like a postcode and a phone number; the "
        "plan goes into packs and emails sent to every partner: write roles, never people or "
        "their contact details",
        f"{path}:{title}: title: the text holds a line break; keep it on one line",
    ]
    assert "07700" not in result.output and "NN1" not in result.output


def test_the_plans_own_addresses_and_ordinary_wording_pass(tmp_path: Path, plan_text: str) -> None:
    text = plan_text.replace(
        "role: Prevent Coordinator", "role: Prevent Coordinator (Q3 3rd cohort, 01.02.2020)", 1
    )
    result = CliRunner().invoke(app, ["plan", "check", str(_write(tmp_path, text))])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("inserted", "message"),
    [
        ("\\u202e", "name: the text holds a bidi control (U+202E), which makes text read "
         "backwards; remove it"),
        ("\\ufffe", "name: the text holds a character no workbook or email can hold (U+FFFE); "
         "remove it"),
    ],
)  # fmt: skip
def test_plan_text_that_no_workbook_can_hold_or_that_reads_backwards(
    tmp_path: Path, plan_text: str, inserted: str, message: str
) -> None:
    """Written as YAML escapes in a quoted value, as an editor would keep them."""
    text = plan_text.replace(
        "  name: Northamptonshire Prevent Strategy 2019-2021",
        f'  name: "Northamptonshire {inserted}Prevent Strategy 2019-2021"',
        1,
    )
    assert [p.message for p in check_plan(_write(tmp_path, text))] == [message]


def test_a_raw_character_yaml_refuses_is_one_line_naming_it(tmp_path: Path, plan_text) -> None:
    text = plan_text.replace("Prevent Strategy", "Prevent \ufffeStrategy", 1)
    (problem,) = check_plan(_write(tmp_path, text))
    assert problem.message == (
        "YAML syntax error: U+FFFE is not allowed in a YAML file; remove it (it may have been "
        "pasted in with the text)"
    )
    assert problem.line == 11


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("email: prevent.coordinator@example.org", "email: prevent@exämple.org",
         "owner prevent-coordinator email: 'prevent@exämple.org' has letters outside plain "
         "ASCII, which mail servers cannot be relied on to deliver; give the address in its "
         "ASCII form (xn-- for the domain)"),
        ("name: Northamptonshire Prevent Strategy 2019-2021", "name: " + "N" * 201,
         "plan.name: is longer than 200 characters; shorten it"),
        ("SG-2020-06", "SG-" + "S" * 40,
         "the id of the 3rd meeting: is longer than 40 characters; shorten it"),
    ],
    ids=["non-ascii-address", "long-plan-name", "long-meeting-id"],
)  # fmt: skip
def test_values_that_would_break_a_header_a_title_or_a_file_name(
    tmp_path: Path, plan_text: str, old: str, new: str, message: str
) -> None:
    """Each was accepted, then stopped the review, a return or an email later."""
    problems = check_plan(_write(tmp_path, plan_text.replace(old, new)))
    assert message in [p.message for p in problems]
