"""The values emails are built from: plain frozen dataclasses, filled in by whoever sends.

Figures reach an email only through these values, already protected by
disclosure control: a KPI's ``value`` is the text the pack's protected
publication shows (``12``, ``[c]``, ``45%``), and mail never computes, sums
or reformats a figure. Counts of actions by rating are counts of work items,
not of people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Sender:
    """Who the emails come from, and what every subject and footer says."""

    address: str
    name: str | None = None
    partnership: str = ""
    reply_to: str | None = None
    marking: str | None = None  # protective marking, e.g. OFFICIAL-SENSITIVE

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Contact:
    """An owner as emails address them: by role (never a person's name)."""

    role: str
    email: str
    organisation: str | None = None


@dataclass(frozen=True)
class MeetingRef:
    id: str
    title: str
    date: date


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes = field(repr=False)
    content_type: str = XLSX


@dataclass(frozen=True)
class ActionLine:
    """One of an owner's actions as the return request lists it."""

    id: str
    title: str
    due: date
    rating: str  # green | amber | red | grey | complete
    status: str | None = None  # e.g. "in progress"
    progress: int | None = None  # per cent


@dataclass(frozen=True)
class ReturnRequest:
    """Asks an owner to fill in their return workbook before the deadline."""

    owner: Contact
    meeting: MeetingRef
    deadline: date
    actions: tuple[ActionLine, ...]
    workbook: Attachment


@dataclass(frozen=True)
class Chaser:
    """Reminds an owner whose return has not arrived by the deadline."""

    owner: Contact
    meeting: MeetingRef
    deadline: date
    actions: tuple[ActionLine, ...]
    workbook: Attachment | None = None
    round: int = 1  # the first chaser, the second...: each is a message of its own


@dataclass(frozen=True)
class ObjectiveRow:
    """An objective in the RAG summary: its rating and how many actions have each rating."""

    id: str
    title: str
    rating: str
    counts: tuple[tuple[str, int], ...] = ()  # (rating, number of actions), in order shown
    kpi_counts: tuple[tuple[str, int], ...] = ()  # (rating, number of KPIs) in its rating


@dataclass(frozen=True)
class ExceptionItem:
    """A red or overdue item: the meeting's agenda."""

    id: str
    title: str
    rating: str
    reason: str
    owner: str | None = None  # a role
    narrative: str | None = None
    mitigation: str | None = None


@dataclass(frozen=True)
class KpiHeadline:
    """A headline KPI as the pack shows it; ``value`` and ``target`` are shown text."""

    id: str
    name: str
    value: str
    rating: str  # green | amber | red | grey | contextual
    target: str | None = None
    period: str | None = None
    trend: str | None = None  # up (improved) | down (worse) | level | None: by the KPI's direction


@dataclass(frozen=True)
class PackSummary:
    """What the pack email carries in its body: taken from the compiled pack, never recomputed."""

    as_of: date
    objectives: tuple[ObjectiveRow, ...]
    exceptions: tuple[ExceptionItem, ...] = ()
    kpis: tuple[KpiHeadline, ...] = ()
    note: str | None = None  # e.g. how hidden figures are marked


@dataclass(frozen=True)
class PackEmail:
    """The Steering Group pack to its distribution list."""

    recipients: tuple[str, ...]
    meeting: MeetingRef
    summary: PackSummary
    pack: Attachment


@dataclass(frozen=True)
class ReviewEmail:
    """The strategy review to the chair: the review workbook and the draft paper."""

    recipients: tuple[str, ...]
    meeting: MeetingRef
    as_of: date
    workbook: Attachment
    paper: Attachment
    objectives: tuple[ObjectiveRow, ...] = ()


@dataclass(frozen=True)
class AlertEmail:
    """A notice to the plan's administrators (the scheduler's failed or missed dispatches).

    ``fingerprint`` identifies what is reported (e.g. the dispatches and their states):
    the same report gets the same Message-ID, so it is never delivered twice.
    """

    recipients: tuple[str, ...]
    title: str
    intro: str
    items: tuple[str, ...]
    advice: tuple[str, ...] = ()
    fingerprint: str = ""
