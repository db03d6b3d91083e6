"""Test data for the KPI tests: data set rows stored exactly as the data contract says.

The importer is built separately, so KPI tests store ``DataRecord`` rows
directly, with ``values`` built here per /work/notes/data-contract.md: every
declared field present (null when empty) plus the derived period, group and
band fields. The tests below check this helper against the contract itself.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

from tracker.periods import period_of
from tracker.plan.loader import load_plan
from tracker.plan.schema import Dataset, Plan

REPO = Path(__file__).resolve().parent.parent
_refs = itertools.count(1)


def shipped_plan() -> Plan:
    return load_plan(REPO / "objectives.yaml").plan


def record_values(dataset: Dataset, raw: dict[str, Any], fy: int = 4) -> dict[str, Any]:
    """The ``values`` dict for one row: declared fields (canonical values) plus derived ones."""
    unknown = set(raw) - {f.name for f in dataset.fields}
    assert not unknown, f"not fields of {dataset.name}: {unknown}"
    values: dict[str, Any] = {}
    for f in dataset.fields:
        value = raw.get(f.name)
        if isinstance(value, date):
            value = value.isoformat()
        values[f.name] = value
    for f in dataset.fields:
        if f.type == "date":
            text = values[f.name]
            day = date.fromisoformat(text) if text else None
            values[f"{f.name}_day"] = day.toordinal() if day else None
            for grain in ("month", "quarter", "year"):
                values[f"{f.name}_{grain}"] = period_of(day, grain, fy).label if day else None
        if f.type == "category" and f.values and any(v.group for v in f.values):
            value = values[f.name]
            if value is None:
                values[f"{f.name}_group"] = None
            else:
                declared = next(v for v in f.values if v.value == value)
                values[f"{f.name}_group"] = declared.group or declared.value
        if f.bands and f.band_field and values[f.name] is not None and not values[f.band_field]:
            n = values[f.name]
            values[f.band_field] = next(b.label for b in f.bands if b.max is None or n <= b.max)
    return values


def referral(received_on: date, **fields: Any) -> dict[str, Any]:
    """A referral row with plausible defaults (all canonical values)."""
    row = {
        "reference": f"R{next(_refs):06d}",
        "received_on": received_on,
        "sector": "Schools",
        "age": 15,
        "gender": "Male",
        "district": "Northampton",
        "concern": "Mixed/Unclear/Unstable",
        "outcome": "No further action",
        "safeguarding_concern": "No",
        "decided_on": None,
    }
    row.update(fields)
    return row


def training(delivered_on: date, attendees: int, **fields: Any) -> dict[str, Any]:
    row = {
        "delivered_on": delivered_on,
        "course": "WRAP workshop",
        "sector": "Health",
        "organisation": f"Org {next(_refs)}",
        "district": "Northampton",
        "attendees": attendees,
        "format": "In person",
    }
    row.update(fields)
    return row


def insert_records(engine: Any, plan: Plan, dataset_name: str, rows: list[dict[str, Any]]) -> None:
    """Store rows as the importer would (one import, one transaction)."""
    from tracker.db import models as m
    from tracker.db.engine import transaction

    dataset = plan.dataset(dataset_name)
    assert dataset is not None
    fy = plan.plan.financial_year_start_month
    with transaction(engine) as session:
        imp = m.DataImport(
            dataset=dataset_name,
            filename="test.csv",
            sha256="0" * 64,
            imported_at=m.utcnow(),
            rows=len(rows),
        )
        session.add(imp)
        session.flush()
        for raw in rows:
            values = record_values(dataset, raw, fy)
            key = "\x1f".join(str(values[k]) for k in dataset.key)
            session.add(
                m.DataRecord(
                    dataset=dataset_name,
                    key=key,
                    values=values,
                    import_id=imp.id or 0,
                    updated_at=m.utcnow(),
                )
            )


# --- the helper follows the contract -----------------------------------------------------


def test_referral_values_follow_the_contract() -> None:
    plan = shipped_plan()
    values = record_values(
        plan.dataset("referrals"),  # type: ignore[arg-type]
        referral(date(2020, 3, 31), sector="Policing (non-CT)", age=16),
    )
    assert values["received_on"] == "2020-03-31"
    assert values["received_on_day"] == date(2020, 3, 31).toordinal()
    assert values["received_on_month"] == "2020-03"
    assert values["received_on_quarter"] == "2019/20 Q4"
    assert values["received_on_year"] == "2019/20"
    assert values["sector_group"] == "Police"
    assert values["age_band"] == "15 to 17"
    assert values["decided_on"] is None and values["decided_on_day"] is None
    assert "safeguarding_concern" in values


def test_a_value_without_a_group_is_its_own_group() -> None:
    plan = shipped_plan()
    values = record_values(plan.dataset("referrals"), referral(date(2020, 4, 1), sector="Health"))  # type: ignore[arg-type]
    assert values["sector_group"] == "Health"
    assert values["received_on_quarter"] == "2020/21 Q1"
