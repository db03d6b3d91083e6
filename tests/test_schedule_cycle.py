"""Each meeting's cycle worked back from its date; the ``cycle:`` section and its checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tracker.plan.loader import parse_plan
from tracker.plan.schema import Meeting, Plan
from tracker.schedule.cycle import (
    avoid_clock_change_hour,
    local_time,
    meeting_cycle,
    meetings_with_cycles,
    plan_dispatches,
    return_owners,
)

REPO = Path(__file__).resolve().parent.parent


def _plan(extra: str = "") -> Plan:
    text = (REPO / "objectives.yaml").read_text(encoding="utf-8") + extra
    plan, _, problems = parse_plan(text)
    assert not problems, problems
    assert plan is not None
    return plan


def _problems(extra: str) -> list[str]:
    text = (REPO / "objectives.yaml").read_text(encoding="utf-8")
    first = text.count("\n") + 1
    _, _, problems = parse_plan(text + extra)
    return [f"{(p.line or 0) - first + 1}: {p.message}" for p in problems]


def _steps(plan: Plan, meeting_id: str) -> dict[str, date]:
    meeting = next(m for m in meetings_with_cycles(plan) if m.id == meeting_id)
    return {f"{s.kind}{s.seq or ''}": s.day for s in meeting_cycle(plan, meeting)}


def test_default_cycle_of_the_june_2020_steering_group() -> None:
    # Tuesday 9 June 2020; the spring bank holiday (Monday 25 May) is skipped.
    assert _steps(_plan(), "SG-2020-06") == {
        "request": date(2020, 5, 18),
        "deadline": date(2020, 5, 28),
        "chaser1": date(2020, 6, 1),
        "pack": date(2020, 6, 2),
    }


def test_the_review_cycle_ends_with_the_review_to_the_chair() -> None:
    # Tuesday 20 April 2021; Good Friday and Easter Monday are skipped.
    assert _steps(_plan(), "REVIEW-2021-04") == {
        "request": date(2021, 3, 26),
        "deadline": date(2021, 4, 8),
        "chaser1": date(2021, 4, 12),
        "review": date(2021, 4, 13),
    }


def test_a_plan_without_a_review_meeting_uses_the_review_date() -> None:
    plan = _plan()
    plan = plan.model_copy(update={"meetings": [m for m in plan.meetings if m.kind != "review"]})
    review = [m for m in meetings_with_cycles(plan) if m.kind == "review"]
    assert [(m.id, m.date) for m in review] == [("REVIEW", date(2021, 4, 20))]


def test_the_plan_can_change_the_cycle_for_every_meeting_and_for_one() -> None:
    plan = _plan(
        "\ncycle:\n"
        "  requests: 20\n"
        "  chasers: [7, 6]\n"
        "  time: '08:30'\n"
        "  closures:\n"
        "    - {date: 2020-06-01, reason: Council offices closed for a move}\n"
        "  meetings:\n"
        "    SG-2020-09: {pack: 3}\n"
    )
    # Tuesday 9 June 2020, counting back over the closure (Monday 1 June), the spring bank
    # holiday (Monday 25 May) and VE Day (Friday 8 May).
    assert _steps(plan, "SG-2020-06") == {
        "request": date(2020, 5, 7),
        "deadline": date(2020, 5, 27),
        "chaser1": date(2020, 5, 28),
        "chaser2": date(2020, 5, 29),
        "pack": date(2020, 6, 2),
    }
    assert _steps(plan, "SG-2020-09")["pack"] == date(2020, 9, 3)
    meeting = next(m for m in plan.meetings if m.id == "SG-2020-06")
    assert {s.due_at.time() for s in meeting_cycle(plan, meeting) if s.kind != "deadline"} == {
        time(8, 30)
    }


def test_the_defaults_are_the_documented_ones() -> None:
    cycle = _plan().cycle
    assert (cycle.requests, cycle.deadline, cycle.chasers, cycle.pack, cycle.review) == (
        15,
        8,
        [6],
        5,
        5,
    )
    assert (cycle.time, cycle.deadline_time) == (time(9, 0), time(17, 0))
    doc = (REPO / "docs" / "scheduler.md").read_text(encoding="utf-8")
    for phrase in ("15 working days", "8 working days", "6 working days", "5 working days"):
        assert phrase in doc


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "\ncycle:\n  deadline: 5\n  chasers: [6]\n",
            "4: in the cycle a chaser (6 working days before) is not after the deadline",
        ),
        (
            "\ncycle:\n  time: '01:30'\n",
            "3: cycle.time: 01:30 falls in the hour the clocks change (01:00-02:00)",
        ),
        ("\ncycle:\n  time: '9am'\n", "3: cycle.time: '9am' is not a time of day"),
        (
            "\ncycle:\n  meetings:\n    SG-2099-01: {pack: 3}\n",
            "4: cycle.meetings names meeting 'SG-2099-01', which is not in the meetings list",
        ),
        (
            "\ncycle:\n  meetings:\n    SG-2020-06:\n      deadline: 16\n",
            "5: in the cycle of meeting SG-2020-06 the deadline (16 working days before) is not",
        ),
        ("\ncycle:\n  pack: 0\n", "3: cycle.pack: must be at least 1"),
        ("\ncycle:\n  closures:\n    - {date: 2030-01-02}\n", "4: closure 2030-01-02 is outside"),
        ("\ncycle:\n  chaser: [6]\n", "3: cycle: unknown key 'chaser'"),
    ],
)
def test_cycle_problems_are_reported_at_their_line(extra: str, expected: str) -> None:
    problems = _problems(extra)
    assert any(p.startswith(expected) for p in problems), problems
    assert all(";" in p for p in problems)  # each says what to do


def test_a_time_the_clocks_skip_in_the_plans_own_timezone_is_reported() -> None:
    """Not only the UK's hour: Tehran's clocks changed at midnight (until 2022)."""
    text = (REPO / "objectives.yaml").read_text(encoding="utf-8")
    text = text.replace("timezone: Europe/London", "timezone: Asia/Tehran", 1)
    _, _, problems = parse_plan(text + "\ncycle:\n  time: '00:30'\n")
    assert [p.message for p in problems if "cycle.time" in p.message] == [
        "cycle.time 00:30 is skipped or repeated when the clocks change in Asia/Tehran "
        "(on 2018-03-22); choose another time of day, e.g. 09:00"
    ]
    _, _, fine = parse_plan(text + "\ncycle:\n  time: '09:00'\n")
    assert not fine


def test_an_unknown_working_days_region_is_reported() -> None:
    text = (REPO / "objectives.yaml").read_text(encoding="utf-8")
    _, _, problems = parse_plan(
        text.replace("working_days_region: england", "working_days_region: mars")
    )
    assert any("working_days_region 'mars' is not known" in p.message for p in problems)


def test_return_requests_go_to_owners_with_live_actions() -> None:
    plan = _plan()
    first = next(m for m in plan.meetings if m.id == "SG-2019-12")
    owners = return_owners(plan, first)
    assert "adult-safeguarding" not in owners  # none of their actions has started by then
    assert "prevent-coordinator" in owners
    dispatches = plan_dispatches(plan)
    requests = [d for d in dispatches if d.meeting_id == "SG-2019-12" and d.kind == "request"]
    assert sorted(d.recipient for d in requests) == sorted(owners)
    keys = [d.key for d in dispatches]
    assert len(keys) == len(set(keys))
    assert {d.recipient for d in dispatches if d.kind == "pack"} == {"steering_group"}
    assert {d.recipient for d in dispatches if d.kind == "review"} == {"chair"}


# --- clock changes ----------------------------------------------------------------------


def test_due_times_keep_local_time_across_both_clock_changes() -> None:
    # Tuesday 31 March 2020, just after the clocks went forward (Sunday 29 March), and
    # Tuesday 27 October 2020, just after they went back (Sunday 25 October).
    plan = _plan("\ncycle:\n  requests: 5\n  deadline: 3\n  chasers: [2]\n  pack: 1\n  review: 1\n")
    spring = Meeting(id="X1", date=date(2020, 3, 31), kind="steering_group", title="x")
    autumn = Meeting(id="X2", date=date(2020, 10, 27), kind="steering_group", title="x")
    for meeting, change, before, after in (
        (spring, date(2020, 3, 29), 0, 1),
        (autumn, date(2020, 10, 25), 1, 0),
    ):
        steps = meeting_cycle(plan, meeting)
        assert steps[0].day < change < steps[-1].day  # the cycle spans the clock change
        for step in steps:
            offset = before if step.day < change else after
            assert step.due_at.utcoffset() == timedelta(hours=offset)
            local = 17 if step.kind == "deadline" else 9
            assert step.due_at.hour == local
            assert step.due_at.astimezone(UTC).hour == local - offset
            assert not 1 <= step.due_at.hour < 2


def test_no_dispatch_of_the_shipped_plan_is_timed_in_the_clock_change_hour() -> None:
    for d in plan_dispatches(_plan()):
        local = d.due_at
        assert local.tzinfo is not None
        assert not 1 <= local.hour < 2


@pytest.mark.parametrize("day", [date(2020, 3, 29), date(2020, 10, 25)])
def test_a_time_the_clocks_skip_or_repeat_is_refused(day: date) -> None:
    from tracker.errors import InvalidValueError

    with pytest.raises(InvalidValueError, match="skipped or repeated"):
        local_time(day, time(1, 30), "Europe/London")
    assert local_time(day, time(9, 0), "Europe/London").hour == 9


def test_retries_are_moved_out_of_the_clock_change_hour() -> None:
    # 00:30 UTC on 29 March 2020 is 00:30 GMT; an hour later is 02:30 BST: fine as it is.
    spring = datetime(2020, 3, 29, 0, 30, tzinfo=UTC) + timedelta(hours=1)
    assert avoid_clock_change_hour(spring, "Europe/London") == spring
    # 00:30 UTC on 25 October 2020 is 01:30 BST, and 01:30 UTC is 01:30 GMT: both moved to 02:00.
    for moment in (
        datetime(2020, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2020, 10, 25, 1, 30, tzinfo=UTC),
    ):
        moved = avoid_clock_change_hour(moment, "Europe/London")
        assert moved.astimezone(UTC) == datetime(2020, 10, 25, 2, 0, tzinfo=UTC)
