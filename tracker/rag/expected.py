"""Expected progress: how far along an action should be on a date.

The Steering Group asks "is it where it should be by now?". The answer needs a
line to compare against. By default the line runs straight from 0% on the
action's start date to 100% on its due date. Where the plan gives milestones
with the per cent complete expected by their dates (``progress:`` on a
milestone), the line runs through those points instead, so an action planned
to do most of its work late is not rated behind early on. Milestones without a
``progress`` figure are events to report, not points on the line.

Pure functions of their arguments: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise


def expected_points(
    start: date, due: date, milestones: Sequence[tuple[date, float]] = ()
) -> list[tuple[date, float]]:
    """The points of the expected-progress line: (start, 0), each milestone, (due, 100).

    Milestones outside start..due are ignored (plan check refuses them), and so
    is any milestone that would make the line go down.
    """
    points = [(start, 0.0)]
    for day, pct in sorted(milestones):
        if start < day < due and pct >= points[-1][1] and 0 <= pct <= 100:
            points.append((day, float(pct)))
    points.append((due, 100.0))
    return points


def expected_progress(
    start: date, due: date, as_of: date, milestones: Sequence[tuple[date, float]] = ()
) -> float:
    """The per cent complete expected on ``as_of``: 0 until the start, 100 from the due date,
    straight lines in between through the milestone points (see ``expected_points``)."""
    if as_of <= start:
        return 0.0 if as_of < due else 100.0
    if as_of >= due:
        return 100.0
    points = expected_points(start, due, milestones)
    for (d0, p0), (d1, p1) in pairwise(points):
        if d0 <= as_of <= d1:
            span = (d1 - d0).days
            return p1 if span <= 0 else p0 + (p1 - p0) * (as_of - d0).days / span
    return 100.0  # not reached: as_of lies between start and due
