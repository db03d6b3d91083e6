"""One table protected on its own: the rules behind analyst views.

Distributed figures come from declared publications, protected together and
against every earlier release (``tracker.disclosure.protect``). An analyst's
own summary (``tracker data summary`` without ``--table``) is protected here,
one table at a time, so that small numbers do not sit on a screen casually;
it is labelled not for distribution, because one-table protection cannot stop
two tables being differenced (docs/disclosure.md).

Every hidden count is shown as the one marker ``[c]``. The reader is assumed
to know every visible cell and margin (the same summary run with fewer fields)
exactly, and -- to be safe -- that a small hidden count is between 1 and 4 and
any other hidden count at least 5.

For each primary count in turn (cells in table order, then margins), the
cheapest *witness* is chosen: another table of counts that differs in that
count, agrees with every visible figure of the table and of all its margins,
and keeps every hidden figure within what the reader is assumed to know.
Witnesses are the classic "hypercube" moves (add 1 at one corner of a
rectangle or box of cells and take 1 from the neighbouring corners), plus
moves that change some totals when those totals are hidden. The cheapest hides
the smallest sum of visible counts, then leaves every total unchanged, then
uses the fewest cells, then the earliest in table order. For two-way tables
the search is complete (``tracker.disclosure.network``). Rarely no witness
exists; such counts are listed in ``TableSuppression.unprotected`` and the
summary is refused.

Filtered tables: given the unfiltered counts (``suppress_table(...,
unfiltered=...)``), a count whose complement (unfiltered minus filtered) is
small is hidden and protected as well, at every level.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product

from tracker.disclosure.keys import PRIMARY, SECONDARY, Corner, Key, Kind, Level
from tracker.disclosure.model import MARKER
from tracker.errors import TrackerError

SECONDARY_LABEL = MARKER  # one marker for every hidden count


class DisclosureError(TrackerError):
    """A table cannot be distributed without revealing a small count."""


def is_small(count: float | int | None, threshold: int) -> bool:
    """True for counts that must be hidden: more than zero and below the threshold."""
    return count is not None and 0 < count < threshold


def small_label(threshold: int) -> str:
    """How a hidden count is shown."""
    return f"<{threshold}"


def shown_count(count: int, kind: Kind | None, threshold: int) -> int | str:
    """The count itself, or the marker ``[c]`` for any hidden count."""
    if kind in (PRIMARY, SECONDARY):
        return MARKER
    return count


def footnote(threshold: int) -> str:
    """The sentence that explains the marks, for footers of distributed outputs."""
    return (
        f"Counts from 1 to {threshold - 1} are shown as {MARKER}, with further counts hidden "
        "so that they cannot be worked out from the totals."
    )


@dataclass(frozen=True)
class TableSuppression:
    """Which cells of a table, and which of its margins, are hidden, and why."""

    threshold: int
    axes: tuple[tuple[Hashable, ...], ...]
    cells: Mapping[Key, int]
    """Every cell of the table (the cross product of the axes), zeros included."""
    hidden: Mapping[Key, Kind]
    """The hidden cells, each primary (small) or secondary (hidden to protect others)."""
    margins: Mapping[Level, Mapping[Key, Kind]]
    """The hidden margins of every lower level, as their own tables show them."""
    unprotected: tuple[tuple[Level, Key], ...]
    """Primary counts (level, coordinates) for which no witness exists: do not distribute."""

    @property
    def dims(self) -> int:
        return len(self.axes)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @property
    def safe(self) -> bool:
        """True when every hidden count is protected (nothing in ``unprotected``)."""
        return not self.unprotected

    def kind(self, key: Key) -> Kind | None:
        return self.hidden.get(key)

    def show(self, key: Key) -> int | str:
        """What to print for a cell."""
        return shown_count(self.cells.get(key, 0), self.hidden.get(key), self.threshold)

    def margin_kind(self, kept: Sequence[int], coords: Key) -> Kind | None:
        """How the margin keeping dimensions ``kept`` at ``coords`` is shown in its own table."""
        level = tuple(sorted(kept))
        if len(level) == self.dims:
            return self.hidden.get(coords)
        return self.margins.get(level, {}).get(coords)

    def margin_value(self, kept: Sequence[int], coords: Key) -> int:
        level = tuple(sorted(kept))
        return sum(n for key, n in self.cells.items() if tuple(key[d] for d in level) == coords)

    def show_margin(self, kept: Sequence[int], coords: Key) -> int | str:
        return shown_count(
            self.margin_value(kept, coords), self.margin_kind(kept, coords), self.threshold
        )

    def show_total(self) -> int | str:
        return self.show_margin((), ())


def suppress_table(
    cells: Mapping[Key, int],
    dims: int,
    threshold: int,
    *,
    unfiltered: Mapping[Key, int] | None = None,
) -> TableSuppression:
    """Primary and secondary suppression of a table of counts (see the module notes).

    ``cells`` maps coordinates (tuples of length ``dims``) to counts; the table is
    the cross product of the values seen along each dimension, in the order they
    first appear, and missing combinations are zeros. That order is the "table
    order" used to break ties, so pass the cells in the order they are shown.

    When ``cells`` count only the rows matching a filter, ``unfiltered`` gives the
    counts of all rows grouped the same way (it may name groups the table does not
    show: they count towards the margins they fall in). Counts whose complement is
    small are then hidden and protected too (see "Filtered tables").
    """
    solver = _Solver(cells, dims, threshold, unfiltered)
    top = tuple(range(dims))
    hidden = solver.status(top)
    return TableSuppression(
        threshold=threshold,
        axes=solver.axes,
        cells=solver.values(top),
        hidden=hidden,
        margins={level: solver.status(level) for level in _proper_subsets(top)},
        unprotected=tuple(solver.unprotected),
    )


def suppress_cells(cells: Mapping[Key, int], dims: int, threshold: int) -> set[Key]:
    """The keys of the cells to hide (primary and secondary) in a table of counts."""
    return set(suppress_table(cells, dims, threshold).hidden)


def suppress_series(counts: Sequence[int], threshold: int) -> list[int | str]:
    """What to show for one line of counts published with its total (e.g. a KPI by district)."""
    table = suppress_table({(i,): int(n) for i, n in enumerate(counts)}, 1, threshold)
    return [table.show((i,)) for i in range(len(counts))]


def show_total(total: int, threshold: int) -> int | str:
    """A published total: hidden (``[c]``) when it is small itself."""
    return MARKER if is_small(total, threshold) else total


# --- the search for witnesses ---------------------------------------------------------


def _replace(key: Key, i: int, value: Hashable) -> Key:
    return (*key[:i], value, *key[i + 1 :])


def _proper_subsets(level: Level) -> list[Level]:
    """Every level below ``level``: the larger first, then in dimension order."""
    return [s for r in range(len(level) - 1, -1, -1) for s in combinations(level, r)]


class _Solver:
    """Works out, level by level, which counts each table and margin hides."""

    def __init__(
        self,
        cells: Mapping[Key, int],
        dims: int,
        threshold: int,
        unfiltered: Mapping[Key, int] | None = None,
    ) -> None:
        if threshold < 1:
            raise ValueError("the suppression threshold must be at least 1")
        self.t = threshold
        self.dims = dims
        axes: list[list[Hashable]] = [[] for _ in range(dims)]
        seen: list[set[Hashable]] = [set() for _ in range(dims)]
        for key, count in cells.items():
            if len(key) != dims:
                raise ValueError(f"cell {key!r} does not have {dims} coordinates")
            if count < 0:
                raise ValueError(f"cell {key!r} has a negative count")
            for d, value in enumerate(key):
                if value not in seen[d]:
                    seen[d].add(value)
                    axes[d].append(value)
        self.axes = tuple(tuple(a) for a in axes)
        self.index = [{v: i for i, v in enumerate(a)} for a in self.axes]
        self._values: dict[Level, dict[Key, int]] = {
            tuple(range(dims)): {k: int(cells.get(k, 0)) for k in product(*self.axes)}
        }
        self._status: dict[Level, dict[Key, Kind]] = {}
        self.unprotected: list[tuple[Level, Key]] = []
        self._unfiltered: dict[Key, int] | None = None
        if unfiltered is not None:
            for key, count in unfiltered.items():
                if len(key) != dims:
                    raise ValueError(f"unfiltered cell {key!r} does not have {dims} coordinates")
                if count < 0:
                    raise ValueError(f"unfiltered cell {key!r} has a negative count")
            self._unfiltered = {k: int(n) for k, n in unfiltered.items()}
        self._rooms: dict[Level, dict[Key, int]] = {}
        self._forced: dict[Level, set[Key]] = {}

    def values(self, level: Level) -> dict[Key, int]:
        if level not in self._values:
            out = {k: 0 for k in product(*(self.axes[d] for d in level))}
            for key, count in self._values[tuple(range(self.dims))].items():
                out[tuple(key[d] for d in level)] += count
            self._values[level] = out
        return self._values[level]

    def room(self, level: Level) -> dict[Key, int] | None:
        """Each count's complement (unfiltered minus filtered), or None for an unfiltered table."""
        if self._unfiltered is None:
            return None
        if level not in self._rooms:
            values = self.values(level)
            totals = dict.fromkeys(values, 0)
            for key, count in self._unfiltered.items():
                m = tuple(key[d] for d in level)
                if m in totals:
                    totals[m] += count
            for m, count in values.items():
                if totals[m] < count:
                    raise ValueError(f"unfiltered count of {m!r} is below the filtered count")
            self._rooms[level] = {m: totals[m] - count for m, count in values.items()}
        return self._rooms[level]

    def headroom(self, level: Level, key: Key) -> int | None:
        """How far a count may rise without passing its unfiltered count, None if unbounded.

        Only an unfiltered count of threshold or more bounds it: a small one is shown
        as ``<5``, so the reader knows no more of it than the ``<5`` of the count here.
        """
        room = self.room(level)
        if room is None or room[key] + self.values(level)[key] < self.t:
            return None
        return room[key]

    def can_move(self, level: Level, key: Key, count: int, kind: Kind | None, step: int) -> bool:
        """Whether a count can change by ``step`` and still agree with what is published.

        Zero is always shown; a primary count stays from 1 to threshold-1; any other
        (secondary, or visible and about to be hidden) stays at threshold or more;
        and no count goes above an unfiltered count the reader knows to be larger
        than the threshold.
        """
        if count == 0:
            return False
        after = count + step
        if kind == PRIMARY:
            if not 1 <= after <= self.t - 1:
                return False
        elif after < self.t:
            return False
        headroom = self.headroom(level, key)
        return step <= 0 or headroom is None or headroom >= step

    def status(self, level: Level) -> dict[Key, Kind]:
        if level not in self._status:
            self._status[level] = self._solve(level)
        return self._status[level]

    def _solve(self, level: Level) -> dict[Key, Kind]:
        values = self.values(level)
        room = self.room(level)
        hidden: dict[Key, Kind] = {}
        for k, n in values.items():
            if is_small(n, self.t):
                hidden[k] = PRIMARY
            elif n and room is not None and is_small(room[k], self.t):
                hidden[k] = SECONDARY  # its small complement would be given away
        self._forced[level] = {k for k, kind in hidden.items() if kind == SECONDARY}
        if not level:
            return hidden
        below = {s: self.status(s) for s in _proper_subsets(level)}
        targets: list[tuple[Level, Key]] = [(level, k) for k in hidden]
        for sub, sub_hidden in below.items():
            targets += [
                (sub, k)
                for k, kind in sub_hidden.items()
                if kind == PRIMARY or k in self._forced[sub]
            ]
        network = None
        if len(level) == 2:
            from tracker.disclosure.network import Network

            network = Network(self, level, values, hidden, below)
        for target in targets:
            if network is not None:
                witness = network.witness(target)
            else:
                witness = self._witness(level, values, hidden, below, target)
            if witness is None:
                if target not in self.unprotected:
                    self.unprotected.append(target)
                continue
            for key, _ in witness:
                hidden.setdefault(key, SECONDARY)
                if network is not None:
                    network.hide(key)
        return {k: hidden[k] for k in values if k in hidden}  # in table order

    def _witness(
        self,
        level: Level,
        values: dict[Key, int],
        hidden: dict[Key, Kind],
        below: dict[Level, dict[Key, Kind]],
        target: tuple[Level, Key],
    ) -> list[Corner] | None:
        """The cheapest witness for ``target`` among boxes, pairs and single cells, or None."""
        sub, coords = target
        at = [level.index(d) for d in sub]  # where the target's dimensions sit in a key
        is_cell = sub == level
        if is_cell:
            starts = [coords]
        elif below[sub].get(coords) == PRIMARY:
            starts = [
                k
                for k, kind in hidden.items()
                if kind == PRIMARY and tuple(k[i] for i in at) == coords
            ]
        else:  # a margin hidden for its small complement: any count in it may move it
            starts = [k for k, n in values.items() if n and tuple(k[i] for i in at) == coords]
        order = {k: i for i, k in enumerate(values)}  # table order, to break ties
        # Witnesses among hidden cells cost nothing, and are the cheapest if any is valid:
        # look there first, and through every cell only when none is.
        for pool in (hidden, values):
            found: list[tuple[tuple[int, int, int, tuple[int, ...]], list[Corner]]] = []
            for q in starts:
                for step in (1, -1):
                    if not self.can_move(level, q, values[q], hidden.get(q), step):
                        continue
                    for corners, moves in self._shapes(level, values, pool, q, step, at, is_cell):
                        cost = self._cost(level, values, hidden, corners)
                        if cost is None or (pool is hidden and cost[1]):
                            continue
                        ranks = tuple(sorted(order[k] for k, _ in corners))
                        found.append(((cost[0], int(moves), cost[1], ranks), corners))
            found.sort(key=lambda item: item[0])
            for _, corners in found:
                if self._margins_allow(level, below, corners):
                    return corners
        return None

    def _shapes(
        self,
        level: Level,
        values: dict[Key, int],
        pool: Mapping[Key, object],
        q: Key,
        step: int,
        at: list[int],
        is_cell: bool,
    ) -> Iterator[tuple[list[Corner], bool]]:
        """Candidate witnesses through ``q``: boxes, pairs and ``q`` alone.

        Each is yielded with whether it changes some margin (only a full box does
        not). For a margin target only moves that change that margin are useful:
        boxes spanning dimensions the margin keeps, and pairs leaving it. Corners
        next to ``q`` and pair partners are taken from ``pool`` (non-zero cells).
        """
        n = len(level)
        axes = [self.axes[d] for d in level]
        yield [(q, step)], True
        free = list(range(n)) if is_cell else at
        for r in range(1, len(free) + 1):
            for dims in combinations(free, r):
                # every corner must be non-zero, so first those next to q along one dimension
                choices = [
                    [a for a in axes[i] if a != q[i] and pool.get(_replace(q, i, a))] for i in dims
                ]
                for alts in product(*choices):
                    corners: list[Corner] = []
                    for mask in product((0, 1), repeat=r):
                        key = list(q)
                        sign = step
                        for bit, i, a in zip(mask, dims, alts, strict=True):
                            if bit:
                                key[i] = a
                                sign = -sign
                        corners.append((tuple(key), sign))
                    yield corners, r < n
        for k in pool:
            if not values[k] or sum(1 for i in range(n) if k[i] != q[i]) < 2:
                continue
            if not is_cell and tuple(k[i] for i in at) == tuple(q[i] for i in at):
                continue
            yield [(q, step), (k, -step)], True

    def _cost(
        self, level: Level, values: dict[Key, int], hidden: dict[Key, Kind], corners: list[Corner]
    ) -> tuple[int, int] | None:
        """(sum of the counts it newly hides, how many), or None if a corner cannot move."""
        cost = new = 0
        for key, step in corners:
            count = values[key]
            if not self.can_move(level, key, count, hidden.get(key), step):
                return None  # zero is always shown, so it cannot move; nor can others beyond bounds
            if key not in hidden:
                cost += count
                new += 1
        return cost, new

    def _margins_allow(
        self, level: Level, below: dict[Level, dict[Key, Kind]], corners: list[Corner]
    ) -> bool:
        """Every margin the move changes is hidden in its own table and stays within its mark."""
        for sub, sub_hidden in below.items():
            at = [level.index(d) for d in sub]
            change: dict[Key, int] = {}
            for key, step in corners:
                m = tuple(key[i] for i in at)
                change[m] = change.get(m, 0) + step
            sub_values = self.values(sub)
            for m, delta in change.items():
                if delta == 0:
                    continue
                kind = sub_hidden.get(m)
                if kind is None:
                    return False
                after = sub_values[m] + delta
                if kind == PRIMARY and not 1 <= after <= self.t - 1:
                    return False
                if kind == SECONDARY and after < self.t:
                    return False
                headroom = self.headroom(sub, m)
                if headroom is not None and delta > headroom:
                    return False
        return True
