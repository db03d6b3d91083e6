"""What a summary groups and filters on: the ``Dimension`` of a data set and a ``Condition``.

Shared by ``tracker.data.summary`` (which builds dimensions from the plan) and
``tracker.data.summary_count`` (which counts over them in SQL), so that neither
has to import the other.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tracker.periods import Grain

UNKNOWN_VALUES = frozenset(
    {"not known", "not specified", "unknown", "not stated", "not recorded", "prefer not to say"}
)

Value = Hashable  # str, int or None


def norm(text: str) -> str:
    """Text compared as people mean it: spaces collapsed, any case."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Dimension:
    """One way of grouping rows: a stored (declared or derived) field, or the period."""

    name: str  # the key in each row: a field name, or "period"
    heading: str  # the column heading for people
    source: str  # the key in DataRecord.values
    kind: Literal["category", "group", "period", "date", "integer", "text"]
    declared: tuple[str, ...] = ()  # category and group values, in the plan's order
    unknown_value: str | None = None  # the declared value that means unknown, if any
    aliases: dict[str, str] = field(default_factory=dict)  # normalised spelling -> canonical
    grain: Grain | None = None  # for periods
    # Values shown to people under another label: a category value that also names a group
    # with other members counts only the rows recorded at that level, not the group's.
    labels: dict[str, str] = field(default_factory=dict)

    def is_unknown(self, value: Value) -> bool:
        return value is None or (
            self.kind in ("category", "group")
            and isinstance(value, str)
            and norm(value) in UNKNOWN_VALUES
        )

    def unknown_key(self) -> Value:
        return self.unknown_value


@dataclass(frozen=True)
class Condition:
    """One ``--where`` filter: a dimension and the canonical value it must have."""

    dim: Dimension
    value: Value  # canonical
