"""Secondary suppression of a release, together with everything released before.

The guarantee, for every hidden count of a protected data set -- in this
release or any earlier one whose count has not changed since -- given every
figure in the ledger plus this release, with the bounds a reader can derive
computed by ``tracker.disclosure.linear``:

* **not exact**: a hidden count can take more than one value;
* **small counts stay as uncertain as ``<5``**: a hidden count from 1 to
  threshold-1 has at least threshold-1 possible values (its bounds are at
  least threshold-2 apart), so when the reader can tell it is small at all
  (its upper bound is below the threshold) it can be any of 1 to threshold-1,
  and the released figures narrow it no further than a ``<5`` would;
* **no whole group in one category**: a count flagged ``group`` (all of a
  period's rows in one category, see docs/disclosure.md) can be smaller than
  it is, so the reader cannot tell that the whole group falls in it.

``protect`` starts from the primary suppressions (counts from 1 to
threshold-1, whole-group counts and the zeros beside them) and the cells
earlier releases hid; every cell released before with the same value keeps
its state (a published figure cannot be taken back; a hidden one stays
hidden). It then audits each hidden count and, while one fails, hides one
more visible cell of this release: among those the failing bound rests on
(the linear programme's non-zero duals), the smallest, then the first in
release order. Hiding a cell only ever widens the bounds of the others, so
each count passes once and stays passing; the loop ends when all pass or a
failing count rests only on figures already published. The greedy search
can corner itself (most often in a release of other periods than the
ledger's); the release is then worked out again the cautious way
(``_cautious``): everything not already published withheld, then shown
back largest first while every count passes. Only a count the ledger alone
exposes is left ``unprotected``: the caller must refuse to release.

Revisions: a cell whose count has changed since it was released is released
again (a revision) and audited as part of this release; its earlier figure
describes the data as it was, so it is not a constraint on the data now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tracker.disclosure.linear import Auditor, Bounds, Cell, System

Kind = Literal["small", "group", "secondary"]
EPS = 1e-6


@dataclass(frozen=True)
class Prior:
    """A cell as the ledger last released it: its count then, and whether it was hidden."""

    value: int
    hidden: bool
    kind: Kind | None = None


@dataclass(frozen=True)
class Protection:
    """The outcome: which cells of the release are hidden, and why the guarantee holds."""

    hidden: Mapping[Cell, Kind]
    """Cells of the release to show as the marker, with the rule that hid each."""
    bounds: Mapping[Cell, Bounds]
    """For every audited hidden cell (this release and earlier ones), what a reader can derive."""
    unprotected: tuple[Cell, ...]
    audited: int
    """How many hidden counts were audited (a guard: zero means nothing was checked)."""
    withheld: frozenset[Cell] = frozenset()
    """Hidden cells the reader learns nothing of, not even that they are not zero: shown as
    the marker but not recorded, since they constrain nothing (see ``_cautious``)."""

    @property
    def safe(self) -> bool:
        return not self.unprotected


def is_small(count: int | float | None, threshold: int) -> bool:
    return count is not None and 0 < count < threshold


def failure(kind: Kind, value: int, bounds: Bounds, threshold: int) -> str | None:
    """Which bound breaks the guarantee (``"low"`` or ``"high"``), or None when it holds."""
    if kind == "small":  # as many possible values as 1 to threshold-1
        if bounds.high - bounds.low < threshold - 2 - EPS:
            return "high" if bounds.high < float("inf") else "low"
        return None
    if kind == "group":
        return "low" if bounds.low > value - 1 + EPS else None
    if bounds.high - bounds.low < 1 - EPS:  # integer counts: one value only
        return "high" if bounds.high < float("inf") else "low"
    return None


def protect(
    release: Mapping[Cell, int],
    *,
    universes: Mapping[tuple[str, str], tuple[str, ...]],
    threshold: int,
    priors: Mapping[Cell, Prior] | None = None,
    current: Mapping[Cell, int] | None = None,
    group: Mapping[Cell, Sequence[Cell]] | None = None,
    known: Iterable[Cell] = (),
    unseen: Iterable[Cell] = (),
) -> Protection:
    """Decide which cells of ``release`` (cell -> its count now, in release order) to hide.

    ``priors`` are the cells of earlier releases (from the ledger) and
    ``current`` their counts now; ``group`` maps each whole-group cell of the
    release to the zero cells hidden with it. ``known`` cells are shown
    whatever happens: figures the reader knows anyway (a period with no data). ``unseen``
    cells are audited but never shown (counts a reader gets by subtraction).
    """
    priors = priors or {}
    current = current or {}
    group = group or {}
    order = {c: i for i, c in enumerate(release)}
    kinds: dict[Cell, Kind] = {}
    locked: set[Cell] = {c for c in known if c in release}
    shown: dict[Cell, int] = {}
    hidden_lb: dict[Cell, int] = {}
    audit: dict[Cell, tuple[Kind, int]] = {}

    for cell, prior in priors.items():
        now = release.get(cell, current.get(cell))
        if now is None or now != prior.value or cell in locked:
            continue  # revised (or no longer counted): released afresh below if at all
        if prior.hidden:
            kind = prior.kind or ("small" if is_small(now, threshold) else "secondary")
            hidden_lb[cell] = 1 if now > 0 else 0
            audit[cell] = (kind, now)
            if cell in release:
                kinds[cell] = kind
        else:
            shown[cell] = now
            locked.add(cell)
    earlier = {c: (audit[c], hidden_lb[c]) for c in audit}  # hidden before, still as it was
    for cell, value in release.items():
        if cell in locked or cell in kinds:
            continue
        if is_small(value, threshold):
            kinds[cell] = "small"
        elif cell in group:
            kinds[cell] = "group"
    for zeros in group.values():
        for z in zeros:
            if z in release and z not in locked and z not in kinds:
                kinds[z] = "secondary"
    for cell in locked:
        kinds.pop(cell, None)
    for cell, value in release.items():
        if cell in kinds:
            hidden_lb[cell] = 1 if value > 0 else 0
            audit[cell] = (kinds[cell], value)
        else:
            shown[cell] = value

    system = System(
        list({**release, **{c: 0 for c in priors if c in shown or c in hidden_lb}}), universes
    )
    auditor = Auditor(system, shown, hidden_lb)
    queue = sorted(audit, key=lambda c: (order.get(c, -1), c))
    results: dict[Cell, Bounds] = {}
    unprotected: list[Cell] = []
    done = 0
    while queue:
        target = queue.pop(0)
        kind, value = audit[target]
        bounds = auditor.bounds(target)
        done += 1
        while (side := failure(kind, value, bounds, threshold)) is not None:
            extra = None
            for candidate in _candidates(
                auditor, system, release, order, locked, target, bounds, side
            ):
                auditor.hide(candidate, 1 if release[candidate] > 0 else 0)
                own = auditor.bounds(candidate)
                own_side = failure("secondary", release[candidate], own, threshold)
                if own_side and not _candidates(
                    auditor, system, release, order, locked, candidate, own, own_side, linked=False
                ):
                    auditor.show(candidate, release[candidate])  # exact, and nothing can help
                    continue
                extra = candidate
                break
            if extra is None:
                unprotected.append(target)
                break
            kinds[extra] = "secondary"
            audit[extra] = ("secondary", release[extra])
            queue.append(extra)
            bounds = auditor.bounds(target)
        results[target] = bounds
    if unprotected:
        # The greedy search hides one cell at a time and can corner itself, most often in a
        # release of other periods than the ledger's (a review, or `kpi show` as of a past
        # date), whose figures already published leave few cells to choose from.
        ledger = {c: v for c, v in shown.items() if c in locked}
        return _cautious(release, system, kinds, earlier, ledger, set(unseen), threshold)
    return Protection(
        hidden={c: kinds[c] for c in release if c in kinds},
        bounds=results,
        unprotected=(),
        audited=done,
    )


def _cautious(
    release: Mapping[Cell, int],
    system: System,
    kinds: Mapping[Cell, Kind],
    earlier: Mapping[Cell, tuple[tuple[Kind, int], int]],
    ledger: Mapping[Cell, int],
    unseen: set[Cell],
    threshold: int,
) -> Protection:
    """Withhold every cell of the release not published before, then show back, largest
    first, each that leaves every hidden count (of this release and earlier ones) protected.

    A withheld cell is shown as the marker whether it is zero or not, so the reader learns
    nothing of it (its least value is 0) and it is not recorded: with all of them withheld,
    the reader knows what the ledger told them and no more. A withheld cell the ledger
    already fixes exactly is shown, since it says nothing new; a hidden count the ledger
    alone exposes (a revision) is ``unprotected``. An ``unseen`` cell has no marker to
    withhold: it is hidden and recorded as in the greedy search.
    """
    audit: dict[Cell, tuple[Kind, int]] = {c: a for c, (a, _) in earlier.items()}
    lower = {c: lb for c, (_, lb) in earlier.items()}
    fresh = [c for c in release if c not in ledger and c not in earlier]  # all withheld at first
    for cell in fresh:
        audit[cell] = (kinds.get(cell, "secondary"), release[cell])
        lower[cell] = 1 if cell in unseen and release[cell] > 0 else 0
    auditor = Auditor(system, ledger, lower)
    for cell in fresh:
        b = auditor.bounds(cell)
        if b.high - b.low < 1 - EPS and audit[cell][0] == "secondary":
            auditor.show(cell, release[cell])  # the ledger gives it away already
            del audit[cell]
    results = {c: auditor.bounds(c) for c in audit}
    done = len(results)
    failing = [c for c in audit if failure(*audit[c], results[c], threshold) is not None]
    unprotected = tuple(c for c in failing if c in earlier)
    if unprotected:
        return Protection(hidden={}, bounds=results, unprotected=unprotected, audited=done)
    # A count never released that the ledger alone narrows too far stays withheld; showing
    # more may not narrow it further (the release adds nothing to what was already out).
    exposed = {c: results[c] for c in failing}

    def fails(cell: Cell, bounds: Bounds) -> bool:
        if cell in exposed:
            was = exposed[cell]
            return bounds.low > was.low + EPS or bounds.high < was.high - EPS
        return failure(*audit[cell], bounds, threshold) is not None

    # Zeros stay withheld: with them among the markers, a marker does not say "not zero".
    extras = sorted(
        (c for c in fresh if c in audit and audit[c][0] == "secondary" and release[c]),
        key=lambda c: -release[c],  # sorted() keeps release order among equals
    )
    checks = list(audit)  # a count that failed is checked first next time: fewer solves

    def passes(group: Sequence[Cell]) -> dict[Cell, Bounds] | None:
        """Show ``group``: every other hidden count's bounds if all still pass, else None
        (and the group is withheld again)."""
        nonlocal done
        for cell in group:
            auditor.show(cell, release[cell])
        trial: dict[Cell, Bounds] = {}
        for other in checks:
            if other in group:
                continue
            trial[other] = auditor.bounds(other)
            done += 1
            if fails(other, trial[other]):
                for cell in group:
                    auditor.hide(cell, 0)
                checks.remove(other)
                checks.insert(0, other)
                return None
        return trial

    # Shown back a group at a time, halved where one fails: most figures pass, so this asks
    # far fewer audits than one figure at a time.
    pending = [extras]
    budget = done + SHOW_BACK_AUDITS
    while pending and done < budget:
        group = pending.pop(0)
        trial = passes(group)
        if trial is not None:
            for cell in group:
                del audit[cell]
                checks.remove(cell)
            results = trial
        elif len(group) > 1:
            half = len(group) // 2
            pending[:0] = [group[:half], group[half:]]
    hidden: dict[Cell, Kind] = {c: audit[c][0] for c in release if c in audit}
    return Protection(
        hidden=hidden,
        bounds=results,
        unprotected=(),
        audited=done,
        withheld=frozenset(c for c in fresh if c in audit and c not in unseen),
    )


def _candidates(
    auditor: Auditor,
    system: System,
    release: Mapping[Cell, int],
    order: Mapping[Cell, int],
    locked: set[Cell],
    target: Cell,
    bounds: Bounds,
    side: str,
    *,
    linked: bool = True,
) -> list[Cell]:
    """Cells to hide next, best first: those the failing bound rests on, smallest first,
    then those the other bound rests on, then any visible cell sharing an unknown."""

    def free(c: Cell) -> bool:
        return c in release and c in auditor.shown and c not in locked

    def rank(c: Cell) -> tuple[bool, int, int]:
        return (release[c] == 0, release[c], order[c])

    binding = bounds.binding_low if side == "low" else bounds.binding_high
    other = bounds.binding_high if side == "low" else bounds.binding_low
    out: list[Cell] = []
    for pool in (binding, other):
        for c in sorted((c for c in pool if free(c)), key=rank):
            if c not in out:
                out.append(c)
    if not linked:
        return out
    support = set(system.rows[target])
    near = sorted((c for c in release if free(c) and support & set(system.rows[c])), key=rank)
    out += [c for c in near if c not in out]
    return out[:MAX_CANDIDATES]


MAX_CANDIDATES = 12
SHOW_BACK_AUDITS = 1500
"""How many bounds the cautious way may work out in showing figures back (about two
milliseconds each): past that, the figures not yet shown stay withheld, which is safe."""
