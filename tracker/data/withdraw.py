"""Withdrawing records imported by mistake: out of every count, their history kept.

``tracker data withdraw DATASET KEY... --reason TEXT`` marks each record
withdrawn (``data_record.withdrawn_at``) and writes one ``data_withdrawal``
row per record with who withdrew it, when and why. Nothing is deleted: the
record's values and its earlier versions (``data_record_change``) stay, so the
audit trail shows what was counted before. Every KPI and summary query leaves
withdrawn records out, so figures already released may change; disclosure
control treats such a change as a revision of released figures.

Rules: only a plan administrator may withdraw; a reason is required, and it
is free text, so it is screened for identifying data like every note; every
key must name a record held and not already withdrawn, or nothing is
withdrawn. A withdrawn record stays withdrawn when a later file holds it
again (the import leaves it as it is).

A key is given as the data set shows it: the value of its key field
(``SYN-00123``), or for a data set keyed by several fields their values in
order joined by `` / `` (as a dry run lists them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from tracker.data.fields import KEY_SEPARATOR
from tracker.errors import InvalidValueError, PermissionDeniedError
from tracker.people import acting_person
from tracker.plan.lookup import find_dataset
from tracker.plan.schema import Plan
from tracker.usertext import clean_note, plan_addresses, screen_free_text

SHOWN_SEPARATOR = " / "


@dataclass
class WithdrawResult:
    dataset: str
    keys: list[str]  # as given, in order
    reason: str
    by: str
    withdrawn_at: datetime
    ids: list[int] = field(default_factory=list)  # the data_withdrawal rows

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "withdrawn": [k.split(SHOWN_SEPARATOR) for k in self.keys],
            "reason": self.reason,
            "by": self.by,
            "withdrawn_at": self.withdrawn_at.isoformat(),
        }


def stored_key(shown: str, key_fields: list[str], dataset: Any = None) -> str:
    """The stored key of a record from the key as people write it ('a / b' for two fields).

    With the ``dataset``, each part is read as its field reads a file's cell: a category by
    any of its spellings (WRAP for 'WRAP workshop'), a date as 01/04/2020 or 2020-04-01.
    """
    if len(key_fields) == 1:
        parts = [shown.strip()]
    else:
        # ' / ' between parts (a date may be 01/04/2020); 'a/b' only when no part is spaced
        parts = [p.strip() for p in re.split(r"\s+/\s*|\s*/\s+|\s*/$", shown.strip())]
        if len(parts) == 1:
            parts = [p.strip() for p in shown.split("/")]
        if len(parts) < len(key_fields):
            parts += [""] * (len(key_fields) - len(parts))
    if dataset is not None:
        parts = [
            _as_stored(dataset, name, part) for name, part in zip(key_fields, parts, strict=False)
        ]
    return KEY_SEPARATOR.join(parts)


def _as_stored(dataset: Any, name: str, part: str) -> str:
    """``part`` read by its field's own parser, as an imported cell is (``key_of`` stores
    ``str`` of the value); a part the field would refuse is looked up as typed."""
    from tracker.data.fields import CellError, field_parser

    declared = next((f for f in dataset.fields if f.name == name), None)
    if declared is None or not part:
        return part
    try:
        return str(field_parser(declared)(part))
    except CellError:
        return part


def withdraw_records(
    engine: Engine,
    plan: Plan,
    dataset: str,
    keys: list[str],
    *,
    reason: str | None,
    by: str | None,
    now: datetime,
) -> WithdrawResult:
    """Withdraw the records ``keys`` of ``dataset`` (all or none); see the module notes."""
    from sqlalchemy import insert, select, update

    from tracker.db.engine import transaction
    from tracker.db.models import DataRecord, DataWithdrawal

    declared = find_dataset(plan, dataset)
    who = acting_person(by, doing="withdrawing records")
    if not plan.is_administrator(who):
        raise PermissionDeniedError(
            f"{who} may not withdraw records: only a plan administrator may",
            hint="ask a plan administrator to withdraw them",
        )
    text = clean_note(reason)
    if not text:
        raise InvalidValueError(
            "a reason is required to withdraw records",
            hint='say why with --reason, e.g. --reason "imported twice by mistake"',
        )
    text = " ".join(text.split())
    screen_free_text(text, field="reason", allowed_emails=plan_addresses(plan))
    if not keys:
        raise InvalidValueError("no key given", hint=f"give the key of each {declared.name} record")
    wanted = list(dict.fromkeys(keys))
    stored = {k: stored_key(k, list(declared.key), declared) for k in wanted}
    records = DataRecord.__table__  # type: ignore[attr-defined]
    withdrawals = DataWithdrawal.__table__  # type: ignore[attr-defined]
    with transaction(engine) as session:
        found = {
            key: (rid, withdrawn)
            for rid, key, withdrawn in session.execute(
                select(records.c.id, records.c.key, records.c.withdrawn_at).where(
                    records.c.dataset == declared.name, records.c.key.in_(list(stored.values()))
                )
            )
        }
        missing = [k for k in wanted if stored[k] not in found]
        if missing:
            raise InvalidValueError(
                f"{declared.name} holds no record with the key {', '.join(missing)}; "
                "nothing was withdrawn",
                hint="check the keys, as the file has them (for several key fields, their "
                "values in order joined by ' / ')",
            )
        again = [k for k in wanted if found[stored[k]][1] is not None]
        if again:
            raise InvalidValueError(
                f"{', '.join(again)} {'is' if len(again) == 1 else 'are'} already withdrawn",
                hint="leave them out and run the command again (nothing was withdrawn)",
            )
        ids = [found[stored[k]][0] for k in wanted]
        session.execute(update(records).where(records.c.id.in_(ids)).values(withdrawn_at=now))
        result = WithdrawResult(
            dataset=declared.name, keys=wanted, reason=text, by=who, withdrawn_at=now
        )
        for key, rid in zip(wanted, ids, strict=True):
            inserted: Any = session.execute(
                insert(withdrawals).values(
                    record_id=rid,
                    dataset=declared.name,
                    key=stored[key],
                    reason=text,
                    by=who,
                    withdrawn_at=now,
                )
            )
            result.ids.append(int(inserted.inserted_primary_key[0]))
    return result
