"""The attacker finds the five combinations that broke the old, one-output-at-a-time design.

Before declared publications, every summary and KPI report was suppressed on
its own by the one-table rules (``tracker.disclosure.table``, marks ``<5`` for
1 to 4 and ``*`` for 5 or more). Each test below publishes two outputs a new
user could ask for, suppressed that way, and shows that the attacker
(``tests/attacker.py``) recovers a count of 1 to 4 from them together -- the
value matching the truth. The random series in test_disclosure_release.py
shows it finds nothing in the declared, jointly protected releases.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.attacker import Observation, attack
from tracker.disclosure.table import PRIMARY, SECONDARY, suppress_table

T = 5
SECTORS = ("Education", "Schools", "Further education", "Police", "Health")
GENDERS = ("Male", "Female")
UNIVERSES = {("r", "sector"): SECTORS, ("r", "gender"): GENDERS}


def one_table(
    counts: Mapping[str, int],
    *,
    field: str,
    first: str,
    last: str,
    extra: Mapping[str, frozenset[str]] | None = None,
) -> list[Observation]:
    """A one-way table suppressed on its own, with its total, as a reader reads the marks."""
    table = suppress_table({(k,): n for k, n in counts.items()}, 1, T)
    out = []
    for value, n in counts.items():
        kind = table.kind((value,))
        out.append(_obs({field: frozenset({value}), **(extra or {})}, first, last, n, kind))
    total = sum(counts.values())
    out.append(_obs(dict(extra or {}), first, last, total, table.margin_kind((), ())))
    return out


def _obs(
    filters: Mapping[str, frozenset[str]], first: str, last: str, n: int, kind: str | None
) -> Observation:
    if kind == PRIMARY:
        return Observation("r", filters, first, last, None, n, low=1, high=T - 1)
    if kind == SECONDARY:
        return Observation("r", filters, first, last, None, n, low=T)
    return Observation("r", filters, first, last, n, n)


def target(filters: Mapping[str, frozenset[str]], first: str, last: str, n: int) -> Observation:
    return Observation("r", filters, first, last, None, n, released=False)


def recovered(seen: list[Observation], *targets: Observation) -> list[int]:
    report = attack([*seen, *targets], UNIVERSES, T)
    assert report.checked >= len(targets)  # the guard: the targets were examined
    return [f.observation.truth for f in report.findings if 0 < f.observation.truth < T]


def test_two_date_windows_a_month_apart() -> None:
    # --from 2020-06-01 and --from 2020-07-01, totals exact: June's Schools count is the difference
    june_on = one_table(
        {"Education": 9, "Schools": 12, "Further education": 6, "Police": 10, "Health": 7},
        field="sector",
        first="2020-06",
        last="2021-03",
    )
    july_on = one_table(
        {"Education": 9, "Schools": 10, "Further education": 6, "Police": 10, "Health": 7},
        field="sector",
        first="2020-07",
        last="2021-03",
    )
    june = target({"sector": frozenset({"Schools"})}, "2020-06", "2020-06", 2)
    assert recovered([*june_on, *july_on], june) == [2]


def test_a_year_table_against_its_quarter_tables() -> None:
    quarters = [
        ("2020-04", "2020-06", {"Schools": 2, "Police": 9, "Health": 8}),
        ("2020-07", "2020-09", {"Schools": 5, "Police": 8, "Health": 9}),
        ("2020-10", "2020-12", {"Schools": 6, "Police": 7, "Health": 9}),
        ("2021-01", "2021-03", {"Schools": 7, "Police": 9, "Health": 8}),
    ]
    seen = []
    for first, last, counts in quarters:
        seen += one_table(counts, field="sector", first=first, last=last)
    year = {k: sum(q[2][k] for q in quarters) for k in ("Schools", "Police", "Health")}
    seen += one_table(year, field="sector", first="2020-04", last="2021-03")
    q1_schools = next(o for o in seen if o.shown is None and o.truth == 2)
    assert q1_schools.first == "2020-04"
    assert recovered(seen) == [2]


def test_a_sector_table_against_its_sector_group_roll_up() -> None:
    sectors = {"Education": 8, "Schools": 3, "Further education": 9, "Police": 6, "Health": 12}
    seen = one_table(sectors, field="sector", first="2020-04", last="2021-03")
    assert [o.truth for o in seen if o.shown is None] == [3, 6]  # Police hides with Schools
    education = frozenset({"Education", "Schools", "Further education"})
    groups = {"Education": 20, "Police": 6, "Health": 12}
    table = suppress_table({(k,): n for k, n in groups.items()}, 1, T)
    assert table.hidden == {}  # the roll-up shows every group
    for name, members in (("Education", education), ("Police", {"Police"}), ("Health", {"Health"})):
        seen.append(
            Observation(
                "r",
                {"sector": frozenset(members)},
                "2020-04",
                "2021-03",
                groups[name],
                groups[name],
            )
        )
    assert recovered(seen) == [3]


def test_two_nested_where_filters_compared_with_each_other() -> None:
    # --where sector_group=Education --by gender, and --where sector=Schools --by gender: each
    # checked only against the unfiltered summary, so both show every count
    education = frozenset({"Education", "Schools", "Further education"})
    schools = frozenset({"Schools"})
    seen = one_table(
        {"Male": 11, "Female": 6},
        field="gender",
        first="2020-04",
        last="2021-03",
        extra={"sector": education},
    )
    seen += one_table(
        {"Male": 9, "Female": 6},
        field="gender",
        first="2020-04",
        last="2021-03",
        extra={"sector": schools},
    )
    seen += one_table({"Male": 30, "Female": 19}, field="gender", first="2020-04", last="2021-03")
    rest = target(
        {"sector": education - schools, "gender": frozenset({"Male"})}, "2020-04", "2021-03", 2
    )
    assert recovered(seen, rest) == [2]


def test_a_kpi_history_against_a_summary_total_over_the_same_quarters() -> None:
    # KPI4.2 by quarter hides its small quarter as <5; the year summary's total is exact
    history = []
    for (first, last), n in zip(
        [
            ("2020-04", "2020-06"),
            ("2020-07", "2020-09"),
            ("2020-10", "2020-12"),
            ("2021-01", "2021-03"),
        ],
        [12, 3, 9, 10],
        strict=True,
    ):
        history.append(_obs({}, first, last, n, PRIMARY if 0 < n < T else None))
    summary = [Observation("r", {}, "2020-04", "2021-03", 34, 34)]
    assert recovered([*history, *summary]) == [3]
