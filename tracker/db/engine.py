"""Building an engine from settings, and transactions that are safe under concurrency.

No engine exists at import time: commands call ``make_engine(settings.url)``
and pass the engine (or sessions made from it) down. On SQLite the
connection is set up for a command line and a scheduler writing at once: WAL
journal, foreign keys enforced, a busy timeout, and every transaction opened
with ``BEGIN IMMEDIATE`` so two writers queue instead of failing half way.
A read that must not queue behind a writer (WAL lets readers go on while
someone writes) runs on ``reading(engine)``, which begins a plain transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlmodel import Session, create_engine

from tracker.errors import DatabaseError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, busy timeout and BEGIN IMMEDIATE."""
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
            engine = create_engine(parsed, echo=echo, connect_args={"timeout": timeout})
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, echo=echo, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(
            f"no driver for database URL '{parsed.render_as_string(hide_password=True)}'",
            hint="use sqlite:/// or postgresql+psycopg://",
        ) from exc
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_READ_ONLY):
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
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
