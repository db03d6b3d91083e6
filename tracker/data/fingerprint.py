"""Whether a file's rows must be checked again: the same file under the same rules need not be.

An import checks every row of a file against its data set's rules and stores
what passed. Importing the very same file again -- the monthly extract run a
second time "to be sure", a scheduled import of a folder that has not changed
-- would check the same bytes against the same rules and reach the same
verdict, row for row, at the same cost as the first time.

So each import that stores something records a digest of everything its
verdict depended on: the file's SHA-256, the sheet read, the data set's
declaration in the plan (fields, categories, bands, groups, key), the plan's
start and financial year, and the source of the code that checks and encodes
rows (so a new version of tracker checks everything again). It also records
the latest date rows were allowed to carry (``checked_through``: dates after
"today" are refused).

When a file's digest equals that of the latest import recorded for the data
set, the rows were stored exactly as that import left them (a later import
that changed anything would be the latest), and today is no earlier than that
import's, the importer reads only the keys, to count what the file holds and
what is held but not in it, and does not check or compare each row again. The
header is still mapped and checked as always. Anything else -- one byte of the
file, a band in the plan, a new tracker -- and every row is checked as before.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from tracker.plan.schema import Dataset, Plan

# The modules whose rules decide whether a row passes and what is stored for it.
_RULE_MODULES = (
    "tracker/data/fields.py",
    "tracker/data/rows.py",
    "tracker/data/screen.py",
    "tracker/data/columns.py",
    "tracker/data/csvfile.py",
    "tracker/data/readers.py",
    "tracker/data/importer.py",
    "tracker/privacy.py",
    "tracker/usertext.py",
    "tracker/periods.py",
)


@cache
def _rules_source() -> str:
    """A digest of the source of the modules that check and encode rows."""
    root = Path(__file__).resolve().parent.parent.parent
    digest = hashlib.sha256()
    for name in _RULE_MODULES:
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"(missing)")
    return digest.hexdigest()


def check_digest(*, sha256: str, sheet: str | None, dataset: Dataset, plan: Plan) -> str:
    """The digest of everything an import's verdict on a file depends on (see above)."""
    document: dict[str, Any] = {
        "file": sha256,
        "sheet": sheet,
        "dataset": dataset.model_dump(mode="json"),
        "start": plan.plan.start.isoformat() if plan.plan.start else None,
        "financial_year_start_month": plan.plan.financial_year_start_month,
        "rules": _rules_source(),
    }
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def checked_before(
    latest: tuple[str | None, date | None] | None, digest: str, today: date | None
) -> bool:
    """Whether the latest recorded import (its digest and checked-through date) vouches for
    the rows of a file with ``digest`` checked as of ``today`` (None: no date limit)."""
    if latest is None:
        return False
    stored, through = latest
    if stored != digest:
        return False
    if today is None:
        return True  # no limit now: every date allowed then is allowed now
    return through is not None and today >= through
