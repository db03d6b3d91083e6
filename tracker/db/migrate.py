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
HEAD = "0001"


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
    if revision == "head" and _stored_revision(engine) == HEAD:
        return HEAD, HEAD
    from alembic import command

    try:
        before = current_revision(engine)
        head = head_revision()
        if before == head and revision == "head":
            return before, before
        command.upgrade(_config(engine), revision)
        return before, current_revision(engine)
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot open the database ({_first_line(exc)})",
            hint="check the --database URL or TRACKER_DATABASE_URL, and that the server is running",
        ) from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"cannot bring the database schema up to date ({_first_line(exc)})",
            hint="run 'tracker db upgrade' and check the database is one made by tracker",
        ) from exc


def _stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None if it cannot be read cheaply."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.rollback()
    except SQLAlchemyError:
        return None  # no table yet, or no server: the full path below reports it properly
    return str(value) if value else None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
