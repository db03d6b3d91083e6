"""Screening a whole column of text cells at once: which chunks need the cell-by-cell check.

Every text cell of a data file is checked for identifying values (e-mail
addresses, postcodes, NI, NHS and phone numbers, dates of birth), bidi control
characters, Excel error values and length (``tracker.data.fields``). Run cell
by cell, the regular expressions of ``tracker.privacy`` cost about a
microsecond per character of a reference, which made them the largest single
cost of an import. Most columns hold none of these, and that can be shown for
a whole chunk of cells in a few passes at C speed over the cells joined
together.

``column_clear`` tests conditions that every one of those checks **needs**
before it can match. Each is a plain substring test on the joined text after a
``str.translate`` (digits become ``9``, letters of a class become one letter);
when none holds, no cell can fail any check, and the cells are the stored
values as they are. When any holds -- for one real reference or for a
harmless coincidence -- the caller checks that chunk's column cell by cell
exactly as before. So this only decides how fast a column is checked, never
what is refused. Text that is not ASCII always goes cell by cell (bidi
controls, full-width and other scripts' digits, and the compatibility folding of
``privacy.screened_form`` are left to the exact check).

What each check needs (ASCII text; the patterns are those of tracker.privacy):

* e-mail address: ``@``, or ``at)`` / ``at]`` in any case ('name(at)example.org');
  phone number with +44: ``+``; Excel error: ``#``;
* postcode: a digit followed by two letters of the inward code
  ``[ABD-HJLNP-UW-Z]``, in either case;
* NHS number (by its check digit or after the word NHS), or a phone number
  (from 0, 0044 or +44, or after a word such as "mob" without its 0): nine
  digits once whitespace, hyphens, dots, slashes, underscores and brackets are
  removed, and the control characters screened_form drops (cells are joined with
  "|", which is none of these);
* National Insurance number: six digits followed by A-D (either case) once
  the same separators are removed;
* date of birth: ``dob``, ``d.o``, ``do.b``, ``birth`` or ``born``, in any case;
* longer than the limit: the length of the longest cell.

``PATTERNS`` is the fingerprint of the privacy patterns these conditions were
derived from. If tracker.privacy changes, the fingerprint no longer matches,
the shortcut switches itself off (every cell is checked one by one, as
safe as before and slower) and a test fails until the conditions here are
reviewed against the new patterns and the fingerprint updated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from tracker import privacy

# sha256 of the privacy patterns (source and flags) the conditions above were written for.
PATTERNS = "812375b59ae05e76987f3dc8081de357c7217c80e1ace583ff4e7076eb426738"

_DIGITS = "0123456789"
# What the patterns allow between digits, and the ASCII whitespace screened_form reads as one
# space (a run of it between two digits could be read as a separator).
_SEPARATORS = "-.()/_" + "".join(
    c
    for c in map(chr, range(128))
    if re.match(r"\s", c) or re.match(r"[\x00-\x08\x0e-\x1b\x7f]", c)
)
# Digits to 9, separators removed, A-D of either case to B (NHS, phone, NI).
_NUMBERS = str.maketrans(
    {**dict.fromkeys(_DIGITS, "9"), **dict.fromkeys(_SEPARATORS)} | {c: "B" for c in "ABCDabcd"}
)
# Digits to 9, the inward code's letters in either case to A (postcode).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_INWARD = str.maketrans(
    {**dict.fromkeys(_DIGITS, "9"), **dict.fromkeys(_INWARD_LETTERS + _INWARD_LETTERS.lower(), "A")}
)
# Cells are joined with a character no pattern reads as a separator (nor screened_form
# drops), so that two cells never run together into one number.
_BETWEEN = "|"
_BIRTH_WORDS = ("dob", "d.o", "do.b", "birth", "born")
_NOT_PLAIN_JSON = re.compile(r'[\x00-\x1f\x7f"\\]')


def fingerprint() -> str:
    """The sha256 of the privacy patterns today (compared with ``PATTERNS``)."""
    digest = hashlib.sha256()
    for pattern in (
        privacy._ANY,
        privacy._EMAIL,
        privacy._POSTCODE,
        privacy._POSTCODE_ANY_CASE,
        privacy._NI_NUMBER,
        privacy._TEN_DIGITS,
        privacy._NHS_WORDED,
        privacy._UK_PHONE,
        privacy._PHONE_WORDED,
        privacy._BIRTH_DATE,
    ):
        digest.update(f"{pattern.flags}:{pattern.pattern}\n".encode())
    return digest.hexdigest()


ENABLED = fingerprint() == PATTERNS


def column_clear(texts: Sequence[str], limit: int) -> bool:
    """True when no cell of ``texts`` (stripped, non-empty) can fail the text checks.

    False means only "check these cells one by one", never that one is refused.
    """
    if not ENABLED or not texts:
        return False
    joined = _BETWEEN.join(texts)
    if not joined.isascii() or "@" in joined or "+" in joined or "#" in joined:
        return False
    lowered = joined.lower()
    if "at)" in lowered or "at]" in lowered:  # 'name(at)example.org'
        return False
    if max(map(len, texts)) > limit:
        return False
    numbers = joined.translate(_NUMBERS)
    if "999999999" in numbers or "999999B" in numbers:
        return False
    if "9AA" in joined.translate(_INWARD):
        return False
    return not any(word in lowered for word in _BIRTH_WORDS)


def plain_json(texts: Sequence[str]) -> bool:
    """True when each text's JSON is the text itself in double quotes (nothing to escape).

    Only meaningful for ASCII text (``column_clear`` has checked that).
    """
    return _NOT_PLAIN_JSON.search(" ".join(texts)) is None
