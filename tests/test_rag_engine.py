"""The RAG engine for actions and objectives: pure rules, no database."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.rag.actions import (
    ActionInputs,
    ActionRules,
    Override,
    Rating,
    day_text,
    rate_action,
    update_overdue,
)
from tracker.rag.expected import expected_points, expected_progress
from tracker.rag.objectives import RollUpRule, roll_up

D = date
START, DUE = D(2020, 1, 1), D(2020, 12, 31)


def act(**kw: object) -> ActionInputs:
    values: dict[str, object] = {"id": "SO1.1", "start": START, "due": DUE} | kw
    return ActionInputs(**values)  # type: ignore[arg-type]


# --- expected progress ------------------------------------------------------------------


def test_expected_progress_is_a_straight_line_without_milestones() -> None:
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 11), D(2020, 1, 6)) == 50.0
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 11), D(2019, 12, 1)) == 0.0
    assert expected_progress(D(2020, 1, 1), D(2020, 1, 11), D(2020, 2, 1)) == 100.0


def test_expected_progress_runs_through_milestones() -> None:
    start, due = D(2020, 1, 1), D(2020, 1, 21)
    milestones = ((D(2020, 1, 11), 20.0),)  # slow first half, fast second
    assert expected_progress(start, due, D(2020, 1, 6), milestones) == 10.0
    assert expected_progress(start, due, D(2020, 1, 11), milestones) == 20.0
    assert expected_progress(start, due, D(2020, 1, 16), milestones) == 60.0


def test_expected_points_ignore_milestones_outside_or_going_down() -> None:
    start, due = D(2020, 1, 1), D(2020, 1, 21)
    points = expected_points(
        start, due, [(D(2020, 1, 10), 50), (D(2020, 1, 12), 40), (D(2020, 2, 1), 90)]
    )
    assert points == [(start, 0.0), (D(2020, 1, 10), 50.0), (due, 100.0)]


# --- the action rules, first match wins --------------------------------------------------

CASES = [
    # inputs, as_of, rating, rule, reason
    (
        act(status="cancelled", last_update=D(2020, 5, 1)),
        D(2020, 6, 1),
        "cancelled",
        "cancelled",
        "cancelled, reported 1 May 2020; not counted",
    ),
    (
        act(status="complete", progress=100, last_update=D(2020, 5, 1)),
        D(2021, 3, 1),
        "complete",
        "complete",
        "complete, reported 1 May 2020",
    ),
    (act(), D(2019, 12, 1), "grey", "not_yet_started", "not due to start yet (starts 1 Jan 2020)"),
    (act(), START, "grey", "not_yet_started", "not due to start yet (starts today)"),
    (
        act(status="in_progress", progress=90),
        D(2021, 2, 14),
        "red",
        "overdue",
        "due 31 Dec 2020, not complete, 45 days overdue",
    ),
    (
        act(),
        D(2020, 1, 31),
        "amber",
        "not_started",
        "due to start 1 Jan 2020, no update given 30 days later",
    ),
    (
        act(status="not_started", last_update=D(2020, 1, 20)),
        D(2020, 2, 1),
        "amber",
        "not_started",
        "due to start 1 Jan 2020, not started 31 days later",
    ),
    (
        act(status="on_hold", progress=30, last_update=D(2020, 6, 1)),
        D(2020, 6, 2),
        "amber",
        "on_hold",
        "on hold, reported 1 Jun 2020",
    ),
    (
        act(status="in_progress"),
        D(2020, 7, 1),
        "green",
        "no_progress_given",
        "in progress, no per cent complete given; 50% expected by now, due 31 Dec 2020",
    ),
    (
        act(status="in_progress", progress=10),
        D(2020, 7, 1),
        "red",
        "behind_red",
        "behind: 10% complete, 50% expected by now (40 points behind, more than 30)",
    ),
    (
        act(status="in_progress", progress=30),
        D(2020, 7, 1),
        "amber",
        "behind_amber",
        "behind: 30% complete, 50% expected by now (20 points behind, more than 15)",
    ),
    (
        act(status="in_progress", progress=35),
        D(2020, 7, 1),
        "green",
        "on_track",
        "on track: 35% complete, 50% expected by now",
    ),
    (
        act(status="in_progress", progress=20, milestones=((D(2020, 9, 30), 20.0),)),
        D(2020, 7, 1),
        "green",
        "on_track",
        "on track: 20% complete, 13% expected by now",
    ),
]


@pytest.mark.parametrize(("inputs", "as_of", "rating", "rule", "reason"), CASES)
def test_action_rules(inputs: ActionInputs, as_of: date, rating: str, rule: str, reason: str):
    result = rate_action(inputs, as_of)
    assert (result.rating, result.rule, result.reason) == (rating, rule, reason)
    assert result.computed is not None and result.computed.rule == rule


def test_a_rating_says_which_inputs_it_used() -> None:
    result = rate_action(act(status="in_progress", progress=10), D(2020, 7, 1))
    assert result.sentence.startswith("Red: behind: 10% complete")
    assert result.inputs["expected"] == 49.9  # 182 of 365 days
    assert result.inputs["progress"] == 10
    assert result.inputs["red_behind"] == 30.0
    assert result.to_json()["computed"]["rule"] == "behind_red"


def test_margins_come_from_the_rules() -> None:
    loose = ActionRules(amber_behind=45, red_behind=60)
    assert rate_action(act(status="in_progress", progress=10), D(2020, 7, 1), loose).rating == (
        "green"
    )


def test_owner_view_worse_counts_better_is_mentioned() -> None:
    worse = rate_action(act(status="in_progress", progress=50, self_rag="red"), D(2020, 7, 1))
    assert (worse.rating, worse.rule, worse.self_rag) == ("red", "owner_view", "red")
    assert worse.reason.startswith("rated red by its owner (the rules give green: on track")
    assert worse.computed is not None and worse.computed.rating == "green"
    better = rate_action(act(status="in_progress", progress=0, self_rag="green"), D(2020, 7, 1))
    assert better.rating == "red"
    assert better.reason.endswith("(its owner rates it green)")


def test_override_in_force_replaces_the_rating_and_lapses_after_its_end_date() -> None:
    o = Override(
        "green",
        "recovery plan agreed",
        "plan.administrator@example.org",
        starts=D(2021, 1, 10),
        until=D(2021, 2, 28),
        id=1,
    )
    a = act(status="in_progress", progress=90, overrides=(o,))
    before = rate_action(a, D(2021, 1, 9))
    assert before.rating == "red" and before.override is None
    during = rate_action(a, D(2021, 2, 28))
    assert (during.rating, during.rule, during.override) == ("green", "override", o)
    assert during.reason == (
        "override by a plan administrator until 28 Feb 2021: recovery plan agreed "
        "(the rules give red: due 31 Dec 2020, not complete, 59 days overdue)"
    )
    assert during.computed is not None and during.computed.rating == "red"
    after = rate_action(a, D(2021, 3, 1))
    assert after.rating == "red" and after.override is None


def test_the_latest_override_wins_and_cancelled_is_never_overridden() -> None:
    first = Override("amber", "a", "x@example.org", D(2020, 3, 1), D(2020, 12, 1), id=1)
    second = Override("green", "b", "x@example.org", D(2020, 4, 1), D(2020, 5, 1), id=2)
    a = act(status="in_progress", progress=0, overrides=(first, second))
    assert rate_action(a, D(2020, 4, 15)).rating == "green"
    assert rate_action(a, D(2020, 6, 15)).rating == "amber"
    gone = act(status="cancelled", overrides=(first,))
    assert rate_action(gone, D(2020, 4, 15)).rating == "cancelled"


# --- update overdue -----------------------------------------------------------------------

DEADLINES = (D(2020, 2, 25), D(2020, 5, 26), D(2020, 8, 25))


@pytest.mark.parametrize(
    ("last_update", "status", "as_of", "overdue"),
    [
        (None, None, D(2020, 2, 24), False),  # no deadline has passed
        (None, None, D(2020, 2, 25), True),  # a deadline passed, never updated
        (D(2020, 5, 1), "in_progress", D(2020, 6, 1), False),  # updated for the last deadline
        (D(2020, 2, 20), "in_progress", D(2020, 6, 1), True),  # nothing since the one before
        (D(2020, 6, 20), "in_progress", D(2020, 6, 21), False),  # late, but given
        (D(2020, 2, 20), "complete", D(2020, 9, 1), False),  # complete: nothing more is due
    ],
)
def test_update_overdue(last_update, status, as_of, overdue) -> None:
    flag = update_overdue(act(status=status, last_update=last_update, deadlines=DEADLINES), as_of)
    assert (flag is not None) is overdue
    if flag:
        assert flag.flag == "update_overdue"
        assert flag.reason.startswith("update overdue: none given for the ")


def test_update_overdue_is_a_flag_beside_the_rating_not_a_colour() -> None:
    a = act(status="in_progress", progress=50, last_update=D(2020, 2, 1), deadlines=DEADLINES)
    result = rate_action(a, D(2020, 7, 1))
    assert result.rating == "green"
    assert [f.flag for f in result.flags] == ["update_overdue"]
    assert result.flags[0].reason == (
        "update overdue: none given for the 26 May 2020 reporting deadline (last update 1 Feb 2020)"
    )


def test_an_action_starting_after_the_last_deadline_owes_no_update() -> None:
    a = act(start=D(2020, 6, 1), deadlines=DEADLINES)
    assert update_overdue(a, D(2020, 6, 10)) is None


def test_day_text() -> None:
    assert day_text(D(2020, 3, 31)) == "31 Mar 2020"
    assert day_text(D(2020, 3, 1)) == "1 Mar 2020"


# --- objectives --------------------------------------------------------------------------


def r(*ratings: str) -> list[Rating]:
    return [Rating(x, "") for x in ratings]


def test_roll_up_worst_with_counts() -> None:
    result = roll_up(r("green", "amber", "complete", "cancelled"), r("green", "contextual"))
    assert result.rating == "amber"
    assert result.rule == "worst"
    assert result.reason == (
        "worst of 3 rated items; actions: 1 amber, 1 green, 1 complete; KPIs: 1 green; "
        "not counted: 1 cancelled, 1 contextual"
    )
    assert result.inputs["actions"] == {"green": 1, "amber": 1, "complete": 1}


def test_roll_up_all_complete_and_nothing_to_rate() -> None:
    assert roll_up(r("complete", "complete"), r("grey")).rating == "complete"
    assert roll_up(r("complete", "complete")).reason == "all 2 actions complete"
    assert roll_up(r("grey", "complete")).rating == "grey"
    assert roll_up([]).reason == "nothing to rate yet"


def test_roll_up_can_leave_kpis_out() -> None:
    result = roll_up(r("green"), r("red"), RollUpRule(include_kpis=False))
    assert (result.rating, result.reason) == ("green", "worst of 1 rated item; actions: 1 green")


def test_roll_up_share_rule() -> None:
    rule = RollUpRule(rule="share", red_share=50, amber_share=40)
    assert roll_up(r("red", "green", "green", "green"), rule=rule).rating == "green"
    result = roll_up(r("red", "amber", "green", "green"), rule=rule)
    assert result.rating == "amber"
    assert result.reason.startswith("2 of 4 rated items red or amber (amber from 40%)")
    assert roll_up(r("red", "red", "green", "green"), rule=rule).rating == "red"
