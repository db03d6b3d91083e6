"""The pack, review workbook and review paper builders, read back by real readers.

Builders are pure, so these tests give them hand-made inputs (tests/report_samples.py)
and read the bytes back with openpyxl, python-calamine and python-docx.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import date
from typing import Any

import pytest

from tests.report_samples import INJECTED, pack_data
from tracker.reports.model import ReviewData
from tracker.reports.pack import build_pack
from tracker.reports.sheets import MARKER

SHEETS = ["Summary", "Actions", "KPIs", "Referrals", "Training", "Exceptions", "Notes"]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def pack_bytes() -> bytes:
    return build_pack(pack_data())


@pytest.fixture(scope="module")
def book(pack_bytes: bytes) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(pack_bytes))


def rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def by_header(ws: Any) -> list[dict[str, Any]]:
    header, *body = rows(ws)
    return [dict(zip(header, r, strict=False)) for r in body]


def test_every_sheet_in_order(book) -> None:
    assert book.sheetnames == SHEETS


def test_actions_carry_ratings_reasons_overrides_and_text(book) -> None:
    ws = book["Actions"]
    lines = {r["Action"]: r for r in by_header(ws)}
    assert lines["SO1.1"]["RAG"] == "Red"
    assert lines["SO1.1"]["Why"] == "Red: due 31 Mar 2020, not complete, 244 days overdue"
    assert lines["SO1.2"]["Computed RAG"] == "Amber"
    assert lines["SO1.2"]["Owner's RAG"] == "Green"
    assert lines["SO1.2"]["Override"] == "Green"
    assert lines["SO1.2"]["Override reason"] == "-Agreed at SG: events moved online"
    assert lines["SO2.2"]["Update overdue"] == "Yes"
    assert lines["SO2.1"]["RAG"] == "Complete"
    assert lines["SO1.1"]["Due"].date() == date(2020, 3, 31)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:T6"  # through "Risks and issues"


def test_text_that_looks_like_a_formula_stays_text(book, pack_bytes) -> None:
    from python_calamine import CalamineWorkbook

    ws = book["Actions"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value[:1] in "=+-@"]
    assert {c.value for c in risky} >= {
        INJECTED,
        "+44 call partners; revised date to SG",
        "@partners events booked",
    }
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert all(c.data_type != "f" for s in book for row in s.iter_rows() for c in row)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(pack_bytes)).get_sheet_by_name("Actions")
    values = [v for row in sheet.to_python() for v in row]
    assert INJECTED in values


def test_rag_cells_are_coloured_by_conditional_formatting_with_the_word(book) -> None:
    ws = book["Actions"]
    ranges = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert ranges["I2:I6"] == ['"Red"', '"Amber"', '"Green"', '"Complete"', '"Grey"']
    summary = book["Summary"]
    assert any("C" in str(cf.sqref) for cf in summary.conditional_formatting)


def test_print_ready(book) -> None:
    for ws in book:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.center.text == "OFFICIAL-SENSITIVE"
        assert ws.oddFooter.right.text == "Page &P of &N"
        assert ws.oddFooter.left.text == "Prevent Steering Group pack 8 December 2020"
        assert ws.oddFooter.center.text == "As of 30 November 2020"
    assert book["Actions"].print_title_rows == "$1:$1"
    widths = book["Actions"].column_dimensions
    assert widths["E"].width >= 12 and widths["F"].width >= 12  # dates never print as ###


def test_charts_are_native(book) -> None:
    from openpyxl.chart import BarChart, LineChart

    assert [type(c) for c in book["KPIs"]._charts] == [LineChart]
    assert [type(c) for c in book["Referrals"]._charts] == [BarChart]  # totals all shown


def test_kpis_by_period_hide_small_numbers(book) -> None:
    lines = by_header(book["KPIs"])
    q2 = next(r for r in lines if r["Period"] == "2020/21 Q2")
    assert q2["Value"] is None and q2["Shown as"] == "<5" and q2["RAG"] == "Red"


def test_publication_tables_show_no_small_count(book) -> None:
    cells = [v for name in ("Referrals", "Training") for r in rows(book[name]) for v in r]
    assert MARKER in cells
    assert not [v for v in cells if isinstance(v, int | float) and 1 <= v <= 4]
    training = [v for r in rows(book["Training"]) for v in r if v]
    assert training[1].startswith("Training tables are not shown")


def test_summary_counts_headlines_and_changes(book) -> None:
    values = [v for r in rows(book["Summary"]) for v in r if v is not None]
    assert "▼ worse" in values
    assert "Changed since the previous pack" in values
    assert "Compared with the pack as of 31 August 2020." in values
    assert "Override: -Agreed at SG: events moved online" in values
    exceptions = by_header(book["Exceptions"])
    assert [e["Item"] for e in exceptions] == ["SO1.1", "SO2.2", "KPI4.1"]
    assert exceptions[0]["Narrative"] == INJECTED
    assert exceptions[1]["Why"].endswith("update overdue")


def test_same_inputs_same_bytes_and_the_date_is_the_as_of(pack_bytes) -> None:
    import zipfile

    assert sha(build_pack(pack_data())) == sha(pack_bytes)
    later = build_pack(pack_data(as_of=date(2020, 12, 1)))
    assert sha(later) != sha(pack_bytes)
    archive = zipfile.ZipFile(io.BytesIO(pack_bytes))
    assert archive.namelist()[0] == "[Content_Types].xml"
    assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "2020-11-30T00:00:00Z" in core and "2026" not in core


def test_summary_value_for_email() -> None:
    data = pack_data()
    summary = data.summary()
    assert summary.counts == (("red", 1), ("amber", 1), ("green", 1), ("complete", 1), ("grey", 1))
    assert [k.id for k in summary.headline_kpis] == ["KPI4.1", "KPI3.1"]
    assert len(summary.exceptions) == 3
    assert data.digest() == pack_data().digest() != pack_data(marking="OFFICIAL").digest()


# --- the review ------------------------------------------------------------------------------


def review_data() -> ReviewData:
    d = pack_data()
    return ReviewData(
        title="Strategy review",
        plan=d.plan,
        partnership=d.partnership,
        marking=d.marking,
        as_of=date(2021, 3, 31),
        start=date(2019, 10, 1),
        end=date(2021, 4, 30),
        review_date=date(2021, 4, 20),
        meeting_title="Prevent strategy review",
        report_of="Chair of the Steering Group",
        threshold=5,
        objectives=d.objectives,
        actions=d.actions,
        kpis=d.kpis,
        datasets=d.datasets,
        sources=d.sources,
        rules=d.rules,
        suppression_rule=d.suppression_rule,
    )


def test_review_workbook() -> None:
    from openpyxl import load_workbook

    from tracker.reports.review import build_review

    data = review_data()
    body = build_review(data)
    assert sha(build_review(data)) == sha(body)
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == [
        "Summary",
        "Delivery",
        "KPIs",
        "Referrals",
        "Training",
        "Risks",
        "Notes",
    ]
    summary = rows(book["Summary"])
    assert summary[4][:3] == ["SO1", "Build cohesion", "Red"]
    assert summary[5][4:7] == [1, 2, 0]  # SO2: delivered, not delivered, cancelled
    delivery = {r["Action"]: r["Delivered"] for r in by_header(book["Delivery"])}
    assert delivery == {
        "SO1.1": "Not delivered",
        "SO1.2": "Not delivered",
        "SO2.1": "Delivered",
        "SO2.2": "Not delivered",
        "SO2.3": "Not delivered",
    }
    risks = by_header(book["Risks"])
    assert [r["Item"] for r in risks] == ["SO1.1", "SO1.2", "SO2.2", "SO2.3", "KPI4.1"]
    assert book["Risks"].data_validations.dataValidation[0].formula1 == '"Yes,No,Amend"'
    assert book["KPIs"]._charts


def test_review_paper_is_laid_out_as_a_committee_report() -> None:
    from docx import Document

    from tracker.reports.paper import build_paper

    data = review_data()
    body = build_paper(data)
    assert sha(build_paper(data)) == sha(body)
    assert sha(build_paper(dataclasses.replace(data, marking="OFFICIAL"))) != sha(body)
    doc = Document(io.BytesIO(body))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "1. Purpose",
        "2. Recommendations",
        "3. Background",
        "4. SO1 Community cohesion",
        "5. SO2 Tensions",
        "6. Implications",
        "7. Appendices",
    ]
    texts = [p.text for p in doc.paragraphs]
    assert "4.1\tRating: Red (1 of 2 actions red; 1 green)." in texts
    assert any(t.startswith("SO2.1 Tension monitoring") for t in texts)  # an achievement
    footer = doc.sections[0].footer._element.xml
    assert "OFFICIAL-SENSITIVE" in footer and " PAGE " in footer and " NUMPAGES " in footer
    assert doc.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    assert doc.core_properties.created.date() == date(2021, 3, 31)
    # before the strategy ends, an open action may be on track: "still open", not a shortfall
    ended = data.as_of >= data.end
    lead = "Shortfalls: " if ended else "Still open: "
    assert any(lead in t for t in texts), texts
    other = dataclasses.replace(data, as_of=data.end if not ended else data.start)
    other_texts = [p.text for p in Document(io.BytesIO(build_paper(other))).paragraphs]
    assert any(("Still open: " if ended else "Shortfalls: ") in t for t in other_texts)


def test_the_pack_email_summary_repeats_the_pack() -> None:
    from tracker.reporting import mail_summary

    summary = mail_summary(pack_data().summary())
    assert [o.id for o in summary.objectives] == ["SO1", "SO2"]
    assert summary.objectives[0].counts[0] == ("red", 1)
    assert [e.id for e in summary.exceptions] == ["SO1.1", "SO2.2", "KPI4.1"]
    kpi = summary.kpis[0]
    assert (kpi.value, kpi.target, kpi.trend, kpi.rating) == ("<5", "at least 10", "down", "red")
    assert "1 to 4" in (summary.note or "")


def test_changes_since_lists_objectives_and_kpis_and_one_line_per_action() -> None:
    """An action whose rating moved as an override was made is one line, not two; an
    objective or KPI whose rating moved is listed after the actions."""
    from tests.report_samples import actions, kpis, pack_data
    from tracker.reports.changes import changes_since

    objectives = pack_data().objectives
    previous = {
        "actions": {
            "SO1.1": {"rating": "amber", "status": "in_progress", "override": None},
            "SO1.2": {"rating": "amber", "status": "in_progress", "override": None},
        },
        "objectives": {"SO1": {"rating": "amber", "reason": "x"}, "SO2": {"rating": "amber"}},
        "kpis": {"KPI4.1": {"rating": "green", "reason": "x"}},
    }
    found = changes_since(previous, actions()[:2], objectives, kpis()[:1])
    assert [(c.item, c.kind, c.before, c.after) for c in found] == [
        ("SO1.1", "new red", "Amber", "Red"),
        ("SO1.2", "moved", "Amber", "Green"),
        ("SO1", "new red", "Amber", "Red"),
        ("KPI4.1", "new red", "Green", "Red"),
    ]
    assert found[1].detail == (
        "overridden to Green: -Agreed at SG: events moved online (until 31 January 2021)"
    )


def test_figures_have_thousands_separators_and_decimals_only_where_they_have_one() -> None:
    from tracker.reports.xlsx import unit_format

    assert unit_format("people", 3000) == '#,##0" people"'
    assert unit_format("%", 17.3) == '#,##0.0##"%"'
    assert unit_format("", 12) == "#,##0"
    assert unit_format('re"fer\\rals', 5) == '#,##0" referrals"'


def test_rows_with_wrapped_text_are_tall_enough_to_print() -> None:
    """LibreOffice (and a file printed unopened) keeps the default height: lines overprint."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(build_pack(pack_data())))
    for sheet in ("Summary", "Actions"):
        ws = book[sheet]
        tall = [r for r, dim in ws.row_dimensions.items() if dim.height and dim.height > 15]
        assert tall, sheet
        for row in tall:
            assert ws.row_dimensions[row].height <= 409  # Excel's limit
