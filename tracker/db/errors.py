"""Database failures turned into errors a person can act on, for the CLI and the jobs alike.

SQLAlchemy reports a busy SQLite file or an unreachable server as an
``OperationalError`` whose text comes from the driver. Reading that text is done
here, once, so the command line and the scheduler say the same thing: which
failure it was, that nothing was written, and what to do.
"""

from __future__ import annotations

from tracker.db.engine import SQLITE_BUSY_TIMEOUT_MS
from tracker.errors import DatabaseError


class DatabaseBusyError(DatabaseError):
    """Another writer held the database for longer than the busy timeout."""


def first_line(exc: BaseException) -> str:
    """The driver's own message (first line), or the exception's class name."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(getattr(exc, "orig", None) or exc).__name__


def translate_database_error(exc: BaseException) -> DatabaseError | None:
    """The ``DatabaseError`` to report for ``exc``, or None when it is not a database failure."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    first = first_line(exc)
    if "database is locked" in first:
        seconds = SQLITE_BUSY_TIMEOUT_MS // 1000
        return DatabaseBusyError(
            f"the database stayed busy for {seconds} seconds (another tracker command or the "
            "scheduler is writing); nothing was written",
            hint="try again in a minute",
        )
    return DatabaseError(f"database error: {first}; check the database is reachable and try again")
