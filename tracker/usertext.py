"""Text people type: cleaned and screened before it is stored, and never run as code.

Notes on updates and KPI values, return narratives and rating override reasons
end up in tables, packs and emails sent to many agencies, so:

* ``clean_note`` stores them without control characters, noncharacters (U+FFFE,
  U+FFFF, which XML cannot hold), bytes that were not UTF-8, or bidi overrides
  (U+202A-U+202E, U+2066-U+2069 and the marks U+200E/U+200F, which can make
  text read backwards in a table or CSV), and within a length a reader will
  actually read. The joiners inside emoji (U+200D, and the tag characters of
  flags such as England's) are kept, so a family stays one family.
* ``screen_free_text`` refuses text holding identifying data -- an email
  address other than the plan's own, a postcode, a National Insurance or NHS
  number, a phone number, or a date the wording shows is a date of birth --
  with the same rules that refuse such values in data files
  (``tracker.privacy``). The error names the kind of value, never the value,
  because error messages end up in terminals, logs and emails. Every place
  that stores free text calls it before anything is written.

Excel, LibreOffice and openpyxl treat a cell starting with = (and, on typing
or on opening a CSV, + - @, a tab or a carriage return) as a formula. Anything
that writes people's text to a CSV or a workbook asks ``looks_like_formula``
and then writes the text so that it stays text (a leading apostrophe in CSV,
a string cell with quotePrefix in XLSX).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from tracker.errors import InvalidValueError
from tracker.privacy import identifying_values, kinds_text

NOTE_MAX = 2000
_KEEP = {"\n"}  # layout kept in notes; every other control or format character is removed
ZWJ = "\u200d"
_TAGS = range(0xE0020, 0xE0080)  # the tag characters of subdivision flags (England, Wales...)
_BLACK_FLAG = "\U0001f3f4"


def clean_note(note: str | None) -> str | None:
    """The note without control or bidi-override characters; tabs become spaces; None if empty.

    Zero-width joiners between two visible characters (inside an emoji sequence)
    and the tag characters after a black flag are kept; any other format
    character (category Cf) is removed.
    """
    if note is None:
        return None
    text = note.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = strip_format_characters(text)
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise InvalidValueError(
            f"note is {len(text)} characters long, the limit is {NOTE_MAX}",
            hint="shorten it (put long reports in the Steering Group pack)",
        )
    return text or None


def no_document_holds(ch: str) -> bool:
    """True for a character no workbook, document or email can hold: the stand-ins Python
    makes for bytes that were not UTF-8 (a terminal in another encoding), and the
    noncharacters (U+FDD0-U+FDEF, U+FFFE, U+FFFF and the like in every plane). XML refuses
    them, so one in a note or the plan would stop every pack that shows it."""
    code = ord(ch)
    return 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def strip_format_characters(text: str) -> str:
    """``text`` without control and format characters, except the joiners of emoji."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _KEEP:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Cc" or no_document_holds(ch):
            continue
        if category == "Cf":
            if ch == ZWJ and out and _visible(out[-1]) and i + 1 < len(text):
                if _visible(text[i + 1]):
                    out.append(ch)
            elif ord(ch) in _TAGS and out and (out[-1] == _BLACK_FLAG or ord(out[-1]) in _TAGS):
                out.append(ch)
            continue
        out.append(ch)
    return "".join(out)


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")


_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def has_bidi_control(text: str) -> bool:
    """True when ``text`` holds a bidi override, embedding, isolate or mark character."""
    return _BIDI_CONTROL.search(text) is not None


def plan_addresses(plan: Any) -> frozenset[str]:
    """The email addresses the plan itself names (owners, recipients), in lower case.

    These may appear in free text: they are roles in partner organisations,
    not the people the data are about.
    """
    found = {str(o.email).lower() for o in plan.owners}
    d = plan.distribution
    for group in (d.steering_group, d.chair, d.administrators):
        found.update(str(e).lower() for e in group)
    return frozenset(found)


def screen_free_text(text: str | None, *, field: str, allowed_emails: Iterable[str] = ()) -> None:
    """Refuse ``text`` if it holds identifying data; ``field`` names it in the message.

    ``allowed_emails`` are addresses that may appear (``plan_addresses(plan)``).
    Raises InvalidValueError naming every kind found ("a postcode and a phone
    number"), never the value. Call it before anything is written.
    """
    if not text:
        return
    allowed = frozenset(e.lower() for e in allowed_emails)
    kinds = identifying_values(text, allowed_emails=allowed)
    if kinds:
        raise InvalidValueError(
            f"{field} holds what looks like {kinds_text(kinds)}; tracker never stores "
            "identifying data and nothing was saved",
            hint="write about people by role, never by name, contact details or date of "
            "birth, and give the text again",
        )


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_START)
