"""User text is never code: the one test for text a spreadsheet would run as a formula.

Excel, LibreOffice and openpyxl treat a cell starting with = (and, on typing
or on opening a CSV, + - @, a tab or a carriage return) as a formula. Anything
that writes people's text to a CSV or a workbook asks ``looks_like_formula``
and then writes the text so that it stays text (a leading apostrophe in CSV,
a string cell with quotePrefix in XLSX).
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_START)
