"""The plan in force, read with one query.

Nearly every command starts by reading the last plan loaded (``plan_version``).
It is read here with SQLAlchemy Core and a reading connection: no ORM models
are built for it (about a quarter of a second of every start-up), and on
SQLite the read does not wait for another command's write lock.

A data import needs only the plan's settings and data sets (``PlanData``): the
stored plan was checked whole when it was loaded, and validating just those
parts spares the import building the models of the rest (owners' e-mail
addresses, objectives, KPIs, publications), a tenth of a second.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, column, select, table
from sqlalchemy.engine import Engine

from tracker.db.engine import reading
from tracker.plan.schema import Plan, PlanData

_PLAN_VERSION = table("plan_version", column("id"), column("document", JSON))


def _latest_document(engine: Engine) -> Any:
    query = select(_PLAN_VERSION.c.document).order_by(_PLAN_VERSION.c.id.desc()).limit(1)
    with reading(engine).connect() as connection:
        return connection.execute(query).scalar()


def current_plan(engine: Engine) -> Plan | None:
    """The plan in force (the last loaded), or None before the first load."""
    document = _latest_document(engine)
    return None if document is None else Plan.model_validate(document)


def current_data_plan(engine: Engine) -> PlanData | None:
    """The settings and data sets of the plan in force, or None before the first load."""
    document = _latest_document(engine)
    return None if document is None else PlanData.model_validate(document)
