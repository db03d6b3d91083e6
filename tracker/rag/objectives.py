"""An objective's rating, rolled up from the ratings of its actions.

Pure: a function of the action ratings alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.rag import ACTION_RATINGS, COMPLETE, GREY, SEVERITY, Rating, count_ratings


def objective_rag(actions: Sequence[Rating]) -> Rating:
    """An objective is rated by the worst of its actions that can be rated (not grey or complete).

    The reason counts: "2 of 5 actions red; 1 amber, 2 complete". When no action
    can be rated the objective is complete (all complete) or grey.
    """
    total = len(actions)
    if total == 0:
        return Rating(GREY, "no actions")
    counts = count_ratings([a.rating for a in actions], ACTION_RATINGS)
    noun = "action" if total == 1 else "actions"
    rated = [a.rating for a in actions if a.rating in SEVERITY]
    if not rated:
        if counts[COMPLETE] == total:
            return Rating(COMPLETE, f"all {total} {noun} complete" if total > 1 else COMPLETE)
        worst = GREY
        lead = f"{counts[GREY]} of {total} {noun} cannot be rated yet"
    else:
        worst = max(rated, key=lambda r: SEVERITY[r])
        lead = f"{counts[worst]} of {total} {noun} {worst}"
    others = [f"{counts[r]} {r}" for r in ACTION_RATINGS if counts[r] and r != worst]
    return Rating(worst, lead + (f"; {', '.join(others)}" if others else ""))
