"""The plan's own words checked as the free text they are: one line where one is meant, and
no identifying data anywhere.

Titles, roles and organisation names go into packs, emails and their subject lines, sent to
every partner. So a value holding a line break or another control character where one line
is meant (a meeting title with ``\\r\\nBcc:`` in it) is refused when the plan is checked,
not when a message is built; and every text value passes the same screen as update notes
(``tracker.privacy``): a phone number in an owner's role is refused as it would be in a
note. The plan's own addresses (owners and distribution) are roles, and are allowed.

The check reads the plain data the YAML gave, before the schema, so every value is reached
with its line, whatever else is wrong with the plan.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from tracker.errors import Problem
from tracker.plan.lines import LineMap, Path_
from tracker.privacy import identifying_values, kinds_text
from tracker.usertext import has_bidi_control, no_document_holds

# Keys whose text may run over several lines; every other text value is one line.
MULTI_LINE = frozenset({"description", "outcome", "reason", "low_threshold_acknowledged"})
_ALLOWED_CONTROLS = frozenset("\n\t")


def _strings(node: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


def _key(path: Path_) -> str:
    return next((p for p in reversed(path) if isinstance(p, str)), "")


def plan_emails(data: Any) -> frozenset[str]:
    """The addresses the plan data names: its owners' and its distribution lists', lower case."""
    found: set[str] = set()
    if not isinstance(data, dict):
        return frozenset()
    owners = data.get("owners")
    for owner in owners if isinstance(owners, list) else []:
        if isinstance(owner, dict) and isinstance(owner.get("email"), str):
            found.add(owner["email"].strip().lower())
    distribution = data.get("distribution")
    if isinstance(distribution, dict):
        for group in distribution.values():
            for address in group if isinstance(group, list) else []:
                if isinstance(address, str):
                    found.add(address.strip().lower())
    return frozenset(found)


def _control(text: str, one_line: bool) -> str | None:
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cc" and (one_line or ch not in _ALLOWED_CONTROLS):
            return "a line break" if ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85" else "a control character"
        if ch in "\u2028\u2029" and one_line:
            return "a line break"
        if has_bidi_control(ch):  # makes text read backwards in a table, an email, a terminal
            return f"a bidi control (U+{ord(ch):04X}), which makes text read backwards"
        if no_document_holds(ch):
            return f"a character no workbook or email can hold (U+{ord(ch):04X})"
    return None


def check_text(data: Any, lines: LineMap, file: str) -> list[Problem]:
    """A problem for each text value of the plan that is not one line where one is meant, or
    that holds what looks like identifying data."""
    allowed = plan_emails(data)
    problems = []
    for path, text in _strings(data, ()):
        key = _key(path)
        where = lines.line(path)
        found = _control(text.strip(), one_line=key not in MULTI_LINE)
        if found:
            hint = "keep it on one line" if found == "a line break" else "remove it"
            problems.append(Problem(file, where, f"{key}: the text holds {found}; {hint}"))
            continue
        kinds = identifying_values(text, allowed_emails=allowed)
        if kinds:
            problems.append(
                Problem(
                    file,
                    where,
                    f"{key}: the text holds what looks like {kinds_text(kinds)}; the plan goes "
                    "into packs and emails sent to every partner: write roles, never people "
                    "or their contact details",
                )
            )
    return problems
