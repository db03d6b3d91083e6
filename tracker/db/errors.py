"""Database failures turned into errors a person can act on, for the CLI and the jobs alike.

SQLAlchemy reports a busy SQLite file or an unreachable server as an
``OperationalError`` whose text comes from the driver. Reading that text is done
here, once, so the command line and the scheduler say the same thing: which
failure it was, that nothing was written, and what to do.
"""

from __future__ import annotations

from tracker.db import engine as _engine
from tracker.errors import DatabaseError


class DatabaseBusyError(DatabaseError):
    """Another writer held the database for longer than the busy timeout."""


class DatabaseReadOnlyError(DatabaseError):
    """A command that changes data was run on a database this user may only read."""


READ_ONLY_HINT = (
    "run it on the working database (ask the officer who keeps it); commands that only read, "
    "such as status and kpi show, work on this one (docs/database.md)"
)


def read_only_error(where: str | None) -> DatabaseReadOnlyError:
    """The one error a change refused by a read-only database gives, whoever found it."""
    return DatabaseReadOnlyError(
        f"the database{f' {where}' if where else ''} is read-only for you and this command "
        "changes data; nothing was changed",
        hint=READ_ONLY_HINT,
    )


def first_line(exc: BaseException) -> str:
    """The driver's own message (first line), or the exception's class name."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(getattr(exc, "orig", None) or exc).__name__


def translate_database_error(exc: BaseException) -> DatabaseError | None:
    """The ``DatabaseError`` to report for ``exc``, or None when it is not a database failure."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and _refused_as_read_only(exc):
        return read_only_error(None)
    if not isinstance(exc, OperationalError):
        return None
    first = first_line(exc)
    if "database is locked" in first:
        seconds = max(1, _engine.SQLITE_BUSY_TIMEOUT_MS // 1000)
        return DatabaseBusyError(
            f"the database stayed busy for {seconds} second{'s' if seconds != 1 else ''} (another "
            "tracker command or the scheduler is writing); nothing was written",
            hint="try again in a minute",
        )
    return DatabaseError(f"database error: {first}; check the database is reachable and try again")


def _refused_as_read_only(exc: BaseException) -> bool:
    """SQLite's "readonly database", or PostgreSQL refusing a write (no grant, read-only)."""
    first = first_line(exc)
    if "readonly database" in first:
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    statement = (getattr(exc, "statement", None) or "").lstrip().upper()
    if code == "42501" and statement.startswith("SELECT"):
        return False  # not even allowed to read: a different problem
    # 42501: insufficient privilege; 25006: read-only transaction (a standby, or a read-only role)
    return code in ("42501", "25006")
