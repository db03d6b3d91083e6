"""Each meeting's reporting cycle, worked back from its date in working days.

For a Steering Group meeting: return requests to the owners, the return
deadline, one or more chasers to owners still outstanding, and the pack to the
Steering Group. For the strategy review the same, ending with the review
workbook and paper to the chair. The number of working days before the meeting
comes from the plan's ``cycle:`` section (``tracker/plan/cycle.py``), which has
documented defaults and may differ per meeting.

``plan_dispatches`` expands the cycles into one ``PlannedDispatch`` per thing
to do and per recipient: the rows of the dispatch table. These are pure
functions of the plan: they take no clock, so ``tick --now`` and tests can
place them anywhere in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from tracker.errors import InvalidValueError
from tracker.periods import clocks_change_at
from tracker.plan.schema import Meeting, Plan
from tracker.schedule.calendar import WorkingCalendar, working_calendar

# The order of the steps in a cycle (also the order due dispatches are done in).
KINDS = ("request", "deadline", "chaser", "pack", "review")
KIND_LABELS = {
    "request": "return request",
    "deadline": "return deadline",
    "chaser": "chaser",
    "pack": "Steering Group pack",
    "review": "review workbook and paper",
}
STEERING_GROUP = "steering_group"  # recipients named by role in the plan's distribution
CHAIR = "chair"
REVIEW_ID = "REVIEW"  # the review's id when the plan lists no meeting of kind review


@dataclass(frozen=True)
class Step:
    """One step of a meeting's cycle: what, on which working day, how many days before."""

    meeting_id: str
    meeting_on: date
    kind: str
    seq: int  # chasers are numbered 1, 2...; every other step is 0
    day: date
    offset: int  # working days before the meeting
    due_at: datetime  # in the plan's timezone


@dataclass(frozen=True)
class PlannedDispatch:
    """One row of the dispatch table as the plan says it should be."""

    meeting_id: str
    meeting_on: date
    kind: str
    seq: int
    recipient: str  # an owner id, 'steering_group' or 'chair'; '' for the deadline
    due_at: datetime
    offset: int

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.meeting_id, self.kind, self.seq, self.recipient)


def plan_calendar(plan: Plan) -> WorkingCalendar:
    """The working-day calendar for the strategy: its region's bank holidays and closures."""
    s = plan.plan
    meeting_years = [m.date.year for m in plan.meetings] + [s.review.year]
    years = range(min(s.start.year, *meeting_years) - 1, max(s.end.year, *meeting_years) + 1)
    closures = {c.date: c.reason for c in plan.cycle.closures}
    return working_calendar(years, region=s.working_days_region, closures=closures)


def local_time(day: date, at: time, timezone: str) -> datetime:
    """``at`` on ``day`` in ``timezone``, refusing a time the clocks skip or repeat that day."""
    zone = ZoneInfo(timezone)
    first = datetime.combine(day, at, tzinfo=zone)
    if clocks_change_at(first):
        raise InvalidValueError(
            f"{at:%H:%M} on {day} is skipped or repeated when the clocks change in {timezone}",
            hint="choose another time of day in the plan's cycle.time or cycle.deadline_time, "
            "then run 'tracker plan load'",
        )
    return first


def meetings_with_cycles(plan: Plan) -> list[Meeting]:
    """The meetings that have a reporting cycle: every meeting, and the review.

    When the plan lists no meeting of kind ``review``, the review date
    (``plan.review``) stands for one, with id REVIEW.
    """
    meetings = sorted(plan.meetings, key=lambda m: (m.date, m.id))
    if not any(m.kind == "review" for m in meetings):
        review = Meeting(
            id=REVIEW_ID, date=plan.plan.review, kind="review", title="Strategy review"
        )
        meetings = sorted([*meetings, review], key=lambda m: (m.date, m.id))
    return meetings


def meeting_cycle(
    plan: Plan, meeting: Meeting, calendar: WorkingCalendar | None = None
) -> list[Step]:
    """The steps of ``meeting``'s cycle, in date order."""
    cal = calendar or plan_calendar(plan)
    c = plan.cycle.for_meeting(meeting.id)
    tz = plan.plan.timezone
    last_kind, last = ("review", c.review) if meeting.kind == "review" else ("pack", c.pack)
    assert c.requests is not None and c.deadline is not None and c.chasers is not None
    assert last is not None
    wanted: list[tuple[str, int, int]] = [("request", 0, c.requests), ("deadline", 0, c.deadline)]
    wanted += [("chaser", n, days) for n, days in enumerate(sorted(c.chasers, reverse=True), 1)]
    wanted.append((last_kind, 0, last))
    steps = []
    for kind, seq, offset in wanted:
        day = cal.working_days_before(meeting.date, offset)
        at = plan.cycle.deadline_time if kind == "deadline" else plan.cycle.time
        steps.append(
            Step(
                meeting_id=meeting.id,
                meeting_on=meeting.date,
                kind=kind,
                seq=seq,
                day=day,
                offset=offset,
                due_at=local_time(day, at, tz),
            )
        )
    return sorted(steps, key=lambda s: (s.due_at, KINDS.index(s.kind), s.seq))


def return_owners(plan: Plan, meeting: Meeting) -> list[str]:
    """The owners asked for a return before ``meeting``, in the plan's order.

    An owner is asked when one of their actions has started by the meeting (an action past
    its due date and not complete needs an update most of all), or when they own a KPI
    whose values they enter by hand: the owners ``tracker returns issue`` issues to. When
    the request falls due, an owner whose actions are all complete or cancelled by then is
    skipped ("no actions to report on").
    """
    wanted = {a.owner for a in plan.actions() if a.start <= meeting.date}
    wanted |= {k.owner for k in plan.kpis if k.owner and k.measure.kind == "manual"}
    return [o.id for o in plan.owners if o.id in wanted]


def plan_dispatches(plan: Plan) -> list[PlannedDispatch]:
    """Every dispatch the plan calls for, one per step and recipient, in due order."""
    cal = plan_calendar(plan)
    out: list[PlannedDispatch] = []
    for meeting in meetings_with_cycles(plan):
        owners = return_owners(plan, meeting)
        for step in meeting_cycle(plan, meeting, cal):
            if step.kind in ("request", "chaser"):
                recipients = owners
            elif step.kind == "pack":
                recipients = [STEERING_GROUP]
            elif step.kind == "review":
                recipients = [CHAIR]
            else:
                recipients = [""]
            out += [
                PlannedDispatch(
                    meeting_id=step.meeting_id,
                    meeting_on=step.meeting_on,
                    kind=step.kind,
                    seq=step.seq,
                    recipient=r,
                    due_at=step.due_at,
                    offset=step.offset,
                )
                for r in recipients
            ]
    return sorted(out, key=lambda d: (d.due_at, KINDS.index(d.kind), d.meeting_id, d.recipient))


def meeting_starts(meeting_on: date, timezone: str) -> datetime:
    """When a meeting's day begins where the partnership works: work for it is useful until then."""
    return datetime.combine(meeting_on, time(0, 0), tzinfo=ZoneInfo(timezone))


def avoid_clock_change_hour(moment: datetime, timezone: str) -> datetime:
    """``moment`` moved out of 01:00-02:00 local time (to 02:00), where the UK clocks change."""
    local = moment.astimezone(ZoneInfo(timezone))
    if local.hour == 1:
        return datetime.combine(local.date(), time(2, 0), tzinfo=ZoneInfo(timezone))
    return moment
