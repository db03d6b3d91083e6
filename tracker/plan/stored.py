"""The plan in force, read with one query.

Nearly every command starts by reading the last plan loaded (``plan_version``).
It is read here with SQLAlchemy Core and a reading connection: no ORM models
are built for it (about a quarter of a second of every start-up), and on
SQLite the read does not wait for another command's write lock.
"""

from __future__ import annotations

from sqlalchemy import JSON, column, select, table
from sqlalchemy.engine import Engine

from tracker.db.engine import reading
from tracker.plan.schema import Plan

_PLAN_VERSION = table("plan_version", column("id"), column("document", JSON))


def current_plan(engine: Engine) -> Plan | None:
    """The plan in force (the last loaded), or None before the first load."""
    query = select(_PLAN_VERSION.c.document).order_by(_PLAN_VERSION.c.id.desc()).limit(1)
    with reading(engine).connect() as connection:
        document = connection.execute(query).scalar()
    if document is None:
        return None
    return Plan.model_validate(document)
