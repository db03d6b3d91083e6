"""An attacker: what can a reader holding every distributed output work out about hidden counts?

Written apart from the protection code (``tracker.disclosure.linear`` and
``protect``): it takes the figures as a reader sees them -- each an
``Observation``: the rows it counts (a data set, a value set per field, a run
of months) and either the number shown or the marker -- and, for every hidden
figure, searches over whole-number tables of counts, by integer programming
(HiGHS), for the least and greatest value consistent with all of them.

The unknowns are counts per month of each combination of the fields that
appear together in some observation (a block), and blocks share the monthly
totals. A hidden figure is *found* when it is fixed, or when it is a count
from 1 to threshold-1 that the figures narrow to fewer than threshold-1
possible values (more than ``<5`` says).

A reader is credited with more than the marker tells: a hidden figure is
known to be at least 1 when it is not zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product


@dataclass(frozen=True)
class Observation:
    dataset: str
    filters: Mapping[str, frozenset[str]]  # field -> the values counted (all when absent)
    first: str  # "YYYY-MM"
    last: str
    shown: int | None  # None: hidden
    truth: int
    label: str = ""
    low: int | None = None  # what the marker says, when it says more than "hidden"
    high: int | None = None
    released: bool = True  # False: a count nobody published, checked but adding nothing


@dataclass(frozen=True)
class Finding:
    observation: Observation
    low: float
    high: float


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0  # hidden figures examined (a guard against checking nothing)


def _months(first: str, last: str) -> list[int]:
    def idx(m: str) -> int:
        y, mo = m.split("-")
        return int(y) * 12 + int(mo) - 1

    return list(range(idx(first), idx(last) + 1))


def attack(
    observations: Sequence[Observation],
    universes: Mapping[tuple[str, str], Sequence[str]],
    threshold: int,
) -> Report:
    obs = list(observations)
    report = Report()
    for ds in sorted({o.dataset for o in obs}):
        _attack_dataset(ds, [o for o in obs if o.dataset == ds], universes, threshold, report)
    return report


def _attack_dataset(
    ds: str,
    mine: list[Observation],
    universes: Mapping[tuple[str, str], Sequence[str]],
    threshold: int,
    report: Report,
) -> None:
    import highspy
    import numpy as np

    months = sorted({m for o in mine for m in _months(o.first, o.last)})
    # blocks: fields that appear together in an observation
    parent: dict[str, str] = {}

    def find(f: str) -> str:
        while parent.setdefault(f, f) != f:
            f = parent[f]
        return f

    for o in mine:
        fs = sorted(o.filters)
        for f in fs:
            find(f)
        for f in fs[1:]:
            parent[find(f)] = find(fs[0])
    blocks: dict[str, list[str]] = {}
    for f in parent:
        blocks.setdefault(find(f), []).append(f)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n = 0

    def var() -> int:
        nonlocal n
        h.addVar(0.0, highspy.kHighsInf)
        h.changeColIntegrality(n, highspy.HighsVarType.kInteger)
        n += 1
        return n - 1

    total = {m: var() for m in months}
    atoms: dict[str, dict[tuple[tuple[str, ...], int], int]] = {}
    for root, fs in blocks.items():
        fs.sort()
        combos = list(product(*(universes[(ds, f)] for f in fs)))
        atoms[root] = {}
        for m in months:
            idx = []
            for combo in combos:
                atoms[root][(combo, m)] = v = var()
                idx.append(v)
            h.addRow(
                0.0,
                0.0,
                len(idx) + 1,
                np.array([*idx, total[m]], dtype=np.int32),
                np.array([1.0] * len(idx) + [-1.0]),
            )
        blocks[root] = fs

    def row(o: Observation) -> list[int]:
        ms = _months(o.first, o.last)
        if not o.filters:
            return [total[m] for m in ms]
        root = find(next(iter(o.filters)))
        fs = blocks[root]
        out = []
        for (combo, m), v in atoms[root].items():
            if m in ms and all(
                combo[i] in o.filters[f] for i, f in enumerate(fs) if f in o.filters
            ):
                out.append(v)
        return out

    rows = {id(o): row(o) for o in mine}
    for o in mine:
        if not o.released:
            continue
        idx = rows[id(o)]
        if o.shown is not None:
            lo = hi = float(o.shown)
        else:
            lo = float(o.low if o.low is not None else (1 if o.truth > 0 else 0))
            hi = float(o.high) if o.high is not None else highspy.kHighsInf
        h.addRow(lo, hi, len(idx), np.array(idx, dtype=np.int32), np.ones(len(idx)))
    # Each hidden figure's key, rows and the values it takes in the integer solutions seen so
    # far. The true counts are one such solution; every solve adds another. A figure whose
    # witnessed values already span enough is wide open, so solving for it would prove nothing
    # more: sound, because each witness satisfies every constraint the reader holds.
    hidden: dict[tuple[object, ...], tuple[Observation, np.ndarray]] = {}
    for o in mine:
        if o.shown is None:
            what = tuple(sorted((f, tuple(sorted(v))) for f, v in o.filters.items()))
            hidden.setdefault((what, o.first, o.last), (o, np.array(rows[id(o)], dtype=np.int64)))
    lows = {key: float(o.truth) for key, (o, _) in hidden.items()}
    highs = dict(lows)

    def witness(x: np.ndarray) -> None:
        for key, (_, idx) in hidden.items():
            v = float(x[idx].sum())
            lows[key] = min(lows[key], v)
            highs[key] = max(highs[key], v)

    def narrow(o: Observation, low: float, high: float) -> bool:
        small = 0 < o.truth < threshold
        return high - low < 0.5 or (small and high - low < threshold - 2 - 1e-6)

    for key, (o, idx) in hidden.items():
        report.checked += 1
        if not narrow(o, lows[key], highs[key]):
            continue
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            cost = np.zeros(n)
            cost[idx] = 1.0
            h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                bounds.append(h.getInfo().objective_function_value)
                witness(np.rint(np.asarray(h.getSolution().col_value)))
            else:  # unbounded (or unbounded-or-infeasible, with presolve) above
                assert sense == highspy.ObjSense.kMaximize, status
                bounds.append(float("inf"))
        low, high = bounds
        if narrow(o, low, high):
            report.findings.append(Finding(o, low, high))
