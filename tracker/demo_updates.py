"""The demo's synthetic progress updates: each action's owner reporting as a real one might.

Deterministic (a fixed seed), labelled synthetic, and dated up to the demo's as-of
date: some actions finish, some run late, some go on hold, some never report.
``tracker.demo`` records them; tests use them to fill a workspace quickly.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.plan.schema import Action, Plan
    from tracker.progress import UpdateInput

DEMO_SEED = 20191001  # the strategy's first day; any fixed number would do
SYNTHETIC = " (synthetic)"

__all__ = ["DEMO_SEED", "SYNTHETIC", "synthetic_updates"]


_NOTES: dict[str, list[str]] = {
    "start": [
        "Kick-off meeting held with partners; delivery plan agreed.",
        "Scoping done and leads named in each partner organisation.",
        "Project group set up; first meeting held and actions shared.",
    ],
    "progress": [
        "Good progress this month; partners engaged and feedback positive.",
        "This month's planned work delivered; next steps agreed with partners.",
        "Draft circulated to partners for comment; responses due next month.",
        "Working with district leads to reach the remaining teams.",
        "On plan; update given to the Steering Group.",
        "Materials refreshed after feedback from the last round.",
    ],
    "covid": [
        "Meetings and delivery moved online under COVID-19 restrictions; work continuing.",
        "Some partners redeployed to the COVID-19 response; catching up where we can.",
    ],
    "behind": [
        "Behind plan: partner capacity stretched; recovery plan to the next Steering Group.",
        "Slower than planned; waiting on partner returns before the next stage.",
        "Fewer sessions than planned this quarter; extra dates being arranged.",
    ],
    "late": [
        "Delayed: awaiting sign-off from partners; revised date to be agreed at Steering Group.",
        "Not finished by the due date; final stage rescheduled, exception report prepared.",
    ],
    "hold": [
        "Paused: face-to-face work suspended under COVID-19 restrictions; to resume when allowed.",
        "On hold while the lead post is vacant; interim cover being arranged.",
    ],
}
_COVID = date(2020, 3, 23)  # the first national lockdown in England


def _note(rng: random.Random, kind: str) -> str:
    return rng.choice(_NOTES[kind]) + SYNTHETIC


def _update_dates(rng: random.Random, start: date, until: date) -> list[date]:
    """Roughly monthly update dates (owners skip about one month in four) from start to until."""
    dates = [min(until, start + timedelta(days=rng.randint(7, 20)))]
    month = date(start.year, start.month, 1)
    while True:
        month = (month + timedelta(days=32)).replace(day=1)
        day = month.replace(day=rng.randint(18, 28))
        if day > until:
            break
        if rng.random() < 0.75 and day > dates[-1]:
            dates.append(day)
    return dates


def _elapsed(action: Action, day: date) -> float:
    span = max(1, (action.due - action.start).days)
    return max(0.0, min(100.0, (day - action.start).days * 100 / span))


def _profiles(plan: Plan, as_of: date, rng: random.Random) -> dict[str, str]:
    """How each action goes, chosen so the status shows every rating: green, amber, red, complete.

    Actions due by ``as_of`` are mostly complete and about one in four late (red); running
    actions are mostly on track (green), with one each behind plan, on hold and never
    updated (amber). Actions not started by ``as_of`` get no updates (grey).
    """
    actions = plan.actions()
    ended = [a.id for a in actions if a.start <= as_of and a.due <= as_of]
    running = [a.id for a in actions if a.start <= as_of < a.due]
    profiles = {a.id: "not_yet" for a in actions}
    late = set(rng.sample(ended, max(1, round(len(ended) / 4)))) if ended else set()
    for ident in ended:
        profiles[ident] = "late" if ident in late else "complete"
    rng.shuffle(running)
    for ident, kind in zip(running, ["behind", "on_hold", "silent"], strict=False):
        profiles[ident] = kind
    for ident in running[3:]:
        profiles[ident] = "on_track"
    return profiles


def synthetic_updates(plan: Plan, *, as_of: date, seed: int = DEMO_SEED) -> list[UpdateInput]:
    """Deterministic synthetic updates by each action's owner, dated up to ``as_of``."""
    from tracker.progress import UpdateInput

    rng = random.Random(seed)
    profiles = _profiles(plan, as_of, rng)
    out: list[UpdateInput] = []
    for action in plan.actions():
        kind = profiles[action.id]
        if kind in ("not_yet", "silent"):
            continue
        owner = plan.owner(action.owner)
        by = str(owner.email) if owner else plan.distribution.administrators[0]
        start = max(action.start, plan.plan.start)
        until = as_of
        if kind == "complete":
            span = max(1, (action.due - action.start).days)
            until = min(as_of, action.due - timedelta(days=rng.randint(0, min(45, span // 4))))
        hold_from = as_of - timedelta(days=rng.randint(40, 90)) if kind == "on_hold" else None
        ahead = rng.randint(0, 10)
        cap = rng.choice([60, 65, 70, 75, 80, 85])
        dates = _update_dates(rng, start, until)
        if kind == "complete" and dates[-1] != until:
            dates.append(until)
        if hold_from is not None and dates[-1] < hold_from:
            dates.append(hold_from)  # an action on hold says so in its latest update
        progress = 0
        for i, day in enumerate(dates):
            elapsed = _elapsed(action, day)
            last = i == len(dates) - 1
            status, rag = "in_progress", None
            if kind == "complete" and last:
                out.append(
                    UpdateInput(
                        action_id=action.id,
                        status="complete",
                        note=f"Complete. {action.outcome}.{SYNTHETIC}",
                        on=day,
                        by=by,
                        source="demo",
                    )
                )
                break
            if kind == "behind":
                target = elapsed * 0.45
            elif kind == "late":
                target = min(elapsed, cap + (5 if day > action.due else 0))
            else:
                target = min(95.0, elapsed + ahead)
            progress = max(progress, min(95, 5 * round(target / 5)), 5)
            if i == 0:
                note = _note(rng, "start")
            elif kind == "on_hold" and hold_from is not None and day >= hold_from:
                status, rag, note = "on_hold", "amber", _note(rng, "hold")
            elif kind == "late" and day > action.due - timedelta(days=30):
                rag, note = rng.choice(["amber", "red"]), _note(rng, "late")
            elif kind == "behind" and elapsed - progress > 20:
                rag, note = rng.choice([None, "amber"]), _note(rng, "behind")
            elif day >= _COVID and rng.random() < 0.2:
                note = _note(rng, "covid")
            else:
                rag, note = rng.choice([None, None, "green"]), _note(rng, "progress")
            out.append(
                UpdateInput(
                    action_id=action.id,
                    status=status,
                    progress=progress,
                    rag=rag,
                    note=note,
                    on=day,
                    by=by,
                    source="demo",
                )
            )
    return out
