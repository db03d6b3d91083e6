"""The draft strategy review paper: a Word document laid out as a council committee report.

``build_paper(ReviewData) -> bytes`` is pure. The layout follows the common
committee report: a title block (meeting, date, report of, protective
marking), then numbered sections - 1 Purpose, 2 Recommendations, 3
Background, one section per objective (its RAG, achievements, shortfalls and
KPI table), Implications, Appendices - with numbered paragraphs (1.1, 1.2...)
so members can refer to them. The marking is in the header and, with "Page N
of M", in the footer. It is a draft: the chair edits it in Word.

python-docx is imported inside the functions.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from tracker.reports.model import ActionLine, KpiLine, ReviewData, rag_word
from tracker.reports.xlsx import stable_zip
from tracker.wording import day_text

TO_COMPLETE = "[For the chair to complete.]"


class _Numbered:
    """Sections and paragraphs numbered 1, 1.1, 1.2, 2, 2.1..."""

    def __init__(self, doc: Any):
        self.doc = doc
        self.section = 0
        self.paragraph = 0

    def heading(self, text: str) -> None:
        self.section += 1
        self.paragraph = 0
        self.doc.add_heading(f"{self.section}. {text}", level=1)

    def para(self, text: str, *, bold_lead: str | None = None) -> Any:
        self.paragraph += 1
        p = self.doc.add_paragraph()
        p.add_run(f"{self.section}.{self.paragraph}\t")
        if bold_lead:
            p.add_run(bold_lead).bold = True
        p.add_run(text)
        return p

    def bullets(self, items: list[str]) -> None:
        for item in items:
            self.doc.add_paragraph(item, style="List Bullet")


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when laying out pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)


def _header_footer(doc: Any, data: ReviewData) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = doc.sections[0]
    # A4, as UK councils print: python-docx's default template is US Letter.
    section.page_width, section.page_height = Mm(210), Mm(297)
    head = section.header.paragraphs[0]
    head.text = data.marking
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.runs[0].bold = True
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    foot.add_run(f"{data.marking} - {data.title} - draft as of {day_text(data.as_of)} - Page ")
    _field(foot, "PAGE")
    foot.add_run(" of ")
    _field(foot, "NUMPAGES")


_KPI_WIDTHS_CM = (7.0, 2.6, 2.2, 2.6, 2.0)


def _kpi_table(doc: Any, kpis: list[KpiLine]) -> None:
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.autofit = False
    for cell, text in zip(
        table.rows[0].cells, ("KPI", "Latest period", "Value", "Target", "RAG"), strict=True
    ):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    from tracker.figures import fmt_target, fmt_value

    for k in kpis:
        value = (
            (k.latest_shown_as or "no data")
            if k.latest_value is None
            else fmt_value(k.latest_value, k.unit)
        )
        target = (
            "no target" if k.target is None else fmt_target(k.target, k.unit, k.direction)  # type: ignore[arg-type]
        )
        row = table.add_row().cells
        texts = (f"{k.id} {k.name}", k.latest_period or "none yet", value, target)
        for cell, text in zip(row, (*texts, rag_word(k.rating)), strict=True):
            cell.text = text
    for r in table.rows:
        for cell, width in zip(r.cells, _KPI_WIDTHS_CM, strict=True):
            cell.width = Cm(width)


def _action_item(a: ActionLine) -> str:
    return f"{a.id} {a.title} ({a.owner_role}): {a.reason}."


def build_paper(data: ReviewData) -> bytes:
    """The draft review paper as .docx bytes."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    _header_footer(doc, data)

    doc.add_paragraph(data.partnership).runs[0].bold = True
    meeting = data.meeting_title or "Steering Group"
    doc.add_paragraph(f"{meeting}, {day_text(data.review_date)}")
    doc.add_paragraph(f"Report of the {data.report_of}")
    doc.add_heading(f"Review of the {data.plan}", level=0)
    doc.add_paragraph(f"Protective marking: {data.marking}. Draft, as of {day_text(data.as_of)}.")

    delivered = [a for a in data.actions if a.status == "complete"]
    open_actions = [a for a in data.actions if a.status not in ("complete", "cancelled")]
    counted = len([a for a in data.actions if a.status != "cancelled"])
    cancelled = len(data.actions) - counted
    computed = len([k for k in data.kpis if k.source != "manual"])

    # Before the strategy ends an open action may still be on track: not a shortfall yet.
    ended = data.as_of >= data.end
    undone = "not delivered" if ended else "not yet delivered"
    n = _Numbered(doc)
    n.heading("Purpose")
    n.para(
        f"To review delivery of the {data.plan} over the strategy period "
        f"{day_text(data.start)} to {day_text(data.end)}, and to agree what is carried forward."
    )
    n.heading("Recommendations")
    n.para(
        f"That the Steering Group notes that {len(delivered)} of {counted} actions "
        f"{'were' if len(delivered) != 1 else 'was'} delivered"
        + (f" ({cancelled} more cancelled)" if cancelled else "")
        + ", and the position of each objective set out in this report."
    )
    n.para(
        f"That the Steering Group agrees which of the {len(open_actions)} actions {undone} "
        "are carried forward into the next plan (Appendix A)."
    )
    n.para(f"That the Steering Group notes the implications in section {len(data.objectives) + 4}.")
    n.heading("Background")
    n.para(
        f"The strategy has {len(data.objectives)} objectives delivered through "
        f"{len(data.actions)} actions owned across the partnership, and {len(data.kpis)} "
        f"key performance indicators: {computed} computed from referral and training data, "
        f"{len(data.kpis) - computed} recorded by their owners."
    )
    n.para(
        "Ratings are computed from owners' updates and the data as described in Appendix B. "
        f"{data.suppression_rule}"
    )
    for o in data.objectives:
        n.heading(f"{o.id} {o.short_title}")
        n.para(f"{rag_word(o.rating)} ({o.reason}).", bold_lead="Rating: ")
        n.para(o.title, bold_lead="Objective: ")
        mine = [a for a in data.actions if a.objective_id == o.id]
        done = [a for a in mine if a.status == "complete"]
        short = [a for a in mine if a.status not in ("complete", "cancelled")]
        dropped = len(mine) - len(done) - len(short)
        of = len(mine) - dropped
        n.para(
            f"{len(done)} of {of} action{'s' if of != 1 else ''} delivered"
            + (f" ({dropped} more cancelled)." if dropped else "."),
            bold_lead="Achievements: ",
        )
        n.bullets([f"{a.id} {a.title} ({a.owner_role})." for a in done] or ["None."])
        n.para(
            f"{len(short)} action{'s' if len(short) != 1 else ''} {undone}.",
            bold_lead="Shortfalls: " if ended else "Still open: ",
        )
        n.bullets([_action_item(a) for a in short] or ["None."])
        kpis = [k for k in data.kpis if k.objective_id == o.id]
        if kpis:
            n.para("The latest value of each indicator against its target.", bold_lead="KPIs: ")
            _kpi_table(doc, kpis)
    n.heading("Implications")
    for topic in ("Financial", "Legal", "Equality", "Risk"):
        n.para(f" {TO_COMPLETE}", bold_lead=f"{topic}:")
    n.heading("Appendices")
    n.para(f"Actions {undone}, for decision on carrying forward.", bold_lead="Appendix A: ")
    n.bullets([_action_item(a) for a in open_actions] or ["None."])
    n.para("Sources and method.", bold_lead="Appendix B: ")
    n.bullets(
        [f"{s.title}: {s.dated[:1].lower()}{s.dated[1:]}. {s.detail}" for s in data.sources]
        + [f"Ratings of {what}: {how}" for what, how in data.rules]
    )

    moment = datetime(data.as_of.year, data.as_of.month, data.as_of.day)
    props = doc.core_properties
    props.title = f"Review of the {data.plan}"
    props.subject = data.title
    props.author = props.last_modified_by = "tracker"
    props.keywords = props.category = data.marking
    props.created = props.modified = props.last_printed = moment
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return stable_zip(buffer.getvalue(), as_of=data.as_of)
