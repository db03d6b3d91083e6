"""One scheduler at a time per database.

``tracker schedule run``, ``run --once`` and ``tick`` each hold this lock for
as long as they work. The claim on each dispatch row already stops two
processes doing the same dispatch; the lock keeps a second scheduler from
starting at all, so "a dispatch left claimed" can only mean "interrupted".

* SQLite: an exclusive ``flock`` on a file beside the database file
  (``tracker.db.scheduler-lock``), released by the kernel when the process
  ends, however it ends. The file records who holds it.
* PostgreSQL: a session-level advisory lock on a connection kept open (in
  autocommit, so no transaction stays open for hours), released when the
  connection closes.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tracker.errors import TrackerError

# Arbitrary, fixed (and different from the migration lock's key).
ADVISORY_KEY = 7_231_020
LOCK_SUFFIX = ".scheduler-lock"


class SchedulerRunningError(TrackerError):
    """Another scheduler holds the lock on this database."""


def lock_path(engine: Engine) -> Path:
    database = engine.url.database
    assert database
    return Path(database).with_name(Path(database).name + LOCK_SUFFIX)


@contextmanager
def scheduler_lock(engine: Engine, *, now: datetime | None = None) -> Iterator[None]:
    """Hold the scheduler lock for the database of ``engine``, or raise SchedulerRunningError."""
    if engine.dialect.name == "sqlite":
        with _file_lock(lock_path(engine), now=now):
            yield
    elif engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    else:  # pragma: no cover - tracker supports SQLite and PostgreSQL
        raise TrackerError(f"no scheduler lock for {engine.dialect.name}", hint="use PostgreSQL")


def _running(holder: str) -> SchedulerRunningError:
    return SchedulerRunningError(
        f"a scheduler is already running on this database ({holder})",
        hint="let it do the work, or stop it first; 'tracker schedule show' shows what it has done",
    )


@contextmanager
def _file_lock(path: Path, *, now: datetime | None) -> Iterator[None]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise _running(holder) from None
        since = f", since {now.isoformat(timespec='seconds')}" if now else ""
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}{since}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
        if not got:
            holder = conn.execute(
                text(
                    "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = :k AND l.granted LIMIT 1"
                ),
                {"k": ADVISORY_KEY},
            ).first()
            shown = (
                f"server process {holder[0]}, connected {holder[2]:%Y-%m-%d %H:%M}"
                if holder
                else "another connection"
            )
            raise _running(shown)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
    finally:
        conn.close()
