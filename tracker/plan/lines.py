"""Where each value of the plan file starts: the line numbers every plan problem names.

Its own module so that the loader (which builds the map while reading YAML) and
the cross-checks in ``tracker.plan.validate`` (which report against it) both
use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LineMap:
    """Where each value of the document starts, by its path of keys and indexes."""

    lines: dict[Path_, int]

    def line(self, path: Sequence[str | int]) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)
