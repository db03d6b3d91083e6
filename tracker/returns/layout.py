"""Where everything sits in a return workbook: shared by the builder and the reader.

One sheet ("Return") holds the instructions, then one row per action: locked
columns (what the tracker holds) on the left, input columns (the owner's
update) on the right. A hidden "Lists" sheet holds the drop-down values,
referenced by defined names. A very hidden "tracker" sheet and the workbook's
custom document properties each hold the signed manifest.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from tracker.plan.schema import STATUSES
from tracker.rag import OWNER_RATINGS as RAGS

RETURN_SHEET = "Return"
LISTS_SHEET = "Lists"
MANIFEST_SHEET = "tracker"
STATUS_LIST = "StatusList"  # defined names of the drop-down ranges
RAG_LIST = "RagList"

# Custom document properties: the manifest in parts (Excel shows at most 255 characters of
# a text property, so no part is longer), how many parts, and the signature.
PROP_PREFIX = "tracker.return"
PROP_PART = PROP_PREFIX + ".manifest.{n}"
PROP_PARTS = PROP_PREFIX + ".parts"
PROP_SIGNATURE = PROP_PREFIX + ".signature"
PROP_PART_CHARS = 250
SHEET_PART_CHARS = 30_000  # a cell holds at most 32,767 characters

GROUP_ROW = 9  # "What the tracker holds" / "Your update"
HEADER_ROW = 10
FIRST_ROW = 11  # the first action


@dataclass(frozen=True)
class Column:
    letter: str
    key: str
    heading: str
    width: float
    locked: bool
    limit: int | None = None  # characters, for free text


COLUMNS = (
    Column("A", "id", "Action", 9, True),
    Column("B", "title", "Title", 44, True),
    Column("C", "due", "Due", 12, True),
    Column("D", "last_status", "Last status", 13, True),
    Column("E", "last_progress", "Last progress %", 11, True),
    Column("F", "last_rag", "Last own RAG", 10, True),
    Column("G", "last_on", "Last update", 12, True),
    Column("H", "status", "Status", 15, False),
    Column("I", "progress", "Progress %", 11, False),
    Column("J", "rag", "Your RAG", 10, False),
    Column("K", "narrative", "Narrative: what happened", 48, False, 1200),
    Column("L", "next_steps", "Next steps", 32, False, 350),
    Column("M", "risks", "Risks and issues", 32, False, 350),
)
LOCKED = tuple(c for c in COLUMNS if c.locked)
INPUTS = tuple(c for c in COLUMNS if not c.locked)
BY_KEY = {c.key: c for c in COLUMNS}
LAST_COLUMN = COLUMNS[-1].letter

STATUS_LABELS = {code: code.replace("_", " ").capitalize() for code in STATUSES}
RAG_LABELS = {code: code.capitalize() for code in RAGS}
# In the note stored with the update, after the narrative.
NOTE_LABELS = {"next_steps": "Next steps", "risks": "Risks and issues"}


def compose_note(narrative: str | None, sections: dict[str, str | None]) -> str | None:
    """The note stored with an update: the narrative, then each labelled section given.

    ``sections`` maps NOTE_LABELS keys (next_steps, risks) to the owner's text.
    ``split_note`` reads it back.
    """
    parts = [narrative] if narrative else []
    for key, label in NOTE_LABELS.items():
        text = sections.get(key)
        if text:
            parts.append(f"{label}: {text}")
    return "\n".join(parts) or None


def split_note(note: str | None) -> tuple[str | None, dict[str, str]]:
    """A stored note as (narrative, {NOTE_LABELS key: text}): ``compose_note`` read back.

    A line that starts with a label and a colon ("Next steps: ...") starts that
    section, which runs to the next labelled line; everything before the first is the
    narrative. A note with no labelled line is all narrative.
    """
    if not note:
        return None, {}
    by_label = {label.casefold(): key for key, label in NOTE_LABELS.items()}
    narrative: list[str] = []
    sections: dict[str, list[str]] = {}
    current = narrative
    for line in note.split("\n"):
        head, colon, rest = line.partition(":")
        key = by_label.get(head.strip().casefold()) if colon else None
        if key is not None:
            current = sections.setdefault(key, [])
            if rest.strip():
                current.append(rest.strip())
        else:
            current.append(line)
    text = "\n".join(narrative).strip() or None
    return text, {k: "\n".join(v).strip() for k, v in sections.items() if "\n".join(v).strip()}


def status_label(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "")


def rag_label(code: str | None) -> str:
    return RAG_LABELS.get(code or "", code or "")


def encode(payload: str) -> str:
    """The manifest as stored: base64, so a part never starts or ends with a space."""
    return base64.b64encode(payload.encode("utf-8")).decode("ascii")


def decode(stored: str) -> str | None:
    """The manifest text from what is stored, or None when it is not base64 of UTF-8."""
    try:
        return base64.b64decode("".join(stored.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
