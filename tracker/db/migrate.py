"""Applying Alembic migrations from inside the program.

The schema belongs to Alembic (``tracker/db/migrations``). Every command that
opens the database calls ``upgrade`` first, so a new version of tracker
brings its tables up to date on start; ``tracker db upgrade`` runs the same
thing for administrators who prefer to do it by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from tracker.errors import DatabaseError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions (a test keeps the two equal). When the
# database is already there, commands skip loading Alembic at all: it costs ~0.1 s.
HEAD = "0009"
# Arbitrary, fixed: the PostgreSQL advisory lock taken while migrating.
_LOCK_KEY = 7_231_019


def _config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to ``revision``; returns (before, after) revisions."""
    if revision == "head" and stored_revision(engine) == HEAD:
        return HEAD, HEAD
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    try:
        # One transaction holding the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
        # advisory lock), so two commands starting on a new database at once migrate it once:
        # the second waits, then finds the schema current.
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            before = MigrationContext.configure(conn).get_current_revision()
            head = head_revision()
            if before == head and revision == "head":
                return before, before
            if before is None:
                _refuse_foreign(conn)
            cfg = _config(engine)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            return before, MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        from tracker.db.errors import (
            DatabaseBusyError,
            DatabaseReadOnlyError,
            translate_database_error,
        )

        busy = translate_database_error(exc)
        if isinstance(busy, DatabaseReadOnlyError):
            raise _old_and_read_only(engine, stored_revision(engine)) from exc
        if isinstance(busy, DatabaseBusyError):
            raise busy from exc
        raise DatabaseError(
            f"cannot open the database ({_first_line(exc)})",
            hint=(
                "check the database file's folder exists and you may write to it"
                if engine.dialect.name == "sqlite"
                else "check the --database URL (or TRACKER_DATABASE_URL or the workspace's "
                "tracker.toml) and that the server is running"
            ),
        ) from exc
    except SQLAlchemyError as exc:
        from tracker.db.errors import DatabaseReadOnlyError, translate_database_error

        if isinstance(translate_database_error(exc), DatabaseReadOnlyError):
            raise _old_and_read_only(engine, stored_revision(engine)) from exc
        if "file is not a database" in _first_line(exc):
            raise DatabaseError(
                f"{engine.url.database} is not a SQLite database",
                hint="move the file away, or point --database at tracker's database",
            ) from exc
        raise DatabaseError(
            f"cannot bring the database schema up to date ({_first_line(exc)})",
            hint="run 'tracker db upgrade' and check the database is one made by tracker",
        ) from exc


def check_current(engine: Engine) -> None:
    """For an engine that may not write: the schema must already be this version's.

    Nothing is written, whatever the answer: an old schema is reported plainly
    (it cannot be upgraded through a read-only database), a newer one too.
    """
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.rollback()
    except SQLAlchemyError as exc:
        first = _first_line(exc)
        if "file is not a database" in first:
            raise DatabaseError(
                f"{engine.url.database} is not a SQLite database",
                hint="move the file away, or point --database at tracker's database",
            ) from exc
        if "no such table" in first or "does not exist" in first:
            raise DatabaseError(
                f"the database {_shown(engine)} holds no tracker tables, and it is read-only "
                "for you, so they cannot be made",
                hint="point --database (or --workspace) at tracker's database",
            ) from exc
        raise DatabaseError(
            f"cannot read the database ({first})",
            hint="check the --database URL (or --workspace) and that you may read it",
        ) from exc
    revision = str(found) if found else None
    if revision != HEAD:
        raise _old_and_read_only(engine, revision)


def server_refuses_writes(engine: Engine) -> bool:
    """PostgreSQL: True when this role may change none of the tables (or the server is read-only).

    Asked once, before a command that changes data does anything (files included), so a
    role with only SELECT grants is told at once, not after a pack has been written. A role
    that may write some tables but not others is left to the error of the write itself.
    """
    if engine.dialect.name != "postgresql":
        return False
    from sqlalchemy import text

    query = text(
        "SELECT current_setting('transaction_read_only') = 'on' "
        "OR NOT coalesce(bool_or(has_table_privilege(c.oid, 'INSERT')), true) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema()"
    )
    try:
        with engine.connect() as conn:
            refused = bool(conn.execute(query).scalar())
            conn.rollback()
    except SQLAlchemyError:
        return False  # the command's own work reports whatever is wrong
    return refused


def _old_and_read_only(engine: Engine, revision: str | None) -> DatabaseError:
    """The schema is not this version's and the database may not be written to upgrade it."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    cfg = _config(engine)
    try:
        known = revision is not None and ScriptDirectory.from_config(cfg).get_revision(revision)
    except CommandError:
        known = False
    if revision is not None and not known:
        return DatabaseError(
            f"the database {_shown(engine)} was made by a newer version of tracker (schema "
            f"{revision}; this version knows up to {HEAD})",
            hint="upgrade tracker (pip install --upgrade tracker) and run the command again",
        )
    return DatabaseError(
        f"the database {_shown(engine)} has an older schema ({revision or 'none'}) than this "
        f"version of tracker needs ({HEAD}), and it is read-only for you, so it cannot be "
        "upgraded; nothing was changed",
        hint="ask whoever keeps the working database to run 'tracker db upgrade' and send a "
        "new copy, or use the version of tracker that made it",
    )


def _shown(engine: Engine) -> str:
    from tracker.db.engine import sqlite_file

    if (path := sqlite_file(engine.url)) is not None:
        return str(path)
    return engine.url.render_as_string(hide_password=True)


def _refuse_foreign(conn: Any) -> None:
    """Refuse to add tracker's tables to a database that already holds someone else's."""
    from sqlalchemy import inspect

    engine = conn.engine
    others = sorted(set(inspect(conn).get_table_names()) - {"alembic_version"})
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise DatabaseError(
            f"the database {engine.url.render_as_string(hide_password=True)} already holds "
            f"tables tracker did not make ({shown})",
            hint="give tracker an empty database of its own (--database or TRACKER_DATABASE_URL)",
        )


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None if it cannot be read cheaply."""
    from sqlalchemy import text

    from tracker.db.engine import reading

    try:
        with reading(engine).connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.rollback()
    except SQLAlchemyError:
        return None  # no table yet, or no server: the full path below reports it properly
    return str(value) if value else None


def _first_line(exc: BaseException) -> str:
    from tracker.db.errors import first_line

    return first_line(exc)
