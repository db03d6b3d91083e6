"""The ``cycle:`` section of ``objectives.yaml``: when each step of a reporting cycle happens.

A reporting cycle is worked back from a meeting in working days: return
requests go to owners ``requests`` working days before the meeting, returns
are due ``deadline`` working days before it, a chaser goes to owners still
outstanding ``chasers`` working days before it (one or more), and the pack
goes to the Steering Group ``pack`` working days before it. For the strategy
review, the review workbook and paper go to the chair ``review`` working days
before the review date. The defaults below are the ones an officer would pick
by hand; a plan may change them for every meeting, or for one meeting.

Everything here is checked on load, each problem reported at its line, so a
cycle that runs backwards (a chaser before the deadline) never reaches the
scheduler.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, time
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from tracker.plan.base import PlanModel

DEFAULT_REQUESTS = 15
DEFAULT_DEADLINE = 8
DEFAULT_CHASERS = (6,)
DEFAULT_PACK = 5
DEFAULT_REVIEW = 5
DEFAULT_TIME = time(9, 0)
DEFAULT_DEADLINE_TIME = time(17, 0)
# Where the regions' bank holidays come from: the `holidays` package's UK subdivisions.
REGIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}

Days = Annotated[int, Field(ge=1, le=60)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _local_time(value: Any) -> Any:
    """YAML reads 09:00 as text (or, unquoted with seconds, as a number of seconds)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 86_400:
        return time(value // 3600, value // 60 % 60)
    if isinstance(value, str):
        text = value.strip()
        parts = text.split(":")
        shaped = len(parts) in (2, 3) and all(p.isdigit() and len(p) == 2 for p in parts[1:])
        try:
            if not (shaped and parts[0].isdigit()):
                raise ValueError
            seconds = int(parts[2]) if len(parts) == 3 else 0  # HH:MM, or HH:MM:SS as stored
            return time(int(parts[0]), int(parts[1]), seconds)
        except ValueError:
            raise ValueError(
                f"'{text}' is not a time of day; write it as HH:MM, e.g. \"09:00\""
            ) from None
    return value


def _not_at_clock_change(value: time) -> time:
    # In the UK the clocks change at 01:00 GMT: in spring 01:00-02:00 does not exist, and in
    # autumn it happens twice. Nothing is timed then, so nothing is skipped or sent twice.
    if time(1, 0) <= value < time(2, 0):
        raise ValueError(
            f"{value:%H:%M} falls in the hour the clocks change (01:00-02:00); "
            "choose a time outside it, e.g. 09:00"
        )
    return value


class Closure(PlanModel):
    """A day the partnership's offices are closed, not counted as a working day."""

    date: date
    reason: Reason = "office closure"


class MeetingCycle(PlanModel):
    """Changes to the cycle of one meeting; anything left out follows the plan's cycle."""

    requests: Days | None = None
    deadline: Days | None = None
    chasers: list[Days] | None = None
    pack: Days | None = None
    review: Days | None = None


class CycleSettings(PlanModel):
    """When each step of a meeting's reporting cycle happens, in working days before it."""

    requests: Days = Field(
        default=DEFAULT_REQUESTS, description="return requests to owners, working days before"
    )
    deadline: Days = Field(default=DEFAULT_DEADLINE, description="returns due, working days before")
    chasers: list[Days] = Field(
        default_factory=lambda: list(DEFAULT_CHASERS),
        description="a chaser to owners still outstanding, working days before (one or more)",
    )
    pack: Days = Field(
        default=DEFAULT_PACK, description="the pack to the Steering Group, working days before"
    )
    review: Days = Field(
        default=DEFAULT_REVIEW,
        description="the review workbook and paper to the chair, working days before the review",
    )
    time: dt.time = Field(default=DEFAULT_TIME, description="local time dispatches are due")
    deadline_time: dt.time = Field(
        default=DEFAULT_DEADLINE_TIME, description="local time on the deadline day returns are due"
    )
    closures: list[Closure] = Field(
        default_factory=list, description="office closure days, beside the bank holidays"
    )
    meetings: dict[str, MeetingCycle] = Field(
        default_factory=dict, description="changes for single meetings, by meeting id"
    )

    @field_validator("time", "deadline_time", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        return _local_time(value)

    @field_validator("time", "deadline_time")
    @classmethod
    def _outside_clock_change(cls, value: dt.time) -> dt.time:
        return _not_at_clock_change(value)

    def for_meeting(self, meeting_id: str) -> MeetingCycle:
        """The offsets in force for one meeting: its own changes over the plan's cycle."""
        own = self.meetings.get(meeting_id) or MeetingCycle()
        return MeetingCycle(
            requests=own.requests if own.requests is not None else self.requests,
            deadline=own.deadline if own.deadline is not None else self.deadline,
            chasers=list(own.chasers) if own.chasers is not None else list(self.chasers),
            pack=own.pack if own.pack is not None else self.pack,
            review=own.review if own.review is not None else self.review,
        )


def check_cycle(plan: Any, add: Any) -> None:
    """Cross-checks of the cycle against the rest of the plan; ``add(loc, message)`` reports.

    Called from ``tracker.plan.validate.cross_check`` (so problems carry line numbers).
    """
    settings = getattr(plan, "plan", None)
    region = getattr(settings, "working_days_region", "england")
    if isinstance(region, str) and region not in REGIONS:
        add(
            ("plan", "working_days_region"),
            f"working_days_region '{region}' is not known; use one of {', '.join(REGIONS)}",
        )
    cycle = getattr(plan, "cycle", None)
    if not isinstance(cycle, CycleSettings):
        return
    meetings = {getattr(m, "id", None): m for m in getattr(plan, "meetings", None) or []}
    for meeting_id in cycle.meetings:
        if meeting_id not in meetings:
            known = ", ".join(sorted(str(m) for m in meetings if m)) or "none in the plan"
            add(
                ("cycle", "meetings", meeting_id),
                f"cycle.meetings names meeting '{meeting_id}', which is not in the meetings "
                f"list; use one of {known}",
            )
    if not _check_order(add, ("cycle",), cycle.for_meeting(""), "the cycle"):
        return  # each meeting's own cycle would repeat the same problem
    for meeting_id in cycle.meetings:
        _check_order(
            add,
            ("cycle", "meetings", meeting_id),
            cycle.for_meeting(meeting_id),
            f"the cycle of meeting {meeting_id}",
        )
    start = getattr(settings, "start", None)
    end = getattr(settings, "end", None)
    for i, closure in enumerate(cycle.closures):
        if isinstance(start, date) and isinstance(end, date) and not start <= closure.date <= end:
            add(
                ("cycle", "closures", i, "date"),
                f"closure {closure.date} is outside the strategy period {start} to {end}; "
                "move it inside or remove it",
            )
    zone = getattr(settings, "timezone", None)
    if isinstance(start, date) and isinstance(end, date) and isinstance(zone, str):
        for field in ("time", "deadline_time"):
            changed = _clock_change_on(getattr(cycle, field), zone, start, end)
            if changed is not None:
                add(
                    ("cycle", field),
                    f"cycle.{field} {getattr(cycle, field):%H:%M} is skipped or repeated when "
                    f"the clocks change in {zone} (on {changed}); choose another time of day, "
                    "e.g. 09:00",
                )


def _clock_change_on(at: time, timezone: str, start: date, end: date) -> date | None:
    """A day from a year before ``start`` to a year after ``end`` on which ``at`` does not
    exist or happens twice in ``timezone`` (requests go out weeks before a meeting)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from tracker.periods import clocks_change_at

    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # the timezone's own check reports it
    day = date(start.year - 1, 1, 1)
    last = date(min(end.year + 1, 9998), 12, 31)
    while day <= last:
        if clocks_change_at(dt.datetime.combine(day, at, tzinfo=zone)):
            return day
        day += dt.timedelta(days=1)
    return None


def _check_order(add: Any, at: tuple[Any, ...], c: MeetingCycle, what: str) -> bool:
    """Requests before the deadline, chasers after it, the pack and review after the chasers.

    Returns True when the order is right."""
    assert c.requests is not None and c.deadline is not None and c.chasers is not None
    assert c.pack is not None and c.review is not None
    problems = 0

    def report(loc: tuple[Any, ...], message: str) -> None:
        nonlocal problems
        problems += 1
        add(loc, message)

    if c.deadline >= c.requests:
        report(
            (*at, "deadline"),
            f"in {what} the deadline ({c.deadline} working days before) is not after the "
            f"requests ({c.requests} before); make deadline smaller than requests",
        )
    for n, chaser in enumerate(c.chasers):
        if not chaser < c.deadline:
            report(
                (*at, "chasers", n),
                f"in {what} a chaser ({chaser} working days before) is not after the deadline "
                f"({c.deadline} before); make each chaser smaller than the deadline",
            )
        last = min(c.pack, c.review)
        if not chaser > last:
            report(
                (*at, "chasers", n),
                f"in {what} a chaser ({chaser} working days before) is not before the pack or "
                f"review ({last} before); make each chaser larger than pack and review",
            )
    if len(set(c.chasers)) != len(c.chasers):
        report((*at, "chasers"), f"in {what} two chasers fall on the same day; remove one")
    for name, days in (("pack", c.pack), ("review", c.review)):
        if days >= c.deadline:
            report(
                (*at, name),
                f"in {what} the {name} ({days} working days before) is not after the deadline "
                f"({c.deadline} before); make {name} smaller than the deadline",
            )
    return problems == 0
