"""Releases: declared publications protected together and over time, checked by the attacker.

Every figure a release shows is turned back into what a reader learns from
it (``tests/attacker.py``) with the true counts worked out here from the rows
themselves, and the attacker searches all releases together for a hidden
count it can fix or narrow below ``<5``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.attacker import Observation, attack
from tests.test_summary import insert, referral
from tracker.disclosure import MARKER
from tracker.disclosure.layout import complements, kpi_cells, table_layouts, universe
from tracker.disclosure.linear import NULL, Cell
from tracker.disclosure.model import Publication
from tracker.plan.loader import load_plan
from tracker.plan.schema import Plan
from tracker.release import publish

REPO = Path(__file__).resolve().parent.parent
PACK_DATES = [
    date(2019, 12, 10),
    date(2020, 3, 10),
    date(2020, 6, 9),
    date(2020, 9, 8),
    date(2020, 12, 8),
    date(2021, 3, 9),
    date(2021, 4, 20),
]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(REPO / "objectives.yaml").plan


def make_engine_at(tmp_path: Path, plan: Plan, referrals: list[dict[str, Any]]) -> Any:
    """A new SQLite database in ``tmp_path`` holding ``referrals``."""
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    upgrade(engine)
    insert(engine, plan, "referrals", referrals)
    return engine


def hard_rows(plan: Plan, seed: int, per_quarter: tuple[int, int] = (2, 9)) -> list[dict[str, Any]]:
    """A few referrals a quarter over two financial years: nearly every cell is small."""
    rng = random.Random(seed)
    ds = plan.dataset("referrals")
    assert ds is not None
    values = {f.name: [v.value for v in f.values or []] for f in ds.fields if f.values}
    rows = []
    day = date(2019, 4, 1)
    while day < date(2021, 4, 1):
        for _ in range(rng.randint(*per_quarter)):
            when = day + timedelta(days=rng.randrange(89))
            rows.append(
                referral(
                    when.isoformat(),
                    sector=rng.choice(values["sector"]),
                    gender=rng.choice(["Male", "Male", "Male", "Female", "Not known"]),
                    district=rng.choice(values["district"]),
                    concern=rng.choice(values["concern"]),
                    outcome=rng.choice(values["outcome"]),
                    age_band=rng.choice([*values["age_band"], None]),
                )
            )
        day += timedelta(days=91)
        day = day.replace(day=1)
    return rows


def _truth(rows: list[dict[str, Any]], plan: Plan, cell: Cell) -> int:
    ds = plan.dataset(cell.dataset)
    assert ds is not None
    n = 0
    for r in rows:
        month = r[ds.period_field][:7]
        if not cell.first <= month <= cell.last:
            continue
        if cell.field:
            v = r.get(cell.field)
            if (NULL if v is None else v) not in cell.values:
                continue
        n += 1
    return n


def observations(
    plan: Plan,
    pub: Publication,
    rows: list[dict[str, Any]],
    withheld: frozenset[Cell] = frozenset(),
) -> list[Observation]:
    """What a reader learns from one publication (referral figures only); of a ``withheld``
    cell, not even that it is not zero."""
    out = []
    layouts = {lay.decl.key: lay for lay in table_layouts(plan, pub.as_of)}
    for table in pub.tables:
        lay = layouts[table.key]
        if not lay.dataset.small_number_suppression:
            continue
        for spec, row in zip(lay.rows, table.rows, strict=True):
            assert spec.label == row.label
            for period, shown in zip((*lay.periods, None), (*row.cells, row.total), strict=True):
                cell = lay.cell(spec, period)
                truth = _truth(rows, plan, cell)
                label = f"{table.key} {row.label}"
                out.append(_obs(cell, shown, truth, label, cell in withheld))
    for kc in kpi_cells(plan, pub.as_of, plan.kpis):
        released = pub.kpi(kc.kpi.id, kc.period.label)
        if released is None:
            continue
        cells = [kc.count] if kc.numerator is None else [kc.count, kc.numerator]
        if kc.numerator is not None and released.hidden:
            continue  # a hidden percentage says nothing
        for cell in cells:
            value = released.value if kc.numerator is None else _truth(rows, plan, cell)
            shown = None if released.hidden else int(value or 0)
            label = f"{kc.kpi.id} {kc.period.label}"
            out.append(_obs(cell, shown, _truth(rows, plan, cell), label, cell in withheld))
        # what subtraction gives (the rows outside the KPI's selection): checked, not shown
        ds = plan.dataset(kc.count.dataset)
        assert ds is not None
        for cell in complements(ds, kc):
            truth = _truth(rows, plan, cell)
            if 0 < truth < plan.plan.suppression_threshold:  # a zero or 5 and up says nothing
                probe = _obs(cell, None, truth, f"{kc.kpi.id} complement")
                out.append(replace(probe, released=False))
    return out


def _obs(
    cell: Cell, shown: int | None, truth: int, label: str, withheld: bool = False
) -> Observation:
    filters = {cell.field: frozenset(cell.values)} if cell.field else {}
    if shown is not None:
        assert shown == truth, label
    low = 0 if withheld and shown is None else None
    return Observation(cell.dataset, filters, cell.first, cell.last, shown, truth, label, low)


def universes(plan: Plan) -> dict[tuple[str, str], tuple[str, ...]]:
    ds = plan.dataset("referrals")
    assert ds is not None
    return {("referrals", f.name): universe(ds, f.name) for f in ds.fields if f.values}


def packs(engine: Any, plan: Plan) -> list[Publication]:
    return [
        publish(engine, plan, as_of=day, channel="pack", reference=f"pack-{day.isoformat()}")
        for day in PACK_DATES
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_attacker_finds_nothing_across_a_series_of_packs(
    tmp_path: Path, plan: Plan, seed: int
) -> None:
    rows = hard_rows(plan, seed)
    engine = make_engine_at(tmp_path, plan, rows)
    pubs = packs(engine, plan)
    seen = [o for pub in pubs for o in observations(plan, pub, rows)]
    report = attack(seen, universes(plan), plan.plan.suppression_threshold)
    assert report.checked > 50  # the guard: many hidden counts were examined
    assert any(0 < o.truth < 5 for o in seen if o.shown is None)
    assert report.findings == []


def test_the_attacker_finds_a_count_left_exposed(plan: Plan) -> None:
    # a row of one quarter with its total, one small count hidden and nothing else: exact
    def o(values: set[str], shown: int | None, truth: int) -> Observation:
        filters = {"sector": frozenset(values)} if values else {}
        return Observation("referrals", filters, "2020-04", "2020-06", shown, truth)

    sectors = universes(plan)[("referrals", "sector")]
    seen = [o({"Schools"}, None, 3), o(set(sectors) - {"Schools"}, 20, 20), o(set(), 23, 23)]
    report = attack(seen, universes(plan), 5)
    assert report.checked == 1
    assert [f.observation.truth for f in report.findings] == [3]


def test_compiling_the_same_pack_again_shows_the_same_figures(tmp_path: Path, plan: Plan) -> None:
    rows = hard_rows(plan, 3)
    engine = make_engine_at(tmp_path, plan, rows)
    first = publish(engine, plan, as_of=date(2020, 9, 8), channel="pack", reference="SG-2020-09")
    insert(engine, plan, "referrals", [referral("2020-05-03", sector="Health")])  # a late record
    again = publish(engine, plan, as_of=date(2020, 9, 8), channel="pack", reference="SG-2020-09")
    assert again == first
    assert first.release_id is not None
    email = publish(engine, plan, as_of=date(2020, 9, 8), channel="email", reference="SG-2020-09")
    assert email.release_id != first.release_id


def test_every_hidden_figure_has_one_marker(tmp_path: Path, plan: Plan) -> None:
    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 4))
    pub = publish(engine, plan, as_of=date(2021, 4, 20), channel="review", reference="review")
    shown = {text for t in pub.tables for r in t.rows for text in r.shown_cells(t.missing)}
    assert MARKER in shown
    assert not {s for s in shown if s.startswith("<") or s == "*"}
    assert any(MARKER in note for note in pub.notes)
    assert any("threshold is 5" in note for note in pub.notes)


def test_a_period_with_no_data_is_marked_not_zero(tmp_path: Path, plan: Plan) -> None:
    engine = make_engine_at(tmp_path, plan, [referral("2020-04-10") for _ in range(6)])
    pub = publish(
        engine, plan, as_of=date(2020, 12, 8), channel="pack", reference="x", record=False
    )
    table = pub.table("referrals-by-sector-group")
    assert table.column_labels == ("2020/21 Q1", "2020/21 Q2")
    assert table.missing == (False, True)
    assert table.row("Total").shown_cells(table.missing) == ("6", "[x]")


def test_a_threshold_below_three_needs_an_acknowledgement(tmp_path: Path) -> None:
    from tracker.errors import TrackerError

    text = (REPO / "objectives.yaml").read_text(encoding="utf-8")
    low = text.replace("suppression_threshold: 5 ", "suppression_threshold: 2 ")
    assert low != text
    path = tmp_path / "objectives.yaml"
    path.write_text(low, encoding="utf-8")
    with pytest.raises(TrackerError) as info:
        load_plan(path)
    found = str(info.value) + " ".join(str(p) for p in getattr(info.value, "problems", []))
    assert "low_threshold_acknowledged" in found
    path.write_text(
        low.replace(
            "  kpis: all\n", "  kpis: all\n  low_threshold_acknowledged: counts of events\n"
        ),
        encoding="utf-8",
    )
    assert load_plan(path).plan.plan.suppression_threshold == 2


def test_data_summary_of_a_declared_table_is_exactly_the_packs(tmp_path: Path, plan: Plan) -> None:
    from tracker.release.service import declared_table

    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 5))
    day = date(2020, 12, 8)
    pack = publish(engine, plan, as_of=day, channel="pack", reference="SG-2020-12")
    for table in pack.tables:
        shown, notes = declared_table(engine, plan, table.key, as_of=day)
        assert shown == table
        assert notes == pack.notes


def test_the_declared_table_on_the_command_line(sqlite_cli: Any, plan: Plan) -> None:
    import csv
    import io
    import json

    from tests.test_summary import GENDER_ROWS, _fill

    _fill(sqlite_cli, plan, "referrals", GENDER_ROWS)
    result = sqlite_cli(
        "data", "summary", "--table", "referrals-by-gender", "--as-of", "2021-04-20", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # a declared table is not an analyst view
    doc = json.loads(result.stdout)
    assert doc["distribution"] == "declared"
    assert doc["columns"] == ["2019/20", "2020/21", "Total 2019/20 to 2020/21"]
    assert doc["rows"][-1] == {"label": "Total", "kind": "total", "cells": [None, 33], "total": 33}
    assert doc["no_data"] == ["2019/20"]
    assert any("threshold is 5" in note for note in doc["notes"])
    table = sqlite_cli("data", "summary", "--table", "referrals-by-gender", "--as-of", "2021-04-20")
    assert table.exit_code == 0, table.output
    assert MARKER in table.stdout and "[x]" in table.stdout
    analyst = sqlite_cli("data", "summary", "referrals", "--by", "gender", "-f", "csv")
    first = next(csv.reader(io.StringIO(analyst.stdout)))
    assert first[0].startswith("# ANALYST VIEW - NOT FOR DISTRIBUTION")
    assert "ANALYST VIEW" in analyst.stderr
    wrong = sqlite_cli("data", "summary", "--table", "nope")
    assert wrong.exit_code == 1
    assert "no declared table 'nope'" in wrong.output


def test_a_summary_period_with_no_data_is_marked_not_zero(tmp_path: Path, plan: Plan) -> None:
    from tracker.data.summary import build_summary

    engine = make_engine_at(tmp_path, plan, [referral(d) for d in ["2020-04-10", "2020-10-10"] * 3])
    summary = build_summary(
        engine,
        plan,
        "referrals",
        by=[],
        period="quarter",
        start=None,
        end=None,
        where=[],
        suppress=True,
    )
    assert [(r.key[0], r.no_data) for r in summary.rows] == [
        ("2020/21 Q1", False),
        ("2020/21 Q2", True),
        ("2020/21 Q3", False),
    ]
    doc = summary.to_json()
    assert doc["rows"][1] == {
        "period": "2020/21 Q2",
        "count": None,
        "percent": None,
        "no_data": True,
    }


def test_kpi_reports_hide_what_the_release_hides_and_rate_none_of_it(
    tmp_path: Path, plan: Plan
) -> None:
    from tracker.kpi.service import kpi_history
    from tracker.kpi.service import kpi_report as evaluate_kpis
    from tracker.release.kpis import released_history, released_report

    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 6, per_quarter=(8, 30)))
    day = date(2021, 3, 9)
    pub = publish(engine, plan, as_of=day, channel="pack", reference="SG-2021-03")
    raw = evaluate_kpis(engine, plan, as_of=day, unsuppressed=True)
    values = {
        (r.kpi.id, p.period.label): p.figure.value
        for r in raw.kpis
        for p in kpi_history(engine, plan, r.kpi.id, as_of=day, unsuppressed=True).periods
    }
    assert pub.kpi_cells
    compared = 0
    for cell in pub.kpi_cells:  # the ledger's figures are the KPIs' own figures
        if cell.value is not None and (cell.kpi_id, cell.period) in values:
            assert values[(cell.kpi_id, cell.period)] == cell.value, cell
            compared += 1
    assert compared > 5
    shown = released_report(evaluate_kpis(engine, plan, as_of=day), pub)
    checked = 0
    for r in shown.kpis:
        if r.latest is None:
            continue
        if pub.kpi_hidden(r.kpi.id, r.latest.period.label) or r.latest.figure.suppressed:
            checked += 1
            assert r.latest.figure.public() == MARKER
            assert r.latest.rating.rating in ("grey", "contextual")
            assert r.latest.projection is None
            assert r.previous.direction == r.year_ago.direction == "n/a"
    assert checked > 0
    history = released_history(kpi_history(engine, plan, "KPI4.2", as_of=day), pub)
    for p in history.periods:
        assert (p.figure.public() == MARKER) == pub.kpi_hidden("KPI4.2", p.period.label)


def test_no_roll_up_or_explanation_rates_a_figure_the_release_hides(
    tmp_path: Path, plan: Plan
) -> None:
    """An objective's counts ("KPIs: 1 red") and `rag explain` would otherwise say what a
    hidden figure is near; every consumer of KPI ratings takes them as released."""
    from tracker.kpi.service import released_kpi_report
    from tracker.pack_inputs import kpi_histories, released_histories
    from tracker.ratings import kpi_ratings

    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 6, per_quarter=(8, 30)))
    day = date(2021, 3, 9)
    pub = publish(engine, plan, as_of=day, channel="pack", reference="SG-2021-03")
    shown = released_kpi_report(engine, plan, as_of=day)
    hidden = {
        r.kpi.id
        for r in shown.kpis
        if r.latest is not None and pub.kpi_hidden(r.kpi.id, r.latest.period.label)
    }
    assert hidden
    ratings = kpi_ratings(engine, plan, day)
    for kpi_id in hidden:
        assert ratings[kpi_id].rating in ("grey", "contextual"), kpi_id
        assert ratings[kpi_id].rule == "disclosure"
    histories = released_histories(plan, kpi_histories(engine, plan, day), pub, None)
    for summary, periods in histories:
        for p in periods:
            if pub.kpi_hidden(summary.kpi.id, p.period.label):
                assert p.figure.public() == MARKER and p.rating.rating in ("grey", "contextual")
    # No release at all (it could not be protected): every protected count is hidden.
    withheld = released_histories(plan, kpi_histories(engine, plan, day), None, "no release")
    for summary, periods in withheld:
        if summary.kpi.measure.dataset == "referrals" and summary.kpi.measure.kind == "count":
            assert all(p.figure.public() == MARKER for p in periods if p.figure.has_data)


def test_no_percentage_of_none_or_all_is_released(tmp_path: Path, plan: Plan) -> None:
    """0% and 100% say a whole group is in one category: hidden like a table's lone cell."""
    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 6, per_quarter=(8, 30)))
    pub = publish(engine, plan, as_of=date(2021, 3, 9), channel="pack", reference="SG-2021-03")
    percentages = {k.id for k in plan.kpis if k.measure.kind == "percentage"}
    shown = [c for c in pub.kpi_cells if c.kpi_id in percentages and c.value is not None]
    assert shown  # some are released
    assert not [c for c in shown if c.value in (0, 100)]


def withheld_now(engine: Any, plan: Plan, as_of: date) -> frozenset[Cell]:
    """The cells a release as of ``as_of`` would withhold now: hidden, and recorded nowhere."""
    from sqlalchemy.orm import Session

    from tracker.release.service import compute

    with Session(engine) as session:
        computed = compute(session, plan, as_of)
    return frozenset(c for c in computed.hidden if c not in computed.cells)


@pytest.mark.parametrize("seed", [1, 3])
def test_releases_out_of_date_order_are_protected_together(
    tmp_path: Path, plan: Plan, seed: int
) -> None:
    # `kpi show` or a review as of an earlier date than the packs already sent: its periods
    # are not theirs, and the figures those published leave the one-cell-at-a-time search
    # few cells to choose from (the code before refused the three dated 2020-03-31 or earlier;
    # docs/disclosure.md).
    rows = hard_rows(plan, seed)
    engine = make_engine_at(tmp_path, plan, rows)
    withheld: list[frozenset[Cell]] = []
    seen: dict[str, list[Observation]] = {}

    def release(day: date, channel: Any, reference: str, record: bool = True) -> Publication:
        withheld.append(withheld_now(engine, plan, day))
        pub = publish(engine, plan, as_of=day, channel=channel, reference=reference, record=record)
        seen[f"{channel} {day}"] = observations(plan, pub, rows, withheld[-1])
        return pub

    sent = [release(day, "pack", f"pack-{day}") for day in (date(2020, 11, 30), date(2020, 12, 31))]
    # a look on the officer's own screen (recorded nowhere): protected with what was out then
    looks = [release(day, "export", "", False) for day in (date(2019, 9, 30), date(2020, 3, 31))]
    release(date(2020, 3, 31), "review", "review")  # recorded: what it withheld is not
    release(date(2021, 3, 31), "pack", "pack-last")
    assert withheld[2] and withheld[3]  # the earlier periods took the cautious way
    threshold = plan.plan.suppression_threshold
    out = [o for name, obs in seen.items() if not name.startswith("export") for o in obs]
    for together in (
        out,
        *(
            [*seen["pack 2020-11-30"], *seen["pack 2020-12-31"], *seen[f"export {day}"]]
            for day in ("2019-09-30", "2020-03-31")
        ),
    ):
        report = attack(together, universes(plan), threshold)
        assert report.checked > 50
        assert report.findings == []

    def key(o: Observation) -> tuple[object, ...]:
        return (o.dataset, tuple(sorted(o.filters.items())), o.first, o.last)

    published = {key(o) for pub in sent for o in observations(plan, pub, rows) if o.shown}
    again = [o for pub in looks for o in observations(plan, pub, rows) if key(o) in published]
    assert again and all(o.shown is not None for o in again)  # nothing already out is hidden
