"""Building an engine from settings, and transactions that are safe under concurrency.

No engine exists at import time: commands call ``make_engine(settings.url)``
and pass the engine (or sessions made from it) down. On SQLite the
connection is set up for a command line and a scheduler writing at once: WAL
journal, foreign keys enforced, a busy timeout, and every transaction opened
with ``BEGIN IMMEDIATE`` so two writers queue instead of failing half way.
A read that must not queue behind a writer (WAL lets readers go on while
someone writes) runs on ``reading(engine)``, which begins a plain transaction.

Commands that only read (``status``, ``kpi show``...) ask for
``make_engine(url, read_only=True)``: it never writes, so it works on a copy
the user may read but not change (docs/database.md). On SQLite a file the user
may write is opened as usual but with ``PRAGMA query_only``; a file they may
not is opened with SQLite's ``mode=ro``, and, when that cannot work (a WAL file
copied without its ``-shm`` into a folder they may not write), as ``immutable``.
On PostgreSQL every transaction is ``READ ONLY``, so a role with only SELECT
grants is enough.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from tracker.errors import DatabaseError

if TYPE_CHECKING:
    from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_PAGE_SIZE = 16_384  # bytes, for databases created from now on


def make_engine(url: str, *, echo: bool = False, read_only: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, busy timeout and BEGIN IMMEDIATE.

    ``read_only``: an engine that cannot write (see the module docstring), for commands
    that only read.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        shown = re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)  # never print a password
        raise DatabaseError(
            f"database URL '{shown}' is not valid",
            hint="give a SQLAlchemy URL such as sqlite:///tracker.db or "
            "postgresql+psycopg://user@host/dbname",
        ) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise DatabaseError(
            f"database URL '{url}' names no file: an in-memory database forgets everything "
            "when the command ends",
            hint="give a file, e.g. sqlite:///tracker.db, or leave --database out",
        )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
            opener = _read_only_opener(parsed, timeout) if read_only else None
            if opener is not None:
                engine = create_engine(parsed, echo=echo, creator=opener)
            else:
                engine = create_engine(parsed, echo=echo, connect_args={"timeout": timeout})
            _configure_sqlite(engine, read_only=read_only)
        elif read_only:
            engine = create_engine(
                parsed,
                echo=echo,
                pool_pre_ping=True,
                connect_args={"options": "-c default_transaction_read_only=on"},
            )
        else:
            engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"no driver for database URL '{parsed.render_as_string(hide_password=True)}'",
            hint="use sqlite:/// or postgresql+psycopg://",
        ) from exc
    return engine


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names (``file:`` URIs too), or None for other databases.

    None, too, for a URL that does not parse: ``make_engine`` reports that one.
    """
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    name = parsed.database
    if name.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        name = unquote(urlsplit(name).path)
    return Path(name)


def says_read_only(url: str | URL) -> bool:
    """True when the URL itself asks for a read-only database (SQLite ``mode=ro``)."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return False
    query = {k: str(v).lower() for k, v in parsed.query.items()}
    return query.get("mode") == "ro" or query.get("immutable") in ("1", "true")


def may_write_sqlite(path: Path) -> bool:
    """Whether this user may change the SQLite file at ``path`` (and its WAL files)."""
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK):
        return True
    # A folder we may not write: only if the WAL files are already there, and ours to write.
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    return all(side.exists() and os.access(side, os.W_OK) for side in sides)


def _read_only_opener(parsed: URL, timeout: float) -> Any:
    """A function opening the file read-only, or None to open it as usual (+ query_only)."""
    path = sqlite_file(parsed)
    if path is None or says_read_only(parsed) or "uri" in parsed.query:
        return None  # the URL says how to open it
    if not path.exists() or may_write_sqlite(path):
        return None
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:  # mode=ro needs the -shm of a WAL file, or leave to create it
        probe = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "unable to open" in str(exc):
            # Nobody can be writing a file no one may write: reading it as immutable is safe.
            uri += "&immutable=1"
    except sqlite3.DatabaseError:
        pass  # not a database: the first real query says so, in the usual words

    def opener() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)

    return opener


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute("PRAGMA query_only=ON")  # changing the journal mode is a write, too
        else:
            # Before WAL, and only taken by a new, empty file (a no-op on any other): records
            # are ~500 bytes of JSON, and 16 KiB pages write and scan them with about a third
            # less work than the default 4 KiB (docs/benchmarks.md).
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if read_only or connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "tracker_read_only"


def reading(engine: Engine) -> Engine:
    """``engine`` for reads only: on SQLite its transactions do not wait for the write lock.

    Never write through it: a write in a plain transaction can fail at once when
    another writer got there first, where ``BEGIN IMMEDIATE`` would have queued.
    """
    return engine.execution_options(**{_READ_ONLY: True})


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together at the end, or not at all."""
    from sqlmodel import Session  # the ORM only for commands that use it

    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
