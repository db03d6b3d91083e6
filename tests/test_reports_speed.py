"""The short cuts that make large packs fast give exactly what the plain way gives.

* KPI trend charts are one serialised chart with each KPI's title and rows put in
  (``tracker.reports.charts``): byte for byte what openpyxl writes for the chart built
  directly, titles with XML's special characters included;
* a release's counts on SQLite group by one multi-path ``json_extract`` key
  (``tracker.release.counts``): the same counts as one column per field;
* the pack's bytes do not depend on how the parts reach the zip (``save``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_disclosure_release import hard_rows, make_engine_at
from tests.test_summary import insert, training
from tracker.plan.loader import load_plan
from tracker.plan.schema import Plan

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(REPO / "objectives.yaml").plan


@pytest.mark.parametrize(
    ("title", "unit", "target"),
    [
        ("KPI1.1 Referrals received", "referrals", True),
        ("KPI2.3 <Schools> & 'colleges' \"trained\"", "% of staff & volunteers", False),
    ],
)
def test_a_filled_chart_is_what_openpyxl_writes(title: str, unit: str, target: bool) -> None:
    from openpyxl import Workbook

    from tracker.reports.charts import _serialised, build_line_chart, line_chart

    ws = Workbook().active
    ws.title = "KPI's"  # a sheet name that needs quoting in references
    for first, last in ((2, 41), (42, 42), (100, 1234)):
        filled = line_chart(ws, title=title, unit=unit, first=first, last=last, target=target)
        direct = build_line_chart(ws, title, unit, first, last, target)
        assert _serialised(filled) == _serialised(direct)


def test_counts_by_one_key_equal_counts_by_column(tmp_path: Path, plan: Plan) -> None:
    from sqlmodel import Session

    from tracker.disclosure.layout import table_layouts
    from tracker.release.counts import count_cells

    engine = make_engine_at(tmp_path, plan, hard_rows(plan, 11))  # some age bands NULL
    rng = random.Random(4)
    day = date(2019, 4, 1)
    rows = []
    while day < date(2021, 4, 1):
        rows.append(training(day.isoformat(), rng.randint(1, 30)))
        day += timedelta(days=rng.randint(5, 40))
    insert(engine, plan, "training", rows)
    wanted: dict[str, list[Any]] = {}
    for lay in table_layouts(plan, date(2021, 3, 31)):
        wanted.setdefault(lay.dataset.name, []).extend(lay.cells())
    assert set(wanted) == {"referrals", "training"}
    with Session(engine) as session:
        for name, cells in wanted.items():
            ds = plan.dataset(name)
            assert ds is not None
            keyed = count_cells(session, ds, cells, one_key=True)
            by_column = count_cells(session, ds, cells, one_key=False)
            assert keyed.total and keyed.by_value
            assert keyed.total == by_column.total
            assert keyed.rows == by_column.rows
            assert keyed.by_value == by_column.by_value
            assert [keyed.cell(c) for c in cells] == [by_column.cell(c) for c in cells]


def test_the_pack_bytes_are_those_of_a_save_then_rewrite(tmp_path: Path) -> None:
    """``save`` writes the parts once; rewriting openpyxl's own save gives the same bytes."""
    import io

    from tests.report_samples import pack_data
    from tracker.reports.pack import build_pack
    from tracker.reports.xlsx import stable_zip

    data = pack_data()
    direct = build_pack(data)

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(direct))
    assert book.sheetnames[0] == "Summary"
    from unittest import mock

    import tracker.reports.pack as pack_module

    def old_save(wb: Any, *, as_of: date) -> bytes:
        buffer = io.BytesIO()
        wb.save(buffer)
        return stable_zip(buffer.getvalue(), as_of=as_of)

    with mock.patch.object(pack_module, "save", old_save):
        rewritten = build_pack(data)
    assert rewritten == direct
