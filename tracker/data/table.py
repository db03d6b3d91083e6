"""What every reader gives the importer: a header and numbered rows, or one clear refusal.

``Table.rows`` is a list for workbooks and small callers, and a stream for a
CSV file opened with ``open_table``, so that a file of a million rows is never
held in memory at once (the importer checks and stages it in chunks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import TrackerError


class UnreadableFileError(TrackerError):
    """The file itself cannot be read as data (empty, wrong kind, macro-enabled, a zip bomb)."""

    def __init__(self, file: str, problem: str, *, hint: str) -> None:
        super().__init__(f"{file} {problem}", hint=hint)


@dataclass
class Table:
    """A file's header and data rows, each row with the line or row number the user sees."""

    file: str  # the file name as shown in messages
    header_line: int
    headers: list[str]
    rows: Iterable[tuple[int, list[Any]]] = field(default_factory=list)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)  # every worksheet of a workbook
    encoding: str | None = None
    delimiter: str | None = None
    size: int | None = None  # bytes of a CSV (for progress while it streams)
    position: Any = None  # () -> bytes read so far, for a streamed CSV


def is_blank_row(cells: list[Any]) -> bool:
    for c in cells:
        if c is None:
            continue
        if isinstance(c, str):
            if c.strip():
                return False
        else:
            return False
    return True


def split_header(file: str, rows: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[str]]:
    for line, cells in rows:
        if not is_blank_row(cells):
            headers = ["" if c is None else str(c).strip() for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            return line, headers
    raise UnreadableFileError(
        file, "has no header row", hint="put the column names in the first row and add the data"
    )
