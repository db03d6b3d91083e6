"""Finding the plan item a person named, or telling them which ids there are.

People type ids as they remember them (``so3.2``, ``kpi3.1``, `` SO3``).
Every command that takes an objective, action, KPI or data set resolves it
here, so they all accept the same spellings and refuse an unknown one with the
same ``NotFoundError`` listing the ids the plan has.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.errors import NotFoundError
from tracker.plan.schema import Dataset, Kpi, Objective, Plan, PlanData, natural_key


def resolve_id(ident: str, known: Iterable[str]) -> str:
    """``ident`` as the plan spells it: so3.2 is SO3.2 (ids differ by more than case)."""
    ident = ident.strip()
    known = list(known)
    if ident in known:
        return ident
    same = [k for k in known if k.casefold() == ident.casefold()]
    return same[0] if len(same) == 1 else ident


def not_found(kind: str, ident: str, known: Iterable[str]) -> NotFoundError:
    """The error for an unknown ``ident``: it lists ids differing only in case, else all of them."""
    ids = sorted(known, key=natural_key)
    close = [k for k in ids if k.casefold() == ident.strip().casefold()]
    return NotFoundError(kind, ident, known=close or ids)


def find_objective(plan: Plan, ident: str) -> Objective:
    """The objective with this id (case does not matter), or NotFoundError listing the ids."""
    known = [o.id for o in plan.objectives]
    wanted = resolve_id(ident, known)
    objective = plan.objective(wanted)
    if objective is None:
        raise not_found("objective", wanted, known)
    return objective


def find_kpi(plan: Plan, ident: str) -> Kpi:
    """The KPI with this id (case does not matter), or NotFoundError listing the ids."""
    known = [k.id for k in plan.kpis]
    wanted = resolve_id(ident, known)
    kpi = plan.kpi(wanted)
    if kpi is None:
        raise not_found("KPI", wanted, known)
    return kpi


def find_dataset(plan: Plan | PlanData, name: str) -> Dataset:
    """The data set with this name, or NotFoundError listing the plan's data sets in order."""
    dataset = plan.dataset(name)
    if dataset is None:
        raise NotFoundError("data set", name, known=[d.name for d in plan.datasets])
    return dataset
