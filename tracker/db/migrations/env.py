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
    engine = config.attributes.get("engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
            "TRACKER_DATABASE_URL", "sqlite:///tracker.db"
        )
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit(
        "tracker migrations run online only: pass -x url=... or set TRACKER_DATABASE_URL"
    )
run_migrations_online()
