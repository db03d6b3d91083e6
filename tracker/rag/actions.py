"""The RAG rating of an action: rules written down, each rating explaining itself.

``rate_action`` takes everything it needs as plain values (``ActionInputs``,
the as-of date and the thresholds in ``ActionRules``) and returns an
``ActionRating``: the rating, the rule that decided it, the inputs it used and
a sentence a Steering Group member understands ("due 31 Mar 2020, not
complete, 45 days overdue"). It reads no database, file or clock, so a rating
can be worked out again for any date (``tracker rag explain``).

How an action is rated (docs/rag.md says the same for users):

1. The rule's rating, first match wins:
   ``cancelled`` (listed apart, not counted), ``complete`` (shown blue),
   ``not_yet_started`` (grey: its start date has not passed), ``overdue``
   (red: past its due date and not complete), ``not_started`` (amber: after
   its start date and not started), ``on_hold`` (amber), ``no_progress_given``
   (green: in progress, but no per cent complete was ever given), ``behind_red``
   and ``behind_amber`` (progress behind the expected progress by more than the
   red or amber margin), else ``on_track`` (green).
2. The owner's view: when the owner's own RAG on the latest update is worse
   than the rule's, it counts (rule ``owner_view``); when better, the rule's
   rating stands and the sentence mentions the owner's view.
3. An override in force on the as-of date replaces the rating (rule
   ``override``); the sentence gives its reason, who made it and when it lapses.

Beside the rating, not in it: the flag ``update_overdue`` when no update has
been given since the last reporting deadline passed (see ``update_overdue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.rag import AMBER, CANCELLED, COMPLETE, GREEN, GREY, RED, SEVERITY, Rating
from tracker.rag.expected import expected_progress

_SEVERITY = SEVERITY


@dataclass(frozen=True)
class ActionRules:
    """The thresholds of the action rules (the ``rag:`` section of objectives.yaml)."""

    amber_behind: float = 15.0  # percentage points behind expected progress: amber beyond this
    red_behind: float = 30.0  # ... and red beyond this


@dataclass(frozen=True)
class Override:
    """A rating set by a plan administrator, in force from ``starts`` to ``until`` inclusive."""

    rating: str
    reason: str
    by: str
    starts: date
    until: date
    id: int | None = None

    def in_force(self, as_of: date) -> bool:
        return self.starts <= as_of <= self.until

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rag": self.rating,
            "reason": self.reason,
            "by": self.by,
            "from": self.starts.isoformat(),
            "until": self.until.isoformat(),
        }


@dataclass(frozen=True)
class Flag:
    """Something to know beside a rating that is not a colour ("update overdue")."""

    flag: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"flag": self.flag, "reason": self.reason}


@dataclass(frozen=True)
class ActionInputs:
    """Everything the rules read about one action, as of a date.

    ``status``, ``progress``, ``self_rag`` and ``last_update`` come from the
    latest update on or before the as-of date (None: no update yet; progress is
    the latest per cent complete given). ``milestones`` are (date, expected per
    cent) points; ``deadlines`` every reporting deadline of the plan;
    ``overrides`` every override recorded on the action (the engine picks the
    one in force).
    """

    id: str
    start: date
    due: date
    status: str | None = None
    progress: int | None = None
    self_rag: str | None = None
    last_update: date | None = None
    milestones: tuple[tuple[date, float], ...] = ()
    deadlines: tuple[date, ...] = ()
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class ActionRating(Rating):
    """An action's rating: what counts (``rating``), and beside it what the rules computed,
    the owner's own view, the override in force and any flags."""

    computed: Rating | None = None
    self_rag: str | None = None
    override: Override | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def computed_rule(self) -> str | None:
        """The rule that decided the computed rating (before the owner's view and overrides)."""
        return (self.computed or self).rule

    @property
    def sentence(self) -> str:
        """'Red: due 31 Mar 2020, not complete, 45 days overdue'."""
        return f"{label(self.rating)}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        computed = self.computed or self
        return {
            "rag": self.rating,
            "reason": self.reason,
            "rule": self.rule,
            "computed": {"rag": computed.rating, "reason": computed.reason, "rule": computed.rule},
            "self_rag": self.self_rag,
            "override": self.override.to_json() if self.override else None,
            "flags": [f.to_json() for f in self.flags],
            "inputs": dict(self.inputs),
        }


def label(rating: str) -> str:
    return rating.capitalize()


def day_text(day: date) -> str:
    """31 Mar 2020: unambiguous in every country, short enough for a table cell."""
    return f"{day.day} {day:%b %Y}"


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _pct(value: float) -> str:
    return f"{round(value)}%"


# --- the rules --------------------------------------------------------------------------------


def computed_rating(a: ActionInputs, as_of: date, rules: ActionRules) -> Rating:
    """The rating by the rules alone (step 1 of the module docstring), first match wins."""
    base: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "start": a.start.isoformat(),
        "due": a.due.isoformat(),
        "status": a.status,
        "last_update": a.last_update.isoformat() if a.last_update else None,
    }
    reported = f", reported {day_text(a.last_update)}" if a.last_update else ""
    if a.status == "cancelled":
        return Rating(CANCELLED, f"cancelled{reported}; not counted", "cancelled", base)
    if a.status == "complete":
        return Rating(COMPLETE, f"complete{reported}", "complete", base)
    begun = a.status not in (None, "not_started")
    if as_of <= a.start and not begun:
        when = "today" if as_of == a.start else day_text(a.start)
        return Rating(GREY, f"not due to start yet (starts {when})", "not_yet_started", base)
    if as_of > a.due:
        late = (as_of - a.due).days
        return Rating(
            RED,
            f"due {day_text(a.due)}, not complete, {_days(late)} overdue",
            "overdue",
            {**base, "days_overdue": late},
        )
    if not begun:
        waited = (as_of - a.start).days
        what = "not started" if a.status else "no update given"
        return Rating(
            AMBER,
            f"due to start {day_text(a.start)}, {what} {_days(waited)} later",
            "not_started",
            {**base, "days_since_start": waited},
        )
    if a.status == "on_hold":
        return Rating(AMBER, f"on hold{reported}", "on_hold", base)
    expected = expected_progress(a.start, a.due, as_of, a.milestones)
    inputs = {
        **base,
        "progress": a.progress,
        "expected": round(expected, 1),
        "milestones": [[d.isoformat(), p] for d, p in a.milestones],
        "amber_behind": rules.amber_behind,
        "red_behind": rules.red_behind,
    }
    if a.progress is None:
        return Rating(
            GREEN,
            f"in progress, no per cent complete given; {_pct(expected)} expected by now, "
            f"due {day_text(a.due)}",
            "no_progress_given",
            inputs,
        )
    behind = expected - a.progress
    inputs["behind"] = round(behind, 1)
    words = f"{a.progress}% complete, {_pct(expected)} expected by now"
    if behind > rules.red_behind:
        return Rating(
            RED,
            f"behind: {words} ({round(behind)} points behind, more than {_num(rules.red_behind)})",
            "behind_red",
            inputs,
        )
    if behind > rules.amber_behind:
        return Rating(
            AMBER,
            f"behind: {words} ({round(behind)} points behind, more than "
            f"{_num(rules.amber_behind)})",
            "behind_amber",
            inputs,
        )
    return Rating(GREEN, f"on track: {words}", "on_track", inputs)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def update_overdue(a: ActionInputs, as_of: date) -> Flag | None:
    """The "update overdue" flag, or None.

    An update is due by each reporting deadline. The flag is raised when the
    latest deadline on or before ``as_of`` has passed with no update since the
    deadline before it (or none at all), for an action that had started by
    that deadline and is not complete or cancelled.
    """
    passed = [d for d in sorted(a.deadlines) if d <= as_of]
    if not passed or a.status in ("complete", "cancelled") or a.start > passed[-1]:
        return None
    last = passed[-1]
    previous = passed[-2] if len(passed) > 1 else None
    if a.last_update is not None and (previous is None or a.last_update > previous):
        return None
    since = f"last update {day_text(a.last_update)}" if a.last_update else "no update yet"
    return Flag(
        "update_overdue",
        f"update overdue: none given for the {day_text(last)} reporting deadline ({since})",
    )


def override_in_force(overrides: Sequence[Override], as_of: date) -> Override | None:
    """The override in force on ``as_of``: the latest made (then the highest id) of those whose
    period covers it."""
    live = [o for o in overrides if o.in_force(as_of)]
    return max(live, key=lambda o: (o.starts, o.id or 0)) if live else None


def rate_action(a: ActionInputs, as_of: date, rules: ActionRules | None = None) -> ActionRating:
    """The rating of one action on ``as_of`` (the module docstring lists the steps)."""
    rules = rules or ActionRules()
    computed = computed_rating(a, as_of, rules)
    rating, reason, rule = computed.rating, computed.reason, computed.rule
    own = a.self_rag if a.self_rag in _SEVERITY else None
    if own and rating in _SEVERITY:
        if _SEVERITY[own] > _SEVERITY[rating]:
            rating, reason, rule = (
                own,
                f"rated {own} by its owner (the rules give {rating}: {computed.reason})",
                "owner_view",
            )
        elif _SEVERITY[own] < _SEVERITY[rating]:
            reason = f"{computed.reason} (its owner rates it {own})"
    override = override_in_force(a.overrides, as_of) if rating != CANCELLED else None
    if override is not None:
        rating, rule = override.rating, "override"
        reason = (
            # only plan administrators override (tracker.overrides); the reason goes into packs
            # and emails, so it names the role, not the address (kept in the record)
            f"override by a plan administrator until {day_text(override.until)}: "
            f"{override.reason} "
            f"(the rules give {computed.rating}: {computed.reason})"
        )
    flag = update_overdue(a, as_of)
    inputs = {**computed.inputs, "self_rag": own}
    return ActionRating(
        rating=rating,
        reason=reason,
        rule=rule,
        inputs=inputs,
        computed=computed,
        self_rag=own,
        override=override,
        flags=(flag,) if flag else (),
    )
