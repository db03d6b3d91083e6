"""Alembic environment: migrations run on the engine tracker passes in.

From the program, ``tracker.db.migrate`` puts the engine in
``config.attributes["engine"]``. From the ``alembic`` command line (to write a
new revision) the URL comes from ``-x url=...`` or TRACKER_DATABASE_URL.
"""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import tracker.db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from tracker.db.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # tracker.db.migrate: its transaction holds the migration lock
        _run(given)
        return
    engine = config.attributes.get("engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
            "TRACKER_DATABASE_URL", "sqlite:///tracker.db"
        )
        engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit(
        "tracker migrations run online only: pass -x url=... or set TRACKER_DATABASE_URL"
    )
run_migrations_online()
