"""Released counts as linear sums of unknowns, and the audit of what they imply together.

Every count tracker distributes from a protected data set is a ``Cell``: the
rows of one data set whose value of one field is in a set (or all rows),
received in a run of whole months. A year is the sum of its quarters, a group
the sum of its members, a KPI "referrals from other sectors" the sum of some
sectors: all of them are sums of the same unknowns, so the released figures
of every table, KPI and earlier release form one system of linear equations
(the visible counts) and inequalities (the hidden ones: at least zero, and at
least one where the count is not zero, which is more than a reader can tell
from the marker but errs on the reader's side).

The unknowns (``System``):

* ``T[s]``: all rows of the data set in time segment ``s``, where segments
  are the runs of months between the boundaries of the cells released;
* ``x[f, c, s]``: rows in segment ``s`` whose field ``f`` is in value class
  ``c``, where the classes are the coarsest partition of ``f``'s values that
  every released set of values is a union of; for each ``f`` and ``s`` the
  classes add up to ``T[s]``.

Nothing links two fields except the totals ``T``, and that loses nothing: any
counts per field that agree on the totals are the margins of some set of
records (line the records of each field up in any order and zip them), so a
reader who combines tables of different fields learns exactly what this
system implies. Cells that filter on two fields at once are not modelled;
publications cannot declare them.

The audit (``Auditor``) computes, for a hidden cell, the least and greatest
value it can take given everything released, by linear programming (HiGHS
through its Python interface, highspy). Those are the bounds a reader can derive; the guarantee in
``tracker.disclosure.protect`` is stated on them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

NULL = ""
"""How a missing (null) value of an optional field is named in a cell."""


def month_index(month: str) -> int:
    """``"2020-04"`` -> a number that counts months."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True, order=True)
class Cell:
    """Rows of ``dataset`` whose ``field`` is in ``values`` (all rows when ``field`` is ""),
    received from month ``first`` to month ``last`` inclusive (``"YYYY-MM"``)."""

    dataset: str
    field: str
    values: tuple[str, ...]
    first: str
    last: str

    @classmethod
    def of(cls, dataset: str, field: str, values: Iterable[str], first: str, last: str) -> Cell:
        vals = tuple(sorted(set(values))) if field else ()
        return cls(dataset, field, vals, first, last)

    @property
    def key(self) -> str:
        """A stable text key, as the ledger stores it."""
        return json.dumps([self.dataset, self.field, list(self.values), self.first, self.last])

    @classmethod
    def from_key(cls, key: str) -> Cell:
        dataset, fld, values, first, last = json.loads(key)
        return cls(dataset, fld, tuple(values), first, last)


@dataclass
class System:
    """The unknowns and the rows (sums of unknowns) of a set of cells."""

    cells: list[Cell]
    universes: Mapping[tuple[str, str], tuple[str, ...]]
    """Every value each (data set, field) can take, null included as ``NULL`` when allowed."""
    n_vars: int = 0
    rows: dict[Cell, list[int]] = field(default_factory=dict)
    structural: list[tuple[list[int], list[float]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        by_ds: dict[str, list[Cell]] = {}
        for c in self.cells:
            by_ds.setdefault(c.dataset, []).append(c)
        for ds, cells in by_ds.items():
            self._build(ds, cells)

    def _var(self) -> int:
        self.n_vars += 1
        return self.n_vars - 1

    def _build(self, ds: str, cells: list[Cell]) -> None:
        marks = sorted(
            {month_index(c.first) for c in cells} | {month_index(c.last) + 1 for c in cells}
        )
        segments = list(pairwise(marks))
        seg_of = {start: i for i, (start, _) in enumerate(segments)}
        totals = [self._var() for _ in segments]
        # value classes of each field: values told apart by some released set
        sets: dict[str, set[tuple[str, ...]]] = {}
        for c in cells:
            if c.field:
                sets.setdefault(c.field, set()).add(c.values)
        classes: dict[str, dict[str, int]] = {}
        xvars: dict[str, list[list[int]]] = {}
        for fld, used in sets.items():
            universe = self.universes.get((ds, fld))
            if universe is None:
                raise ValueError(f"no values known for field {fld} of {ds}")
            ordered = sorted(used)
            signature = {v: tuple(v in s for s in ordered) for v in universe}
            ids: dict[tuple[bool, ...], int] = {}
            for v in universe:
                ids.setdefault(signature[v], len(ids))
            classes[fld] = {v: ids[signature[v]] for v in universe}
            if len(ids) > 1:
                grid = [[self._var() for _ in segments] for _ in ids]
                xvars[fld] = grid
                for s, t in enumerate(totals):
                    idx = [grid[k][s] for k in range(len(ids))] + [t]
                    self.structural.append((idx, [1.0] * len(ids) + [-1.0]))
        for c in cells:
            segs = range(seg_of[month_index(c.first)], _end(segments, month_index(c.last) + 1))
            grid_rows = xvars.get(c.field) if c.field else None
            if grid_rows is None:  # all rows, or a field whose every released set is everything
                if c.field and not set(self.universes[(ds, c.field)]) <= set(c.values):
                    raise ValueError(f"cell {c.key} names values outside the field")
                self.rows[c] = [totals[s] for s in segs]
                continue
            wanted = sorted({classes[c.field][v] for v in c.values})
            self.rows[c] = [grid_rows[k][s] for k in wanted for s in segs]


def _end(segments: list[tuple[int, int]], stop: int) -> int:
    for i, (_, end) in enumerate(segments):
        if end == stop:
            return i + 1
    raise ValueError("a cell ends between segment boundaries")


@dataclass(frozen=True)
class Bounds:
    """What a reader can derive about a hidden count: from ``low`` to ``high`` (inf: unbounded)."""

    low: float
    high: float
    binding_low: tuple[Cell, ...] = ()
    """Visible cells whose values hold ``low`` up (the LP's non-zero duals), most binding first."""
    binding_high: tuple[Cell, ...] = ()


class Auditor:
    """Bounds of hidden cells given every visible and hidden cell released.

    ``shown`` maps visible cells to their values; ``hidden`` maps hidden cells
    to the least value the reader is assumed to know they have (1 for a count
    that is not zero, else 0). ``hide`` moves a cell from shown to hidden.
    Each connected part of the system is one HiGHS model, built once; a bound
    is one solve from the previous basis with a new objective.
    """

    def __init__(
        self,
        system: System,
        shown: Mapping[Cell, int],
        hidden: Mapping[Cell, int],
    ) -> None:
        self.system = system
        self.shown = dict(shown)
        self.hidden = dict(hidden)
        self._component = self._components()
        self._models: dict[int, _Model] = {}

    def _components(self) -> dict[int, int]:
        parent = list(range(self.system.n_vars))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        groups = [idx for idx, _ in self.system.structural] + list(self.system.rows.values())
        for idx in groups:
            for j in idx[1:]:
                a, b = find(idx[0]), find(j)
                if a != b:
                    parent[b] = a
        return {i: find(i) for i in range(self.system.n_vars)}

    def hide(self, cell: Cell, lower: int) -> None:
        self.shown.pop(cell, None)
        self.hidden[cell] = lower
        comp = self._component[self.system.rows[cell][0]]
        if comp in self._models:
            self._models[comp].set_bounds(cell, float(lower), None)

    def show(self, cell: Cell, value: int) -> None:
        """Undo ``hide``: the cell is visible with ``value`` again."""
        self.hidden.pop(cell, None)
        self.shown[cell] = value
        comp = self._component[self.system.rows[cell][0]]
        if comp in self._models:
            self._models[comp].set_bounds(cell, float(value), float(value))

    def _model(self, comp: int) -> _Model:
        if comp not in self._models:
            cols = [i for i, c in self._component.items() if c == comp]
            model = _Model(cols)
            for idx, coef in self.system.structural:
                if self._component[idx[0]] == comp:
                    model.add_row(None, idx, coef, 0.0, 0.0)
            for cell, idx in self.system.rows.items():
                if self._component[idx[0]] != comp:
                    continue
                if cell in self.shown:
                    v = float(self.shown[cell])
                    model.add_row(cell, idx, [1.0] * len(idx), v, v)
                elif cell in self.hidden:
                    model.add_row(cell, idx, [1.0] * len(idx), float(self.hidden[cell]), None)
            self._models[comp] = model
        return self._models[comp]

    def bounds(self, target: Cell) -> Bounds:
        """Least and greatest value of ``target`` over every consistent table of counts."""
        idx = self.system.rows[target]
        model = self._model(self._component[idx[0]])
        low, bind_low = model.optimise(idx, maximise=False)
        high, bind_high = model.optimise(idx, maximise=True)
        return Bounds(low, high, bind_low, bind_high)


class _Model:
    """One HiGHS linear programme: non-negative unknowns, one row per sum."""

    def __init__(self, cols: list[int]) -> None:
        import highspy

        make: Any
        try:  # the solver itself, without the wrapper class that prints a banner on stdout
            from highspy._core import _Highs as make
        except ImportError:  # pragma: no cover - another layout of the package
            make = highspy.Highs
        self.hs = highspy
        self.h = make()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")  # warm starts from the previous basis
        self.local = {c: i for i, c in enumerate(cols)}
        inf = highspy.kHighsInf
        for _ in cols:
            self.h.addVar(0.0, inf)
        self.cells: list[Cell | None] = []
        self.row_of: dict[Cell, int] = {}
        self._cost: list[int] = []

    def add_row(
        self, cell: Cell | None, idx: list[int], coef: list[float], lo: float, hi: float | None
    ) -> None:
        import numpy as np

        inf = self.hs.kHighsInf
        cols = np.array([self.local[j] for j in idx], dtype=np.int32)
        self.h.addRow(lo, inf if hi is None else hi, len(idx), cols, np.array(coef))
        if cell is not None:
            self.row_of[cell] = len(self.cells)
        self.cells.append(cell)

    def set_bounds(self, cell: Cell, lo: float, hi: float | None) -> None:
        self.h.changeRowBounds(self.row_of[cell], lo, self.hs.kHighsInf if hi is None else hi)

    def optimise(self, idx: list[int], *, maximise: bool) -> tuple[float, tuple[Cell, ...]]:
        import numpy as np

        hs = self.hs
        cols = [self.local[j] for j in idx]
        if self._cost != cols:
            if self._cost:
                zero = np.array(self._cost, dtype=np.int32)
                self.h.changeColsCost(len(zero), zero, np.zeros(len(zero)))
            ones = np.array(cols, dtype=np.int32)
            self.h.changeColsCost(len(ones), ones, np.ones(len(ones)))
            self._cost = cols
        self.h.changeObjectiveSense(hs.ObjSense.kMaximize if maximise else hs.ObjSense.kMinimize)
        self.h.run()
        status = self.h.getModelStatus()
        if status == hs.HighsModelStatus.kUnbounded:
            return (float("inf") if maximise else float("-inf")), ()
        if status != hs.HighsModelStatus.kOptimal:
            raise RuntimeError(f"the disclosure audit failed: {self.h.modelStatusToString(status)}")
        value = float(self.h.getInfo().objective_function_value)
        duals = self.h.getSolution().row_dual
        binding = sorted(
            (-abs(d), i) for i, d in enumerate(duals) if abs(d) > 1e-9 and self.cells[i] is not None
        )
        return value, tuple(c for _, i in binding if (c := self.cells[i]) is not None)
