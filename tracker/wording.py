"""The words reports use, shared by the terminal, the Excel pack and the emails.

A status, a figure, a target or a comparison must read the same wherever the
Steering Group sees it, so each is written here once, as plain text (no
colour, no markup): the renderers in ``tracker/render/`` style it for a
terminal, and the pack and email builders put it in cells and paragraphs.

Pure: no database, no clock, no terminal.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from tracker.figures import Figure, fmt_number, fmt_value

if TYPE_CHECKING:
    from tracker.kpi.results import Comparison
    from tracker.plan.schema import Kpi

# Shown above any output that holds small numbers because an analyst asked for them.
UNSUPPRESSED_WARNING = (
    "SMALL NUMBERS SHOWN: this output is for your own screen only; do not share or distribute it"
)


def day_text(day: date) -> str:
    """5 June 2020: a date as the pack, the review paper and the returns write it."""
    return f"{day.day} {day:%B %Y}"


def status_label(status: str) -> str:
    """A status code as people read it: in_progress -> in progress."""
    return status.replace("_", " ")


def printable(text: str) -> str:
    """``text`` on one line, each control, format or stray surrogate character shown as "?".

    For what came from outside and is printed back: a file name can hold a terminal's
    escape sequences (setting the clipboard, a window title) or a line break that forges
    an output line.
    """
    import unicodedata

    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in text)


def one_line(text: str) -> str:
    """``text`` on one line: runs of spaces as one, and each line break as " / ", so the
    lines of a note (its narrative, then "Next steps: ...") stay apart."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return " / ".join(line for line in lines if line)


def shorten(text: str, limit: int = 120) -> str:
    """``text`` on one line; if longer than ``limit``, cut after a whole word, with "…"."""
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and text[limit - 1] != " ":
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def figure_text(figure: Figure, unit: str) -> str:
    """How a figure reads in a table: '38%', '12 referrals', '[c]' (hidden), 'no data'."""
    if figure.suppressed:
        return figure.label or "hidden"
    if figure.value is None:
        return "no data"
    return fmt_value(figure.value, unit)


def target_text(kpi: Kpi, period_target: float | None = None) -> str:
    """'at least 150', 'at most 50%', or for cumulative KPIs the review target and today's share."""
    if kpi.target is None:
        return "none (contextual)"
    sign = "at least" if kpi.direction == "higher" else "at most"
    number = fmt_number(kpi.target) + ("%" if kpi.unit == "%" else "")
    if not kpi.cumulative:
        return f"{sign} {number}"
    due = f"; {fmt_number(period_target)} due by period end" if period_target is not None else ""
    return f"{sign} {number} by the review{due}"


def period_target_text(target: float | None, unit: str) -> str:
    """A period's own target in a history table: '648', '50%', or '-' when there is none."""
    return "-" if target is None else fmt_number(target) + ("%" if unit == "%" else "")


def comparison_text(c: Comparison, unit: str) -> str:
    """'improved (12)', 'worse (<5)', 'n/a (no data)': a direction of travel and the other value."""
    if c.period is None:
        return "n/a"
    shown = c.figure.public()
    if shown is None:
        return f"{c.direction} (hidden)" if c.figure.suppressed else f"{c.direction} (no data)"
    if isinstance(shown, str):
        return f"{c.direction} ({shown})"
    return f"{c.direction} ({fmt_number(shown)}{'%' if unit == '%' else ''})"


def suppression_footnote(threshold: int) -> str:
    """The footnote under any table that hides small numbers."""
    return (
        f"[c]: confidential (counts from 1 to {threshold - 1}, and figures that would reveal "
        "them); hidden figures are not rated"
    )


def _pts(value: float) -> str:
    return f"{value:g}"


def rules_text(rag: Any, threshold: int) -> tuple[tuple[str, str], ...]:
    """The rating rules as a pack's or review's Notes sheet states them, from the plan's own
    ``rag:`` settings (``plan.rag``) and suppression threshold, so they can never disagree
    with the ratings beside them."""
    from tracker.disclosure.model import MARKER

    roll = rag.objectives
    items = " and ".join({"actions": "actions", "kpis": "KPIs"}[i] for i in roll.include)
    if roll.rule == "share":
        objectives = (
            f"Rolled up from the objective's rated {items}: Red when {_pts(roll.red_share)}% or "
            f"more are red; Amber when {_pts(roll.amber_share)}% or more are red or amber; "
            "otherwise Green. The counts are shown beside it."
        )
    else:
        objectives = (
            f"The worst rating among the objective's {items} that can be rated, with the "
            "counts beside it."
        )
    return (
        (
            "actions",
            "Complete is shown blue; cancelled actions are listed apart and not counted. Not due "
            "to start yet: Grey. Past the due date and not complete: Red. Not started after its "
            "start date, or on hold: Amber. Progress more than "
            f"{_pts(rag.red_behind)} points behind the progress expected by now: Red; more than "
            f"{_pts(rag.amber_behind)} points behind: Amber. Otherwise Green. The owner's own "
            "rating counts when it is worse; an override by a plan administrator is shown with "
            "its reason. The progress expected by now runs straight from the start to the due "
            "date, or from milestone to milestone where the plan sets them.",
        ),
        (
            "KPIs",
            "Green on or better than target; Amber within the KPI's tolerance (a percentage of "
            "the target); Red beyond it; Grey without data, or when the figure is confidential "
            f"({MARKER}, counts from 1 to {threshold - 1}); contextual indicators have no "
            "target. Direction of travel compares the latest period with the one before and "
            "with a year ago.",
        ),
        ("objectives", objectives),
    )
