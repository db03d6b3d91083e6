"""The KPI trend charts: every KPI's line chart is the same chart with its own title and rows.

A pack of 60 KPIs has 60 line charts. Building each one with openpyxl's chart
objects and serialising it again took a quarter of the pack's build time
(docs/benchmarks.md), though they differ only in their title, the unit on the
y axis, the rows they plot and whether a target line is drawn. So openpyxl builds
and serialises one chart of each shape (``line_chart``), with placeholder text and
rows; each KPI's chart is that XML with its own values put in, escaped as XML.
``tests/test_reports.py`` checks the result is byte for byte what openpyxl gives
for the same chart built directly.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

_TITLE, _UNIT = "TRACKER-CHART-TITLE", "TRACKER-CHART-UNIT"
_FIRST, _LAST = 900001, 900002  # placeholder rows: no sheet of a pack gets that long


def line_chart(ws: Any, *, title: str, unit: str, first: int, last: int, target: bool) -> Any:
    """A line chart of column D (value), and F (target) when ``target``, by column C (period),
    for rows ``first`` to ``last`` of ``ws``; add it with ``ws.add_chart``."""
    cache: dict[Any, bytes] = ws.parent.__dict__.setdefault("_tracker_charts", {})
    single = first == last  # a one-row range is written as one cell ($D$7, not $D$7:$D$7)
    key = (ws.title, target, single)
    xml = cache.get(key)
    if xml is None:
        end = _FIRST if single else _LAST
        xml = cache[key] = _serialised(build_line_chart(ws, _TITLE, _UNIT, _FIRST, end, target))
    text = (
        xml.replace(_TITLE.encode(), _text(title))
        .replace(_UNIT.encode(), _text(unit))
        .replace(f"${_FIRST}".encode(), f"${first}".encode())
        .replace(f"${_LAST}".encode(), f"${last}".encode())
    )
    chart = _filled_class()()
    chart.height, chart.width = 7.0, 16.0
    chart.tracker_xml = text
    return chart


def _filled_class() -> Any:
    """A LineChart whose XML is given (``tracker_xml``) rather than built from its parts."""
    global _FILLED
    if _FILLED is None:
        from openpyxl.chart import LineChart
        from openpyxl.xml.functions import fromstring

        class Filled(LineChart):
            tracker_xml = b""

            def _write(self) -> Any:
                return fromstring(self.tracker_xml)

        _FILLED = Filled
    return _FILLED


_FILLED: Any = None


def build_line_chart(ws: Any, title: str, unit: str, first: int, last: int, target: bool) -> Any:
    """The chart as openpyxl builds it (the template, and what tests compare against)."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.chart.series import SeriesLabel

    chart = LineChart()
    chart.title = title
    chart.y_axis.title = unit
    chart.x_axis.title = "Period"
    chart.height, chart.width = 7.0, 16.0
    chart.display_blanks = "gap"
    chart.add_data(Reference(ws, min_col=4, min_row=first, max_row=last))
    if target:
        chart.add_data(Reference(ws, min_col=6, min_row=first, max_row=last))
    chart.set_categories(Reference(ws, min_col=3, min_row=first, max_row=last))
    for series, label in zip(chart.series, ["Value", "Target"], strict=False):
        series.tx = SeriesLabel(v=label)
    return chart


def _serialised(chart: Any) -> bytes:
    from openpyxl.xml.functions import tostring

    return bytes(tostring(chart._write()))


def _text(value: str) -> bytes:
    """``value`` as XML element text: one line, escaped, no characters XML cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    one_line = ILLEGAL_CHARACTERS_RE.sub("", " ".join(value.split("\n")))
    return escape(one_line).encode("utf-8")
