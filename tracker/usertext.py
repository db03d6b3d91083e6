"""Text people type: cleaned before it is stored, and never run as code.

Notes on updates and KPI values end up in tables, packs and emails, so they are
stored without control or bidi-override characters (which can disguise text)
and within a length a reader will actually read (``clean_note``).

Excel, LibreOffice and openpyxl treat a cell starting with = (and, on typing
or on opening a CSV, + - @, a tab or a carriage return) as a formula. Anything
that writes people's text to a CSV or a workbook asks ``looks_like_formula``
and then writes the text so that it stays text (a leading apostrophe in CSV,
a string cell with quotePrefix in XLSX).
"""

from __future__ import annotations

import unicodedata

from tracker.errors import InvalidValueError

NOTE_MAX = 2000
_KEEP = {"\n"}  # layout kept in notes; every other control or format character is removed


def clean_note(note: str | None) -> str | None:
    """The note without control or bidi-override characters; tabs become spaces; None if empty."""
    if note is None:
        return None
    text = note.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf"))
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidValueError(
            f"note is {len(text)} characters long, the limit is {NOTE_MAX}",
            hint="shorten it (put long reports in the Steering Group pack)",
        )
    return text or None


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_START)
