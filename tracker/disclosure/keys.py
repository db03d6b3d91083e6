"""The names a single table's solver and its network share: cells, margins, kinds of hiding.

Kept apart so that ``tracker.disclosure.table`` (the solver) and
``tracker.disclosure.network`` (its two-way case) both import them and not
each other.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Literal, Protocol

Key = tuple[Hashable, ...]
"""A cell's coordinates: one value per dimension (None is allowed, e.g. for "not known")."""
Level = tuple[int, ...]
"""The dimensions a margin keeps (sorted); () is the grand total, all of them the table itself."""
Kind = Literal["primary", "secondary"]

PRIMARY: Kind = "primary"
SECONDARY: Kind = "secondary"

Corner = tuple[Key, int]  # a cell and the amount (+1 or -1) a witness moves it by


class CountsView(Protocol):
    """What the network reads from the solver: the threshold, counts and headroom."""

    t: int

    def values(self, level: Level) -> dict[Key, int]: ...

    def headroom(self, level: Level, key: Key) -> int | None: ...
