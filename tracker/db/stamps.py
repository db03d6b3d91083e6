"""The time a row is written: the one clock read allowed below the command line.

A record's timestamp (when an update, import or pack was recorded) is a fact
about the write, not the date a report is for, so it is read here rather than
passed down. Kept apart from the table models so that commands that write
with SQL alone (a data import) need not build the ORM to stamp their rows.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored datetime is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
