"""The two-way case of the single-table solver (``tracker.disclosure.table``) as a network.

Kept apart from the solver so that each file reads on its own: the solver
calls ``Network`` for every two-way table, where the search is complete.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from tracker.disclosure.keys import PRIMARY, SECONDARY, Corner, CountsView, Key, Kind, Level


class Network:
    """A two-way table as a network, where the search for witnesses is complete.

    Each row and each column is a node; a cell (r, c) is an arc from row r to
    column c, a hidden row total an arc into its row from a source ("in"), a
    hidden column total an arc out of its column to a sink ("out"), and a small
    grand total an arc from the sink back to the source. Changing counts while
    every visible figure stays the same is then a circulation, so a witness for
    a count is a cycle through its arc using only the moves each count allows
    (the residual graph). The cheapest cycle is found with Dijkstra's algorithm,
    a cell not yet hidden costing its count.
    """

    def __init__(
        self,
        solver: CountsView,
        level: Level,
        values: dict[Key, int],
        hidden: dict[Key, Kind],
        below: dict[Level, dict[Key, Kind]],
    ) -> None:
        a, b = level

        room = solver.headroom

        self.t = solver.t
        self.cells: dict[Key, _Arc] = {}
        self.margins: dict[tuple[Level, Key], _Arc] = {}
        for (r, c), count in values.items():
            if count:
                self.cells[(r, c)] = _Arc(
                    ("r", r), ("c", c), (r, c), count, hidden.get((r, c)), room(level, (r, c))
                )
        for (r,), kind in below[(a,)].items():
            count = solver.values((a,))[(r,)]
            self.margins[((a,), (r,))] = _Arc("in", ("r", r), None, count, kind, room((a,), (r,)))
        for (c,), kind in below[(b,)].items():
            count = solver.values((b,))[(c,)]
            self.margins[((b,), (c,))] = _Arc(("c", c), "out", None, count, kind, room((b,), (c,)))
        for (), kind in below[()].items():
            self.margins[((), ())] = _Arc(
                "out", "in", None, solver.values(())[()], kind, room((), ())
            )
        self.level = level
        self.graph: dict[object, list[tuple[object, _Arc, int]]] = {}
        for arc in [*self.cells.values(), *self.margins.values()]:
            if arc.can_move(1, self.t):
                self.graph.setdefault(arc.tail, []).append((arc.head, arc, 1))
            if arc.can_move(-1, self.t):
                self.graph.setdefault(arc.head, []).append((arc.tail, arc, -1))

    def hide(self, key: Key) -> None:
        arc = self.cells[key]
        if arc.kind is None:
            arc.kind = SECONDARY  # its moves are unchanged: a visible cell moves as secondary

    def witness(self, target: tuple[Level, Key]) -> list[Corner] | None:
        sub, coords = target
        goal = self.cells[coords] if sub == self.level else self.margins[target]
        best: tuple[tuple[int, int], list[Corner]] | None = None
        for step in (1, -1):
            if not goal.can_move(step, self.t):
                continue
            start, end = (goal.head, goal.tail) if step == 1 else (goal.tail, goal.head)
            found = _cheapest_path(self.graph, start, end, skip=goal)
            if found is None:
                continue
            cost, path = found
            corners = [(x.key, s) for x, s in path if x.key is not None]
            if goal.key is not None:
                corners.insert(0, (goal.key, step))
            if best is None or cost < best[0]:
                best = (cost, corners)
        return best[1] if best else None


@dataclass(eq=False)
class _Arc:
    """A count as an arc of a ``Network``."""

    tail: object
    head: object
    key: Key | None  # the cell's key; None for a margin
    count: int
    kind: Kind | None
    room: int | None = None  # how far it may rise (``_Solver.headroom``), None if unbounded

    def can_move(self, step: int, t: int) -> bool:
        """Whether the count can change by ``step`` and still fit its mark."""
        after = self.count + step
        if self.room is not None and step > self.room:
            return False
        if self.kind == PRIMARY:
            return 1 <= after <= t - 1
        if self.kind == SECONDARY or self.key is not None:
            return after >= t  # a visible cell moves only once hidden, as secondary
        return False  # a visible margin never moves

    @property
    def cost(self) -> tuple[int, int]:
        """What using it costs: a visible cell's count, and one more hidden cell."""
        return (self.count, 1) if self.key is not None and self.kind is None else (0, 0)


def _cheapest_path(
    graph: dict[object, list[tuple[object, _Arc, int]]], start: object, end: object, skip: _Arc
) -> tuple[tuple[int, int], list[tuple[_Arc, int]]] | None:
    """Dijkstra from ``start`` to ``end``; ties go to the arc met first (table order)."""
    counter = 0
    queue: list[tuple[tuple[int, int], int, object]] = [((0, 0), counter, start)]
    done: set[object] = set()
    came: dict[object, tuple[object, _Arc, int]] = {}
    cost_to: dict[object, tuple[int, int]] = {start: (0, 0)}
    while queue:
        cost, _, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        if node == end:
            path: list[tuple[_Arc, int]] = []
            while node != start:
                prev, arc, step = came[node]
                path.append((arc, step))
                node = prev
            return cost, path[::-1]
        for nxt, arc, step in graph.get(node, []):
            if nxt in done or arc is skip:
                continue
            extra = arc.cost
            new = (cost[0] + extra[0], cost[1] + extra[1])
            if nxt not in cost_to or new < cost_to[nxt]:
                cost_to[nxt] = new
                came[nxt] = (node, arc, step)
                counter += 1
                heapq.heappush(queue, (new, counter, nxt))
    return None
