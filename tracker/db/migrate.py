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


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
