"""The provisional RAG rating of an action, and why it has its rating.

This is where the RAG engine of a later issue will live. For now an action is
rated by a simple due-date rule (see ``action_rag``); ``tracker.rag.objectives``
rolls actions up into their objective. Every rating carries a short ``reason``
so that the Steering Group can see why an item is red without asking: a RAG
that explains itself. Complete is its own rating, counted separately (councils
often show it blue), and grey means "cannot be assessed" (not started yet, or
cancelled).

Everything here is a pure function of its arguments: no database, no clock.
"""

from __future__ import annotations

from datetime import date

from tracker.figures import round_half_up
from tracker.rag import SEVERITY as _SEVERITY
from tracker.rag import Rating

DUE_SOON_DAYS = 30  # "due within 30 days"...
DUE_SOON_BEHIND = 10  # ...and at least this many points behind the time elapsed: amber
BEHIND_POINTS = 25  # more than this many points behind the time elapsed: amber


def _pct(value: float) -> str:
    return f"{int(round_half_up(value))}%"


def action_rag(
    *,
    status: str | None,
    progress: int | None,
    start: date,
    due: date,
    as_of: date,
    self_rag: str | None = None,
) -> Rating:
    """Rate one action as on ``as_of`` by the due-date rule, first match wins.

    ``status`` is that of the latest update on or before ``as_of`` (None: no
    update yet); ``progress`` the latest per cent complete given (None: never
    given); ``self_rag`` the owner's own rating on that update.

    1. complete -> complete; cancelled -> grey.
    2. before its start date and not begun -> grey ("not yet started").
    3. past its due date and not complete -> red.
    4. no update at all since it started -> amber.
    5. on hold -> amber.
    6. due within 30 days and progress at least 10 points behind the time elapsed -> amber.
    7. progress more than 25 points behind the time elapsed -> amber.
    8. otherwise green.

    The owner's own rating wins when it is worse than the rule's (green <
    amber < red), and the reason says so; when it is better, the rule's rating
    stands and the reason mentions the owner's view.
    """
    rule = _due_date_rule(status, progress, start, due, as_of)
    if self_rag is None or rule.rating not in _SEVERITY or self_rag not in _SEVERITY:
        return rule
    if _SEVERITY[self_rag] > _SEVERITY[rule.rating]:
        return Rating(self_rag, f"rated {self_rag} by its owner (by dates alone: {rule.reason})")
    if _SEVERITY[self_rag] < _SEVERITY[rule.rating]:
        return Rating(rule.rating, f"{rule.reason} (its owner rates it {self_rag})")
    return rule


def _due_date_rule(
    status: str | None, progress: int | None, start: date, due: date, as_of: date
) -> Rating:
    if status == "complete":
        return Rating("complete", "complete")
    if status == "cancelled":
        return Rating("grey", "cancelled")
    if as_of < start and status in (None, "not_started"):
        return Rating("grey", f"not yet started (starts {start.isoformat()})")
    if as_of > due:
        late = (as_of - due).days
        return Rating(
            "red",
            f"due {due.isoformat()}, {late} day{'s' if late != 1 else ''} overdue and not complete",
        )
    if status is None:
        return Rating("amber", f"no update since start ({start.isoformat()})")
    if status == "on_hold":
        return Rating("amber", "on hold")

    span = (due - start).days
    elapsed = 100.0 if span <= 0 else max(0.0, min(100.0, (as_of - start).days * 100 / span))
    done = 0 if progress is None and status == "not_started" else progress
    if done is None:
        return Rating("green", f"in progress, no per cent complete given; due {due.isoformat()}")
    behind = elapsed - done
    progress_text = f"{done}% complete with {_pct(elapsed)} of the time elapsed"
    days_left = (due - as_of).days
    if days_left <= DUE_SOON_DAYS and behind >= DUE_SOON_BEHIND:
        when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
        return Rating("amber", f"due {due.isoformat()} ({when}), {progress_text}")
    if behind > BEHIND_POINTS:
        return Rating("amber", f"behind: {progress_text}")
    return Rating("green", f"on track: {progress_text}")
