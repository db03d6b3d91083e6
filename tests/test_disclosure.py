"""Disclosure control: what is hidden, and an attack that tries to recover hidden counts.

The attack is written independently of the suppression code: it takes only
what a reader sees -- the table and every table of fewer dimensions (the
summaries by fewer fields), each as ``suppress_table`` publishes it, the marks
``<5`` (1 to 4) and ``*`` (5 or more), and the zeros -- and searches exactly,
over whole numbers, for another table consistent with all of it in which a
hidden count differs. A count for which no such table exists is recovered.
"""

from __future__ import annotations

import random
from itertools import combinations, product

import pytest

from tracker.disclosure import (
    PRIMARY,
    SECONDARY,
    SECONDARY_LABEL,
    footnote,
    is_small,
    show_total,
    shown_count,
    small_label,
    suppress_cells,
    suppress_series,
    suppress_table,
)

T = 5


# --- primary suppression -------------------------------------------------------------


def test_is_small_and_labels() -> None:
    assert [is_small(n, 5) for n in (None, 0, 1, 4, 5, 30)] == [
        False,
        False,
        True,
        True,
        False,
        False,
    ]
    assert small_label(5) == "<5"
    assert small_label(10) == "<10"
    assert shown_count(3, PRIMARY, 5) == "[c]"
    assert shown_count(30, SECONDARY, 5) == SECONDARY_LABEL == "[c]"
    assert shown_count(30, None, 5) == 30
    assert footnote(5).startswith("Counts from 1 to 4 are shown as [c], with further counts")


def test_counts_from_one_to_four_are_hidden_and_zero_is_shown() -> None:
    assert suppress_series([0, 5, 12, 0], T) == [0, 5, 12, 0]
    assert suppress_series([4, 3, 20], T) == ["[c]", "[c]", 20]  # each protects the other


def test_threshold_comes_from_the_caller() -> None:
    assert suppress_series([7, 9, 40], 10) == ["[c]", "[c]", 40]
    assert suppress_series([3, 4, 40], 3) == [3, 4, 40]


def test_a_small_total_is_hidden_and_a_large_one_shown() -> None:
    assert show_total(3, T) == "[c]"
    assert show_total(0, T) == 0
    assert show_total(25, T) == 25
    table = suppress_table({("a",): 3, ("b",): 0}, 1, T)
    assert table.show_total() == "[c]"
    assert table.show(("a",)) == "[c]"
    assert table.show(("b",)) == 0
    assert table.safe


# --- secondary suppression in one line ----------------------------------------------------


def test_one_hidden_count_in_a_line_hides_the_smallest_other_count_too() -> None:
    # 3 alone would be 28 - 25: the smallest non-zero visible count (10) is hidden as well
    assert suppress_series([3, 10, 15, 0], T) == ["[c]", "[c]", 15, 0]


def test_the_complementary_count_must_be_able_to_move() -> None:
    # A hidden 1 can only be more; its partner must then be less and still 5 or more
    # (the reader knows * is at least 5): 5 cannot protect it, 12 can.
    assert suppress_series([1, 5, 12], T) == ["[c]", 5, "[c]"]
    assert suppress_series([3, 5, 12], T) == ["[c]", "[c]", 12]


def test_complementary_ties_go_to_the_first_in_table_order() -> None:
    assert suppress_series([12, 3, 12], T) == ["[c]", "[c]", 12]
    assert suppress_series([12, 12, 3], T) == ["[c]", 12, "[c]"]


def test_two_ones_are_not_enough_since_their_sum_gives_them_away() -> None:
    # shown as <5, <5 with a total of 22 and 20 visible, both would have to be 1
    assert suppress_series([1, 1, 20], T) == ["[c]", "[c]", "[c]"]


def test_two_fours_with_nothing_else_cannot_be_protected() -> None:
    # <5 and <5 adding up to a published 8: both are 4, whatever else is hidden
    table = suppress_table({("a",): 4, ("b",): 4}, 1, T)
    assert not table.safe
    assert table.unprotected == (((0,), ("a",)), ((0,), ("b",)))


def test_four_ones_under_a_small_total_cannot_be_protected() -> None:
    table = suppress_table({(k,): 1 for k in "abcd"}, 1, T)
    assert not table.safe


def test_a_single_small_count_with_only_zeros_is_protected_by_its_hidden_total() -> None:
    table = suppress_table({("a",): 3, ("b",): 0, ("c",): 0}, 1, T)
    assert table.safe
    assert [table.show((k,)) for k in "abc"] == ["[c]", 0, 0]
    assert table.show_total() == "[c]"


# --- tables of more than one way ---------------------------------------------------------------


def test_two_way_table_hides_a_rectangle() -> None:
    cells = {("a", "x"): 3, ("a", "y"): 12, ("b", "x"): 7, ("b", "y"): 9}
    assert suppress_cells(cells, 2, T) == set(cells)


def test_two_way_table_uses_a_hidden_margin_when_rows_share_nothing() -> None:
    # (r1, c1) = 3 with zeros beside it: the row and column totals of r1 and c1 are
    # small, so hiding (r2, c2) lets them move together without changing any visible total.
    cells = {("r1", "c1"): 3, ("r1", "c2"): 0, ("r2", "c1"): 0, ("r2", "c2"): 20}
    table = suppress_table(cells, 2, T)
    assert table.safe
    assert dict(table.hidden) == {("r1", "c1"): PRIMARY, ("r2", "c2"): SECONDARY}
    assert table.margin_kind((0,), ("r2",)) == SECONDARY
    assert table.show_margin((0,), ("r2",)) == "[c]"
    assert table.show_margin((1,), ("c1",)) == "[c]"


def test_margins_are_what_the_summaries_by_fewer_fields_publish() -> None:
    rng = random.Random(11)
    for _ in range(40):
        cells = _random_table(rng, (3, 4))
        table = suppress_table(cells, 2, T)
        for kept in ((0,), (1,)):
            margin = _margin(cells, kept)
            alone = suppress_table(margin, 1, T)
            for key in margin:
                assert table.margin_kind(kept, key) == alone.kind(key)


def test_the_same_table_is_always_suppressed_the_same_way() -> None:
    rng = random.Random(5)
    cells = _random_table(rng, (4, 4, 2))
    first = suppress_table(cells, 3, T)
    again = suppress_table(dict(cells), 3, T)
    assert first.hidden == again.hidden
    assert first.unprotected == again.unprotected


def test_zero_dimensional_table_is_just_its_total() -> None:
    assert suppress_table({(): 3}, 0, T).show(()) == "[c]"
    assert suppress_table({(): 30}, 0, T).show(()) == 30


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="coordinates"):
        suppress_table({("a", "b"): 1}, 1, T)
    with pytest.raises(ValueError, match="negative"):
        suppress_table({("a",): -1}, 1, T)


# --- the attack -------------------------------------------------------------------------------


def _random_table(rng: random.Random, shape: tuple[int, ...]) -> dict[tuple[int, ...], int]:
    zeros, small = rng.choice([0.2, 0.4, 0.6]), rng.choice([0.2, 0.4, 0.6])
    cells = {}
    for key in product(*(range(n) for n in shape)):
        r = rng.random()
        cells[key] = (
            0 if r < zeros else rng.randint(1, 4) if r < zeros + small else rng.randint(5, 30)
        )
    return cells


def _margin(cells: dict, kept: tuple[int, ...]) -> dict:
    out: dict = {}
    for key, n in cells.items():
        m = tuple(key[d] for d in kept)
        out[m] = out.get(m, 0) + n
    return out


def _published(cells: dict, dims: int, unfiltered: dict | None = None) -> dict:
    """Everything a reader sees: (kept dims, coords) -> (true value, mark or None if visible).

    With ``unfiltered``, ``cells`` are a filtered table published with it (``--where``).
    """
    seen = {}
    for r in range(dims, -1, -1):
        for kept in combinations(range(dims), r):
            margin = _margin(cells, kept)
            if unfiltered is not None:
                every = _margin(unfiltered, kept)
                table = suppress_table(margin, len(kept), T, unfiltered=every)
                marks = {k: table.kind(k) for k in margin}
            elif kept:
                table = suppress_table(margin, len(kept), T)
                marks = {k: table.kind(k) for k in margin}
            else:
                marks = {(): PRIMARY if is_small(margin[()], T) else None}
            for key, value in margin.items():
                seen[(kept, key)] = (value, marks[key])
    return seen


def _solvable(bounds: list[tuple[int, int]], sums: list) -> bool:
    """Is there a whole-number solution? Bounds propagation, then branching."""
    bounds = list(bounds)
    changed = True
    while changed:
        changed = False
        for members, const, lo, hi in sums:
            low = const + sum(bounds[i][0] for i in members)
            high = const + sum(bounds[i][1] for i in members)
            if low > hi or high < lo:
                return False
            for i in members:
                a, b = bounds[i]
                na, nb = max(a, lo - (high - b)), min(b, hi - (low - a))
                if na > nb:
                    return False
                if (na, nb) != (a, b):
                    bounds[i] = (na, nb)
                    low = const + sum(bounds[j][0] for j in members)
                    high = const + sum(bounds[j][1] for j in members)
                    changed = True
    free = [i for i, (a, b) in enumerate(bounds) if a < b]
    if not free:
        return True
    i = min(free, key=lambda j: bounds[j][1] - bounds[j][0])
    for v in range(bounds[i][0], bounds[i][1] + 1):
        trial = list(bounds)
        trial[i] = (v, v)
        if _solvable(trial, sums):
            return True
    return False


def recovered(cells: dict, dims: int, unfiltered: dict | None = None) -> list[tuple]:
    """Hidden counts (cells of the table or of its margins) a reader can work out exactly.

    With ``unfiltered``, ``cells`` are a filtered table and the reader also knows the
    unfiltered one as published: no filtered count exceeds a visible unfiltered one.
    """
    seen = _published(cells, dims, unfiltered)
    every = {} if unfiltered is None else _published(unfiltered, dims)
    top = tuple(range(dims))
    cap = sum(cells.values()) + 10
    hidden = [k for k in cells if seen[(top, k)][1] is not None]
    var = {k: i for i, k in enumerate(hidden)}
    bounds = [(1, T - 1) if seen[(top, k)][1] == PRIMARY else (T, cap) for k in hidden]
    sums = []
    members_of = {}
    for (kept, m), (value, mark) in seen.items():
        members = [k for k in cells if tuple(k[d] for d in kept) == m]
        idx = [var[k] for k in members if k in var]
        const = sum(cells[k] for k in members if k not in var)
        members_of[(kept, m)] = (idx, const)
        if (kept, m) in every and every[(kept, m)][1] is None:
            sums.append((idx, const, -(10**9), every[(kept, m)][0]))  # at most the unfiltered
        if kept == top:
            continue
        if mark is None:
            sums.append((idx, const, value, value))
        elif mark == PRIMARY:
            sums.append((idx, const, 1, T - 1))
        else:
            sums.append((idx, const, T, cap * len(members)))
    out = []
    for where, (value, mark) in seen.items():
        if mark is None:
            continue
        idx, const = members_of[where]
        lower = _solvable(bounds, [*sums, (idx, const, -(10**9), value - 1)])
        higher = _solvable(bounds, [*sums, (idx, const, value + 1, 10**9)])
        if not lower and not higher:
            out.append(where)
    return out


def _shapes(rng: random.Random, dims: int) -> tuple[int, ...]:
    if dims == 3:
        return tuple(rng.randint(2, 3) for _ in range(3))
    return tuple(rng.randint(2, 4) for _ in range(dims))


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_hidden_count_of_a_table_judged_safe_can_be_recovered(dims: int, seed: int) -> None:
    rng = random.Random(seed * 10 + dims)
    checked = 0
    for _ in range(120 if dims < 3 else 200):
        cells = _random_table(rng, _shapes(rng, dims))
        table = suppress_table(cells, dims, T)
        found = recovered(cells, dims)
        if table.safe:
            checked += 1
            assert found == [], (cells, dict(table.hidden), found)
        elif dims < 3:
            # In one- and two-way tables the search is complete: every count reported
            # unprotected really can be worked out, so nothing is refused needlessly.
            assert set(table.unprotected) <= set(found), (cells, table.unprotected, found)
    assert checked >= 20  # the check is not vacuous


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_no_line_has_exactly_one_hidden_count_while_its_total_is_shown(dims: int) -> None:
    rng = random.Random(100 + dims)
    for _ in range(150):
        cells = _random_table(rng, _shapes(rng, dims))
        table = suppress_table(cells, dims, T)
        if not table.safe:
            continue
        for along in range(dims):
            kept = tuple(d for d in range(dims) if d != along)
            for key, _ in _margin(cells, kept).items():
                line = [k for k in cells if tuple(k[d] for d in kept) == key]
                n_hidden = sum(1 for k in line if table.kind(k) is not None)
                total_shown = table.margin_kind(kept, key) is None
                assert not (n_hidden == 1 and total_shown), (cells, along, key)


def test_every_hidden_two_way_cell_has_a_range_of_values() -> None:
    """The brief's interval check: min and max of each hidden cell differ."""
    rng = random.Random(42)
    for _ in range(60):
        cells = _random_table(rng, (3, 3))
        table = suppress_table(cells, 2, T)
        if not table.safe:
            continue
        for key, kind in table.hidden.items():
            lo, hi = _range(cells, key)
            assert lo < hi, (cells, key, kind, lo, hi)


def _range(cells: dict, key: tuple) -> tuple[int, int]:
    """The smallest and largest value of ``key`` consistent with what is published."""
    seen = _published(cells, 2)
    value = cells[key]
    lo = hi = value
    while lo > 0 and _consistent_with(cells, seen, key, lo - 1):
        lo -= 1
    while hi < sum(cells.values()) and _consistent_with(cells, seen, key, hi + 1):
        hi += 1
    return lo, hi


def _consistent_with(cells: dict, seen: dict, key: tuple, value: int) -> bool:
    top = (0, 1)
    cap = sum(cells.values()) + 10
    hidden = [k for k in cells if seen[(top, k)][1] is not None]
    var = {k: i for i, k in enumerate(hidden)}
    bounds = [(1, T - 1) if seen[(top, k)][1] == PRIMARY else (T, cap) for k in hidden]
    bounds[var[key]] = (
        (value, value) if bounds[var[key]][0] <= value <= bounds[var[key]][1] else (1, 0)
    )
    if bounds[var[key]] == (1, 0):
        return False
    sums = []
    for (kept, m), (total, mark) in seen.items():
        if kept == top:
            continue
        members = [k for k in cells if tuple(k[d] for d in kept) == m]
        idx = [var[k] for k in members if k in var]
        const = sum(cells[k] for k in members if k not in var)
        lo, hi = (total, total) if mark is None else (1, T - 1) if mark == PRIMARY else (T, cap * 9)
        sums.append((idx, const, lo, hi))
    return _solvable(bounds, sums)


def test_the_attack_does_find_what_naive_suppression_leaves() -> None:
    """A sanity check of the attacker: with only the small counts hidden, it recovers them."""
    cells = {("a",): 1, ("b",): 1, ("c",): 20}
    # Publish the naive way: both <5, 20 and the total 22 shown.
    bounds = [(1, T - 1), (1, T - 1)]
    sums = [([0, 1], 20, 22, 22)]
    assert not _solvable(bounds, [*sums, ([0], 0, -(10**9), 0)])
    assert not _solvable(bounds, [*sums, ([0], 0, 2, 10**9)])
    assert suppress_series([cells[k] for k in sorted(cells)], T) == ["[c]", "[c]", "[c]"]
    assert recovered(cells, 1) == []


# --- filtered tables (--where) published with the unfiltered ones ---------------------------


def test_a_count_whose_complement_is_small_is_hidden_and_protected() -> None:
    # Corby: 19 of its 20 referrals are male; 20 is published, so 19 would show the 1.
    male = {("Corby",): 19, ("Kettering",): 12, ("Northampton",): 30, ("Wellingborough",): 9}
    every = {("Corby",): 20, ("Kettering",): 20, ("Northampton",): 40, ("Wellingborough",): 15}
    table = suppress_table(male, 1, T, unfiltered=every)
    assert table.safe
    assert dict(table.hidden) == {("Corby",): SECONDARY, ("Wellingborough",): SECONDARY}
    assert table.show(("Corby",)) == "[c]"
    assert table.show_total() == 70
    assert recovered(male, 1, every) == []
    # without the unfiltered counts nothing is hidden: the attack finds nothing to recover
    # in the table alone, but 20 - 19 gives the female count away
    assert suppress_table(male, 1, T).hidden == {}


def test_a_small_count_with_a_small_complement_stays_primary() -> None:
    table = suppress_table({("a",): 3, ("b",): 20}, 1, T, unfiltered={("a",): 5, ("b",): 20})
    assert table.kind(("a",)) == PRIMARY and table.show(("a",)) == "[c]"


def test_zero_is_shown_whatever_its_complement() -> None:
    table = suppress_table({("a",): 0, ("b",): 20}, 1, T, unfiltered={("a",): 3, ("b",): 25})
    assert table.show(("a",)) == 0 and table.show(("b",)) == 20 and table.show_total() == 20
    # with b's rest at 0, the total's rest is a's 3: the total and b (which moves with it) hide
    table = suppress_table({("a",): 0, ("b",): 20}, 1, T, unfiltered={("a",): 3, ("b",): 20})
    assert table.show(("a",)) == 0 and table.show(("b",)) == "[c]" and table.show_total() == "[c]"


def test_the_total_of_a_filtered_table_is_hidden_when_its_complement_is_small() -> None:
    # the rest (2) lies in a group the filtered table does not show at all
    cells = {("a",): 30, ("b",): 6}
    every = {("a",): 30, ("b",): 6, ("c",): 2}
    table = suppress_table(cells, 1, T, unfiltered=every)
    assert table.show_total() == "[c]"
    assert table.safe
    assert recovered(cells, 1, {("a",): 30, ("b",): 6}) == []
    assert suppress_table({(): 36}, 0, T, unfiltered={(): 38}).show(()) == "[c]"


def test_no_witness_moves_a_count_above_its_unfiltered_count() -> None:
    # a (19 of 20) is hidden; b (5 of 5) is the smallest partner, but it can neither
    # fall (4 would be <5) nor rise (a reader knows it is at most 5), so d is hidden.
    cells = {("a",): 19, ("b",): 5, ("c",): 40, ("d",): 14}
    every = {("a",): 20, ("b",): 5, ("c",): 50, ("d",): 20}
    table = suppress_table(cells, 1, T, unfiltered=every)
    assert table.safe
    assert dict(table.hidden) == {("a",): SECONDARY, ("d",): SECONDARY}
    assert recovered(cells, 1, every) == []
    # were b's unfiltered count larger, b would do
    every[("b",)] = 9
    assert set(suppress_table(cells, 1, T, unfiltered=every).hidden) == {("a",), ("b",)}


def test_unfiltered_counts_are_checked() -> None:
    with pytest.raises(ValueError, match="below the filtered count"):
        suppress_table({("a",): 3}, 1, T, unfiltered={("a",): 2})
    with pytest.raises(ValueError, match="coordinates"):
        suppress_table({("a",): 3}, 1, T, unfiltered={("a", "b"): 3})


@pytest.mark.parametrize("dims", [1, 2])
@pytest.mark.parametrize("seed", [1, 2])
def test_no_hidden_count_of_a_filtered_table_can_be_recovered_with_the_unfiltered_one(
    dims: int, seed: int
) -> None:
    rng = random.Random(1000 + seed * 10 + dims)
    checked = forced = 0
    for _ in range(100):
        cells = _random_table(rng, _shapes(rng, dims))
        every = {
            k: n + rng.choice([0, 0, rng.randint(1, 4), rng.randint(5, 20)])
            for k, n in cells.items()
        }
        table = suppress_table(cells, dims, T, unfiltered=every)
        for key, n in cells.items():
            if n and is_small(every[key] - n, T):
                assert table.kind(key) is not None, (cells, every, key)
                forced += 1
        if not table.safe:
            continue
        checked += 1
        assert recovered(cells, dims, every) == [], (cells, every, dict(table.hidden))
    assert checked >= 20 and forced >= 20  # the check is not vacuous
