"""Disclosure rules that need data of a particular shape: a whole group in one row, revisions.

The attacker (``tests/attacker.py``) looks for small counts a reader can
narrow; these tests check the two rules it does not exercise on random data:
all of a period's rows in one row of a table (no cell small, yet a disclosure),
and figures released again after a correction. The releases run on SQLite and
PostgreSQL alike (``engine``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.attacker import Observation, attack
from tests.test_disclosure_release import hard_rows, observations, universes
from tests.test_summary import insert, referral
from tracker.disclosure import MARKER
from tracker.disclosure.linear import NULL
from tracker.plan.loader import load_plan
from tracker.plan.schema import Plan
from tracker.release import publish

REPO = Path(__file__).resolve().parent.parent
SECTORS = ["Schools", "Health", "Police", "Community", "Local Authority", "Other"]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(REPO / "objectives.yaml").plan


def _column(table: Any, label: str) -> int:
    return table.column_labels.index(label)


def test_a_whole_group_in_one_district_is_hidden_with_the_zeros_beside_it(
    engine: Any, plan: Plan
) -> None:
    # 2020/21: twelve referrals, every one from Northampton; nothing is small in that table
    rows = [
        referral(f"2020-{m:02d}-10", sector=SECTORS[i % 6], district="Northampton")
        for i, m in enumerate([4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3])
    ]
    for r in rows[9:]:
        r["received_on"] = r["received_on"].replace("2020-", "2021-")
    insert(engine, plan, "referrals", rows)
    pub = publish(engine, plan, as_of=date(2021, 4, 20), channel="review", reference="review")
    table = pub.table("referrals-by-district")
    year = _column(table, "2020/21")
    cells = {row.label: row.shown_cells(table.missing)[year] for row in table.rows}
    assert cells["Northampton"] == MARKER  # twelve, but the whole group
    districts = [label for label in cells if label not in ("Northampton", "Total", "Not known")]
    assert districts and all(cells[d] == MARKER for d in districts)  # the zeros beside it
    assert cells["Total"] in ("12", MARKER)


def test_a_district_with_some_but_not_all_is_shown(engine: Any, plan: Plan) -> None:
    rows = [referral("2020-05-10", district="Northampton") for _ in range(8)]
    rows += [referral("2020-06-10", district="Corby") for _ in range(7)]
    insert(engine, plan, "referrals", rows)
    pub = publish(engine, plan, as_of=date(2021, 4, 20), channel="review", reference="review")
    table = pub.table("referrals-by-district")
    year = _column(table, "2020/21")
    cells = {row.label: row.shown_cells(table.missing)[year] for row in table.rows}
    assert (cells["Northampton"], cells["Corby"], cells["Daventry"]) == ("8", "7", "0")


def _ledger(engine: Any) -> dict[str, list[tuple[str, int, bool]]]:
    """Each released cell key -> (reference, value, hidden) over the releases, in order."""
    from sqlmodel import Session, col, select

    from tracker.db.models import Release, ReleasedCell

    out: dict[str, list[tuple[str, int, bool]]] = {}
    with Session(engine) as session:
        stmt = (
            select(Release.reference, ReleasedCell.cell, ReleasedCell.value, ReleasedCell.hidden)
            .join(Release, col(Release.id) == col(ReleasedCell.release_id))
            .order_by(col(ReleasedCell.release_id), col(ReleasedCell.id))
        )
        for reference, cell, value, hidden in session.execute(stmt):
            out.setdefault(str(cell), []).append((reference, int(value), bool(hidden)))
    return out


def test_a_revised_figure_is_released_again_and_audited(engine: Any, plan: Plan) -> None:
    rows = hard_rows(plan, 7)
    insert(engine, plan, "referrals", rows)
    first = publish(engine, plan, as_of=date(2020, 9, 8), channel="pack", reference="SG-2020-09")
    # two late records for a quarter the first pack has already shown
    late = [referral("2020-05-03", sector="Health"), referral("2020-06-17", district="Corby")]
    insert(engine, plan, "referrals", late)
    second = publish(engine, plan, as_of=date(2020, 12, 8), channel="pack", reference="SG-2020-12")
    now = rows + late

    revised = {
        key: history
        for key, history in _ledger(engine).items()
        if {r for r, _, _ in history} == {"SG-2020-09", "SG-2020-12"}
        and len({v for _, v, _ in history}) > 1
    }
    assert revised, "the late records should change figures the first pack released"
    for history in revised.values():
        assert [r for r, _, _ in history] == ["SG-2020-09", "SG-2020-12"]
    # the second pack shows the 2020/21 Q1 total as it is now, or hides it
    table = second.table("referrals-by-quarter")
    q1 = table.row("Total").cells[_column(table, "2020/21 Q1")]
    assert q1 is None or q1 == sum(1 for r in now if "2020-04" <= r["received_on"][:7] <= "2020-06")

    # A reader holding both packs: the first pack's figures that still describe the data
    # constrain it; the revised ones describe the data as it was (docs/disclosure.md).
    still = [o for o in observations(plan, first, rows) if o.truth == _current(o, now, plan)]
    assert len(still) < len(observations(plan, first, rows))  # some figures were revised
    seen = [*observations(plan, second, now), *still]
    report = attack(seen, universes(plan), plan.plan.suppression_threshold)
    assert report.checked > 50
    assert report.findings == []


def _current(o: Observation, rows: list[dict[str, Any]], plan: Plan) -> int:
    """The count ``o`` covers in ``rows``: what it would show now."""
    ds = plan.dataset(o.dataset)
    assert ds is not None

    def counted(r: dict[str, Any]) -> bool:
        if not o.first <= r[ds.period_field][:7] <= o.last:
            return False
        return all(
            (NULL if r.get(f) is None else r.get(f)) in values for f, values in o.filters.items()
        )

    return sum(1 for r in rows if counted(r))
