"""``tracker data summary`` on SQLite and PostgreSQL: hand-computed counts, filters, outputs.

Rows are inserted straight into ``data_record`` with ``values`` built exactly
as notes/data-contract.md says (the importer is tested on its own), so these
tests check the summary alone. Derived fields are computed here by hand, not
with tracker's own period functions.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.data.summary import build_summary, percent_half_up
from tracker.disclosure import DisclosureError
from tracker.errors import InvalidValueError, NotFoundError
from tracker.plan.loader import load_plan
from tracker.plan.schema import Dataset, Plan
from tracker.render.summary import csv_safe

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(REPO / "objectives.yaml").plan


# --- rows as the contract stores them -----------------------------------------------------------


def _fy_parts(iso: str) -> dict[str, Any]:
    """Day number, month, financial quarter and year of an ISO date (April start), by hand."""
    d = date.fromisoformat(iso)
    first = d.year if d.month >= 4 else d.year - 1
    year = f"{first}/{(first + 1) % 100:02d}"
    quarter = (d.month - 4) % 12 // 3 + 1
    return {
        "day": d.toordinal(),
        "month": f"{d.year}-{d.month:02d}",
        "quarter": f"{year} Q{quarter}",
        "year": year,
    }


def contract_values(ds: Dataset, given: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` dict of one stored row, exactly per the data contract."""
    unknown = set(given) - {f.name for f in ds.fields}
    assert not unknown, unknown
    values: dict[str, Any] = {f.name: given.get(f.name) for f in ds.fields}
    for f in ds.fields:
        if f.type == "date":
            parts = (
                _fy_parts(values[f.name])
                if values[f.name]
                else dict.fromkeys(("day", "month", "quarter", "year"))
            )
            for part, value in parts.items():
                values[f"{f.name}_{part}"] = value
        if f.type == "category" and any(v.group for v in f.values or []):
            groups = {v.value: v.group or v.value for v in f.values or []}
            values[f"{f.name}_group"] = groups.get(values[f.name]) if values[f.name] else None
        if f.type == "integer" and f.bands and f.band_field and values[f.name] is not None:
            band = next(b.label for b in f.bands if b.max is None or values[f.name] <= b.max)
            if values[f.band_field] is None:
                values[f.band_field] = band
    return values


def insert(engine: Any, plan: Plan, dataset: str, rows: list[dict[str, Any]]) -> None:
    from tracker.db import models as m
    from tracker.db.engine import transaction

    ds = plan.dataset(dataset)
    assert ds is not None
    with transaction(engine) as session:
        batch = m.DataImport(
            dataset=dataset, filename="test.csv", sha256="0" * 64, imported_at=m.utcnow()
        )
        session.add(batch)
        session.flush()
        for row in rows:
            values = contract_values(ds, row)
            key = "\x1f".join(str(values[k]) for k in ds.key)
            session.add(
                m.DataRecord(
                    dataset=dataset,
                    key=key,
                    values=values,
                    import_id=batch.id or 0,
                    updated_at=m.utcnow(),
                )
            )


_n = iter(range(1, 10**6))


def referral(received_on: str, **given: Any) -> dict[str, Any]:
    row = {
        "reference": f"SYN-{next(_n):05d}",
        "received_on": received_on,
        "sector": "Schools",
        "gender": "Male",
        "district": "Northampton",
        "concern": "Islamist",
        "outcome": "No further action",
        "safeguarding_concern": "No",
    }
    row.update(given)
    return row


def referrals(n: int, received_on: str, **given: Any) -> list[dict[str, Any]]:
    return [referral(received_on, **given) for _ in range(n)]


def training(delivered_on: str, attendees: int, **given: Any) -> dict[str, Any]:
    row = {
        "delivered_on": delivered_on,
        "course": "WRAP workshop",
        "sector": "Education",
        "organisation": f"Org {next(_n)}",
        "district": "Corby",
        "attendees": attendees,
        "format": "In person",
    }
    row.update(given)
    return row


def summary(engine: Any, plan: Plan, dataset: str = "referrals", **kw: Any) -> Any:
    kw.setdefault("by", [])
    kw.setdefault("period", None)
    kw.setdefault("start", None)
    kw.setdefault("end", None)
    kw.setdefault("where", [])
    kw.setdefault("suppress", True)
    return build_summary(engine, plan, dataset, **kw)


def table(result: Any) -> list[tuple[Any, ...]]:
    return [(*row.key, row.shown, row.percent) for row in result.rows]


# --- counts by financial period ---------------------------------------------------------


QUARTER_ROWS = [
    *referrals(6, "2020-03-31"),  # 2019/20 Q4 (the last day of the financial year)
    *referrals(7, "2020-04-01"),  # 2020/21 Q1 (the first day of the next)
    *referrals(1, "2020-06-30"),  # 2020/21 Q1
    *referrals(5, "2020-07-01"),  # 2020/21 Q2
    *referrals(5, "2021-03-31"),  # 2020/21 Q4; Q3 is empty
    *referrals(6, "2021-04-01"),  # 2021/22 Q1
]


def test_totals_by_financial_quarter_reproduce_hand_counts(engine: Any, plan: Plan) -> None:
    insert(engine, plan, "referrals", QUARTER_ROWS)
    result = summary(engine, plan, period="quarter")
    assert result.by == ["period"]
    assert table(result) == [
        ("2019/20 Q4", 6, 20),
        ("2020/21 Q1", 8, 27),  # 8/30 = 26.7%
        ("2020/21 Q2", 5, 17),
        ("2020/21 Q3", 0, None),  # an empty quarter is listed, marked no data (below)
        ("2020/21 Q4", 5, 17),
        ("2021/22 Q1", 6, 20),
    ]
    assert [r.key[0] for r in result.rows if r.no_data] == ["2020/21 Q3"]
    assert result.total == result.total_shown == 30
    by_year = summary(engine, plan, period="year")
    assert table(by_year) == [("2019/20", 6, 20), ("2020/21", 18, 60), ("2021/22", 6, 20)]
    by_month = summary(engine, plan, period="month", suppress=False, end=date(2020, 7, 31))
    assert [(r.key[0], r.count) for r in by_month.rows] == [
        ("2020-03", 6),
        ("2020-04", 7),
        ("2020-05", 0),
        ("2020-06", 1),
        ("2020-07", 5),
    ]


def test_from_and_to_are_inclusive_and_bound_the_periods(engine: Any, plan: Plan) -> None:
    insert(engine, plan, "referrals", QUARTER_ROWS)
    result = summary(engine, plan, period="quarter", start=date(2020, 4, 1), end=date(2021, 3, 31))
    assert [(r.key[0], r.count) for r in result.rows] == [
        ("2020/21 Q1", 8),
        ("2020/21 Q2", 5),
        ("2020/21 Q3", 0),
        ("2020/21 Q4", 5),
    ]
    assert result.total == 18
    # --from/--to wider than the data list the empty periods too
    wide = summary(engine, plan, period="year", start=date(2018, 4, 1), end=date(2021, 3, 31))
    assert [(r.key[0], r.count) for r in wide.rows] == [
        ("2018/19", 0),
        ("2019/20", 6),
        ("2020/21", 18),
    ]


def test_percentages_round_half_up_and_leave_out_the_unknowns(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(7, "2020-05-01", gender="Male"),
        *referrals(1, "2020-05-01", gender="Female"),
        *referrals(2, "2020-05-01", gender="Not known"),
    ]
    insert(engine, plan, "referrals", rows)
    result = summary(engine, plan, by=["gender"], suppress=False)
    assert table(result) == [
        ("Male", 7, 88),  # 7 of the 8 known: 87.5% rounds up
        ("Female", 1, 13),  # 1 of 8 = 12.5% rounds up, not to even
        ("Other", 0, 0),
        ("Not known", 2, None),  # unknowns: their own row, last, with no percentage
    ]
    assert result.total == 10


def test_percent_half_up() -> None:
    assert percent_half_up(1, 8) == 13
    assert percent_half_up(5, 8) == 63  # round() would give 62
    assert percent_half_up(1, 200) == 1
    assert percent_half_up(1, 3) == 33
    assert percent_half_up(2, 3) == 67
    assert percent_half_up(0, 5) == 0


def test_with_a_period_percentages_are_within_each_period(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(6, "2020-05-01", sector="Schools"),
        *referrals(6, "2020-05-01", sector="Police"),
        *referrals(5, "2020-08-01", sector="Schools"),
        *referrals(15, "2020-08-01", sector="Police"),
    ]
    insert(engine, plan, "referrals", rows)
    result = summary(engine, plan, by=["sector_group"], period="quarter")
    assert result.by == ["period", "sector_group"]
    got = [(r.key, r.shown, r.percent) for r in result.rows if r.count]
    assert got == [
        (("2020/21 Q1", "Education"), 6, 50),
        (("2020/21 Q1", "Police"), 6, 50),
        (("2020/21 Q2", "Education"), 5, 25),
        (("2020/21 Q2", "Police"), 15, 75),
    ]


def test_null_values_are_the_unknown_row_and_categories_keep_their_order(
    engine: Any, plan: Plan
) -> None:
    rows = [
        *referrals(5, "2020-05-01", age=16),  # age band derived: 15 to 17
        *referrals(6, "2020-05-01", age=12),
        *referrals(7, "2020-05-01", age_band="41 and over"),
        *referrals(5, "2020-05-01"),  # neither age nor band: unknown
    ]
    insert(engine, plan, "referrals", rows)
    result = summary(engine, plan, by=["age_band"])
    assert table(result) == [
        ("Under 15", 6, 33),
        ("15 to 17", 5, 28),
        ("18 to 20", 0, 0),
        ("21 to 30", 0, 0),
        ("31 to 40", 0, 0),
        ("41 and over", 7, 39),
        (None, 5, None),
    ]


def test_by_a_derived_period_field_and_an_integer_field(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(5, "2020-03-31", age=16),
        *referrals(6, "2020-04-01", age=9),
    ]
    insert(engine, plan, "referrals", rows)
    by_quarter = summary(engine, plan, by=["received_on_quarter"])
    assert table(by_quarter) == [("2019/20 Q4", 5, 45), ("2020/21 Q1", 6, 55)]
    by_age = summary(engine, plan, by=["age"])
    assert table(by_age) == [(9, 6, 55), (16, 5, 45)]


# --- filters -----------------------------------------------------------------------------


def test_where_matches_aliases_groups_and_periods(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(5, "2020-05-01", sector="Schools"),
        *referrals(6, "2020-05-01", sector="Further education"),
        *referrals(7, "2020-05-01", sector="Police"),
        *referrals(8, "2020-09-01", sector="Schools"),
    ]
    insert(engine, plan, "referrals", rows)
    assert summary(engine, plan, where=["sector=school"]).total == 13
    assert summary(engine, plan, where=["SECTOR = Schools (education)"]).total == 13
    assert summary(engine, plan, where=["sector_group=education"]).total == 19
    assert summary(engine, plan, where=["sector_group=edu"]).total == 19  # Education's alias
    both = summary(engine, plan, where=["sector=school", "received_on_quarter=2020/21 q1"])
    assert both.total == 5
    assert summary(engine, plan, where=["received_on=01/05/2020"]).total == 18


def test_unknown_names_and_values_are_errors_naming_what_is_allowed(
    engine: Any, plan: Plan
) -> None:
    with pytest.raises(NotFoundError) as err:
        summary(engine, plan, "referals")
    assert str(err.value) == "no data set 'referals' in the plan: use one of referrals, training"
    with pytest.raises(InvalidValueError) as err:
        summary(engine, plan, by=["colour"])
    assert str(err.value).startswith(
        "--by 'colour' is not a field of data set referrals: use one of reference, received_on, "
    )
    assert "sector_group" in str(err.value)
    with pytest.raises(InvalidValueError) as err:
        summary(engine, plan, where=["sector=skool"])
    assert str(err.value) == (
        "--where sector: 'skool' is not a value of sector: use one of Education, Schools, "
        "Further education, Higher education, Police, Policing (non-CT), "
        "Counter-terrorism policing, Local Authority, Health, Community, Family and friends, Other"
    )
    with pytest.raises(InvalidValueError, match="is not FIELD=VALUE"):
        summary(engine, plan, where=["sector"])
    with pytest.raises(InvalidValueError, match="'2020/21' is not a quarter"):
        summary(engine, plan, where=["received_on_quarter=2020/21"])
    with pytest.raises(InvalidValueError) as err:
        summary(engine, plan, period="week")
    assert str(err.value) == (
        "--period 'week' is not a period: use --period month, --period quarter or --period year"
    )
    with pytest.raises(InvalidValueError, match="is after --to"):
        summary(engine, plan, start=date(2021, 1, 1), end=date(2020, 1, 1))
    with pytest.raises(InvalidValueError, match="names 'gender' twice"):
        summary(engine, plan, by=["gender", "gender"])


# --- training: attendees are added up, and not suppressed --------------------------------------


def test_training_adds_up_attendees(engine: Any, plan: Plan) -> None:
    insert(
        engine,
        plan,
        "training",
        [
            training("2020-04-10", 12, course="WRAP workshop"),
            training("2020-05-10", 3, course="WRAP workshop"),
            training("2020-05-11", 40, course="Prevent e-learning"),
            training("2020-07-01", 2, course="Refresher"),
        ],
    )
    result = summary(engine, plan, "training", by=["course"], period="quarter")
    assert result.suppressed is False and result.threshold is None
    assert result.measure == "Attendees"
    got = [(r.key, r.shown, r.percent) for r in result.rows if r.count]
    assert got == [
        (("2020/21 Q1", "WRAP workshop"), 15, 27),
        (("2020/21 Q1", "Prevent e-learning"), 40, 73),
        (("2020/21 Q2", "Refresher"), 2, 100),  # small sums are shown: no one is identified
    ]
    assert result.total == 57


# --- disclosure control ------------------------------------------------------------------------


def test_small_counts_are_hidden_with_their_percentages(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(20, "2020-05-01", district="Northampton"),
        *referrals(6, "2020-05-01", district="Corby"),
        *referrals(3, "2020-05-01", district="Kettering"),
        *referrals(4, "2020-05-01", district="Wellingborough"),
    ]
    insert(engine, plan, "referrals", rows)
    result = summary(engine, plan, by=["district"])
    assert result.suppressed is True and result.threshold == 5
    assert table(result) == [
        ("Corby", 6, 18),
        ("Daventry", 0, 0),
        ("East Northamptonshire", 0, 0),
        ("Kettering", "[c]", None),
        ("Northampton", 20, 61),
        ("South Northamptonshire", 0, 0),
        ("Wellingborough", "[c]", None),
        ("Out of county", 0, 0),
        ("Not known", 0, None),
    ]
    assert result.total_shown == 33


def test_a_lone_small_count_hides_another_and_a_hidden_unknown_hides_percentages(
    engine: Any, plan: Plan
) -> None:
    rows = [
        *referrals(20, "2020-05-01", gender="Male"),
        *referrals(6, "2020-05-01", gender="Female"),
        *referrals(2, "2020-05-01", gender="Not known"),
    ]
    insert(engine, plan, "referrals", rows)
    result = summary(engine, plan, by=["gender"])
    # Not known (2) would be 28 - 26: the smallest other count (6) is hidden as well; and
    # percentages of the known 26 would give the known total away, so none are shown.
    assert table(result) == [
        ("Male", 20, None),
        ("Female", "[c]", None),
        ("Other", 0, None),
        ("Not known", "[c]", None),
    ]
    assert result.percentages_withheld


def test_a_summary_that_cannot_be_protected_is_refused(engine: Any, plan: Plan) -> None:
    rows = [
        *referrals(4, "2020-05-01", gender="Male"),
        *referrals(4, "2020-05-01", gender="Female"),
    ]
    insert(engine, plan, "referrals", rows)
    with pytest.raises(DisclosureError) as err:
        summary(engine, plan, by=["gender"])
    assert str(err.value) == (
        "this summary of referrals cannot be shown safely: the count for gender Male could be "
        "worked out exactly from the totals published with it: summarise by fewer fields, a "
        "longer period or a wider date range, or use --no-suppress for your own screen only"
    )
    shown = summary(engine, plan, by=["gender"], suppress=False)
    assert shown.unsuppressed and not shown.suppressed
    assert [r.shown for r in shown.rows] == [4, 4, 0, 0]


def test_counting_is_one_group_by_in_the_database(engine: Any, plan: Plan) -> None:
    from sqlalchemy import event

    insert(engine, plan, "referrals", QUARTER_ROWS)
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        summary(engine, plan, by=["gender"], period="quarter")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    assert "GROUP BY" in selects[0]


# --- differencing a --where summary against the unfiltered one ------------------------------


def _range_of(result: Any, key: tuple[Any, ...], at_most: dict[tuple[Any, ...], int]) -> range:
    """Every value a reader could give a row of a one-way summary, by what it publishes.

    ``<5`` is 1 to 4, ``*`` 5 or more; the visible total fixes the sum of the rows;
    ``at_most`` holds the counts the same summary without --where shows, which no
    filtered count can exceed.
    """

    def bounds(row: Any) -> tuple[int, int]:
        if isinstance(row.shown, int):
            return row.shown, row.shown
        low, high = (1, 4) if 0 < row.count < 5 else (5, 10**6)  # the reader knows more
        return low, min(high, at_most.get(row.key, high))

    target = next(r for r in result.rows if r.key == key)
    low, high = bounds(target)
    if isinstance(result.total_shown, int):
        others = [bounds(r) for r in result.rows if r.key != key]
        low = max(low, result.total_shown - sum(h for _, h in others))
        high = min(high, result.total_shown - sum(lo for lo, _ in others))
    return range(low, high + 1)


def _visible(result: Any) -> dict[tuple[Any, ...], int]:
    return {r.key: r.shown for r in result.rows if isinstance(r.shown, int)}


DISTRICTS = [
    "Corby",
    "Daventry",
    "East Northamptonshire",
    "Kettering",
    "Northampton",
    "South Northamptonshire",
    "Wellingborough",
    "Out of county",
    "Not known",
]


def test_a_where_count_cannot_be_subtracted_from_the_unfiltered_one(
    engine: Any, plan: Plan
) -> None:
    # The audit's first attack: Corby has 19 male referrals and 1 female.
    rows = [
        *referrals(19, "2020-05-01", district="Corby", gender="Male"),
        *referrals(1, "2020-05-01", district="Corby", gender="Female"),
        *referrals(30, "2020-05-01", district="Northampton", gender="Male"),
        *referrals(10, "2020-05-01", district="Northampton", gender="Female"),
        *referrals(12, "2020-05-01", district="Kettering", gender="Male"),
        *referrals(8, "2020-05-01", district="Kettering", gender="Female"),
        *referrals(9, "2020-05-01", district="Wellingborough", gender="Male"),
        *referrals(6, "2020-05-01", district="Wellingborough", gender="Female"),
    ]
    insert(engine, plan, "referrals", rows)
    crossed = summary(engine, plan, by=["district", "gender"])
    assert next(r.shown for r in crossed.rows if r.key == ("Corby", "Female")) == "[c]"
    assert [r.shown for r in crossed.rows if r.key[0] == "Corby"][2:] == [0, 0]
    everyone = summary(engine, plan, by=["district"])
    assert _visible(everyone)[("Corby",)] == 20
    raw = summary(engine, plan, by=["district"], where=["gender=Male"], suppress=False)
    assert [r.count for r in raw.rows] == [19, 0, 0, 12, 30, 0, 9, 0, 0]  # 20 - 19 = 1 female
    male = summary(engine, plan, by=["district"], where=["gender=Male"])
    # Corby's complement (1) is small, so its count is hidden, with the cheapest partner.
    assert table(male) == [
        ("Corby", "[c]", None),
        ("Daventry", 0, 0),
        ("East Northamptonshire", 0, 0),
        ("Kettering", 12, 17),
        ("Northampton", 30, 43),
        ("South Northamptonshire", 0, 0),
        ("Wellingborough", "[c]", None),
        ("Out of county", 0, 0),
        ("Not known", 0, None),
    ]
    assert male.total_shown == 70  # its complement, 25, is not small
    possible = _range_of(male, ("Corby",), _visible(everyone))
    females = {20 - n for n in possible if 1 <= 20 - n <= 4}  # and Corby/Female is <5
    assert len(females) > 1, possible


def test_a_where_period_total_cannot_be_subtracted_from_the_unfiltered_one(
    engine: Any, plan: Plan
) -> None:
    # The audit's second attack: Police in 2020/21 Q1 is <5 by sector group and quarter,
    # but the quarter's total (10) less its education referrals (7) would give it.
    rows = [
        *referrals(7, "2020-05-01", sector="Schools"),
        *referrals(3, "2020-05-01", sector="Police"),
        *referrals(8, "2020-08-01", sector="Schools"),
        *referrals(6, "2020-08-01", sector="Police"),
        *referrals(9, "2020-11-01", sector="Schools"),
        *referrals(5, "2020-11-01", sector="Police"),
    ]
    insert(engine, plan, "referrals", rows)
    by_group = summary(engine, plan, by=["sector_group"], period="quarter")
    assert next(r.shown for r in by_group.rows if r.key == ("2020/21 Q1", "Police")) == "[c]"
    by_gender = summary(engine, plan, by=["gender"], period="quarter")
    assert _visible(by_gender)[("2020/21 Q1", "Male")] == 10
    everyone = summary(engine, plan, period="quarter")
    assert table(everyone) == [
        ("2020/21 Q1", 10, 26),
        ("2020/21 Q2", 14, 37),
        ("2020/21 Q3", 14, 37),
    ]
    education = summary(engine, plan, period="quarter", where=["sector_group=Education"])
    assert table(education) == [
        ("2020/21 Q1", "[c]", None),  # 7 of 10: the other 3 would show
        ("2020/21 Q2", "[c]", None),  # its partner, the smallest count that can move with it
        ("2020/21 Q3", 9, 38),
    ]
    assert education.total_shown == 24
    possible = _range_of(education, ("2020/21 Q1",), _visible(everyone))
    police = {10 - n for n in possible if 1 <= 10 - n <= 4}
    assert len(police) > 1, possible


def test_the_total_of_a_where_summary_is_hidden_when_its_complement_is_small(
    engine: Any, plan: Plan
) -> None:
    rows = [
        *referrals(30, "2020-05-01", gender="Male"),
        *referrals(2, "2020-05-01", gender="Female"),
        *referrals(6, "2020-08-01", gender="Male"),
    ]
    insert(engine, plan, "referrals", rows)
    assert summary(engine, plan).total_shown == 38
    male = summary(engine, plan, where=["gender=Male"])
    assert male.total == 36 and male.total_shown == "[c]"
    # by quarter: Q1 (complement 2) is hidden, and can move with the hidden total;
    # Q2's complement is 0, and its percentage would give the total away
    by_quarter = summary(engine, plan, period="quarter", where=["gender=Male"])
    assert table(by_quarter) == [("2020/21 Q1", "[c]", None), ("2020/21 Q2", 6, None)]
    assert by_quarter.total_shown == "[c]"
    # a filter that leaves nothing out hides nothing: the complement is zero
    schools = summary(engine, plan, period="quarter", where=["sector=Schools"])
    assert table(schools) == [("2020/21 Q1", 32, 84), ("2020/21 Q2", 6, 16)]
    assert schools.total_shown == 38
    # --no-suppress shows them all, as before
    raw = summary(engine, plan, period="quarter", where=["gender=Male"], suppress=False)
    assert table(raw) == [("2020/21 Q1", 30, 83), ("2020/21 Q2", 6, 17)]
    assert raw.total_shown == 36 and raw.unsuppressed


def test_a_where_summary_is_still_one_group_by(engine: Any, plan: Plan) -> None:
    from sqlalchemy import event

    insert(engine, plan, "referrals", QUARTER_ROWS)
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        result = summary(engine, plan, by=["gender"], period="quarter", where=["sector=Schools"])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    assert "GROUP BY" in selects[0]
    assert result.total == 30


# --- the command line ---------------------------------------------------------------------------


def _cli_engine(cli: Any) -> Any:
    from tracker.db.engine import make_engine
    from tracker.settings import Settings

    return make_engine(Settings(workspace=cli.workspace, database_url=cli.database_url).url)


def _fill(cli: Any, plan: Plan, dataset: str, rows: list[dict[str, Any]]) -> None:
    engine = _cli_engine(cli)
    try:
        insert(engine, plan, dataset, rows)
    finally:
        engine.dispose()


GENDER_ROWS = [
    *referrals(20, "2020-05-01", gender="Male"),
    *referrals(3, "2020-05-01", gender="Female"),
    *referrals(4, "2020-05-01", gender="Other"),
    *referrals(6, "2020-05-01", gender="Not known"),
]


def test_cli_json_is_exactly_the_documented_shape(cli: Any, plan: Plan) -> None:
    _fill(cli, plan, "referrals", GENDER_ROWS)
    result = cli("data", "summary", "referrals", "--by", "gender", "--format", "json")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: ANALYST VIEW - NOT FOR DISTRIBUTION: it is not a")
    assert json.loads(result.stdout) == {
        "dataset": "referrals",
        "by": ["gender"],
        "rows": [
            {"gender": "Male", "count": 20, "percent": 74},
            {"gender": "Female", "count": "[c]", "percent": None},
            {"gender": "Other", "count": "[c]", "percent": None},
            {"gender": "Not known", "count": 6, "percent": None},
        ],
        "total": 33,
        "suppressed": True,
        "threshold": 5,
        "unsuppressed": False,
        "distribution": "analyst only",
    }
    quarters = cli(
        "data", "summary", "referrals", "--by", "gender", "--period", "quarter", "-f", "json"
    )
    assert quarters.exit_code == 0, quarters.output
    document = json.loads(quarters.stdout)
    assert document["by"] == ["period", "gender"]
    assert document["rows"][0] == {
        "period": "2020/21 Q1",
        "gender": "Male",
        "count": 20,
        "percent": 74,
    }


def test_cli_no_suppress_shows_small_numbers_and_warns(cli: Any, plan: Plan) -> None:
    _fill(cli, plan, "referrals", GENDER_ROWS)
    result = cli(
        "data", "summary", "referrals", "--by", "gender", "--format", "json", "--no-suppress"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: ANALYST VIEW - NOT FOR DISTRIBUTION: small numbers are shown (--no-suppress); "
        "do not share, print or copy it into reports\n"
    )
    document = json.loads(result.stdout)
    assert document["suppressed"] is False
    assert document["threshold"] is None
    assert document["unsuppressed"] is True
    assert [r["count"] for r in document["rows"]] == [20, 3, 4, 6]
    assert [r["percent"] for r in document["rows"]] == [74, 11, 15, None]


def test_cli_table_is_readable_without_colour(cli: Any, plan: Plan) -> None:
    _fill(cli, plan, "referrals", GENDER_ROWS)
    result = cli("data", "summary", "referrals", "--by", "gender")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert "\x1b" not in result.stdout
    assert lines[0] == "ANALYST VIEW - NOT FOR DISTRIBUTION"
    assert lines[1] == "Northamptonshire Prevent Strategy 2019-2021: Prevent referrals by gender"
    assert any(line.split() == ["Male", "20", "74"] for line in lines)
    assert any(line.split() == ["Female", "[c]"] for line in lines)
    assert any(line.split() == ["Not", "known", "6"] for line in lines)
    assert any(line.split() == ["Total", "33"] for line in lines)
    assert "Percentages are of the rows where gender is known, rounded to whole numbers." in lines
    assert (
        "Counts from 1 to 4 are shown as [c], with further counts hidden so that they cannot be "
        "worked out from this table's totals."
    ) in result.stdout


def test_cli_table_says_a_group_named_value_is_not_the_groups_total(cli: Any, plan: Plan) -> None:
    # "Education" is both a group and a value: its row counts only the referrals recorded as
    # Education with no sub-sector, so a 0 there must not read as "no referrals from education".
    rows = [
        *referrals(20, "2020-05-01", sector="Schools"),
        *referrals(6, "2020-05-01", sector="Education"),
        *referrals(9, "2020-05-01", sector="Health"),
    ]
    _fill(cli, plan, "referrals", rows)
    result = cli("data", "summary", "referrals", "--by", "sector")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["Education", "(not", "further", "specified)", "6", "17"] in lines
    assert ["Police", "(not", "further", "specified)", "0", "0"] in lines
    assert ["Schools", "20", "57"] in lines
    assert ["Health", "9", "26"] in lines
    # The values themselves are unchanged for machines.
    data = cli("data", "summary", "referrals", "--by", "sector", "--format", "json")
    assert {"sector": "Education", "count": 6, "percent": 17} in json.loads(data.stdout)["rows"]


def test_cli_csv_parses_back_and_cannot_run_formulas(cli: Any, plan: Plan) -> None:
    _fill(
        cli,
        plan,
        "training",
        [
            training("2020-05-01", 10, organisation="Northampton College"),
            training("2020-05-02", 5, organisation='=HYPERLINK("http://example.org")'),
            training("2020-05-03", 5, organisation="@SUM(A1)"),
        ],
    )
    result = cli("data", "summary", "training", "--by", "organisation", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][0].startswith("# ANALYST VIEW - NOT FOR DISTRIBUTION")
    assert rows[1:] == [
        ["organisation", "count", "percent"],
        ['\'=HYPERLINK("http://example.org")', "5", "25"],
        ["'@SUM(A1)", "5", "25"],
        ["Northampton College", "10", "50"],
    ]
    assert csv_safe("-1+2") == "'-1+2"
    assert csv_safe("+44") == "'+44"
    assert csv_safe(None) == ""
    assert csv_safe(7) == 7


def test_cli_csv_of_suppressed_counts(cli: Any, plan: Plan) -> None:
    _fill(cli, plan, "referrals", GENDER_ROWS)
    result = cli("data", "summary", "referrals", "--by", "gender", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout)))[1:] == [
        ["gender", "count", "percent"],
        ["Male", "20", "74"],
        ["Female", "[c]", ""],
        ["Other", "[c]", ""],
        ["Not known", "6", ""],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["referals"],
            "error: no data set 'referals' in the plan: use one of referrals, training",
        ),
        (
            ["referrals", "--period", "week"],
            "error: --period 'week' is not a period: use --period month, --period quarter or "
            "--period year",
        ),
        (
            ["referrals", "--where", "gender=M ale"],
            "error: --where gender: 'M ale' is not a value of gender: use one of Male, Female, "
            "Other, Not known",
        ),
        (
            ["referrals", "--from", "31/02/2020"],
            "error: --from '31/02/2020' is not a real date (day is out of range for month): "
            "check the day and month",
        ),
    ],
)
def test_cli_errors_are_one_line_and_exit_1(cli: Any, args: list[str], message: str) -> None:
    result = cli("data", "summary", *args)
    assert result.exit_code == 1
    assert result.output == message + "\n"


def test_cli_unknown_field_is_one_line(cli: Any) -> None:
    result = cli("data", "summary", "referrals", "--by", "colour")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: --by 'colour' is not a field of data set referrals: use one of"
    )
