"""Whether a file's rows must be checked again: the same file under the same rules need not be.

An import checks every row of a file against its data set's rules and stores
what passed. Importing the very same file again -- the monthly extract run a
second time "to be sure", a scheduled import of a folder that has not changed
-- would check the same bytes against the same rules and reach the same
verdict, row for row, at the same cost as the first time.

So each import that stores something records a digest of everything its
verdict depended on: the file's SHA-256, the sheet read, the data set's
declaration in the plan (fields, categories, bands, groups, key), the plan's
start and financial year, the source of the code that checks and encodes rows
(tracker/data/, tracker/plan/ and the privacy, text and date modules) and the
versions of Python, tracker and the libraries that read files and write JSON
(so an upgrade of any of them checks everything again). It also records
the latest date rows were allowed to carry (``checked_through``: dates after
"today" are refused).

When a file's digest equals that of the latest import recorded for the data
set, the rows were stored exactly as that import left them (a later import
that changed anything would be the latest), and today is no earlier than that
import's, the importer reads only the keys, to count what the file holds and
what is held but not in it, and does not check or compare each row again. The
header is still mapped and checked as always. Anything else -- one byte of the
file, a band in the plan, a new tracker -- and every row is checked as before.

Safeguards: the file's state (inode, size, modification time) is the same before
it is hashed and after it is read, or nothing is trusted or recorded under the
digest; the recorded import is read again once the import holds its lock (one
import into a data set at a time, on SQLite and PostgreSQL alike); the records
held must be able to hold the file's keys; an install without its source (so
its code cannot be hashed) never trusts a file.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from tracker.plan.schema import Dataset, Plan, PlanData

# What decides whether a row passes and what is stored for it: the data and plan code, and
# the modules they lean on; with the libraries that read files and write JSON.
_RULE_SOURCES = ("tracker/data", "tracker/plan")
_RULE_MODULES = ("tracker/privacy.py", "tracker/usertext.py", "tracker/periods.py")
_RULE_LIBRARIES = ("orjson", "python-calamine", "openpyxl", "pydantic", "pydantic-core")


def _rules() -> str | None:
    """A digest of the code that checks and encodes rows, or None when its source is not
    there to read (then no file is ever taken as checked before)."""
    from importlib.metadata import PackageNotFoundError, version

    import tracker

    root = Path(tracker.__file__).resolve().parent.parent
    files = sorted(
        {p for folder in _RULE_SOURCES for p in (root / folder).glob("*.py")}
        | {root / name for name in _RULE_MODULES}
    )
    digest = hashlib.sha256()
    digest.update(f"tracker {tracker.__version__} python {platform.python_version()}".encode())
    for name in _RULE_LIBRARIES:
        try:
            digest.update(f"{name} {version(name)}".encode())
        except PackageNotFoundError:
            digest.update(f"{name} absent".encode())
    for path in files:
        try:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
        except OSError:
            return None
    if len(files) < len(_RULE_MODULES) + 2:
        return None  # an install without its source: never trusted
    return digest.hexdigest()


def check_digest(
    *, sha256: str, sheet: str | None, dataset: Dataset, plan: Plan | PlanData
) -> str | None:
    """The digest of everything an import's verdict on a file depends on (see above), or
    None when it cannot be known (no file hash, or no source of the checking code)."""
    rules = _rules()
    if not sha256 or rules is None:
        return None
    document: dict[str, Any] = {
        "file": sha256,
        "sheet": sheet,
        "dataset": dataset.model_dump(mode="json"),
        "start": str(plan.plan.start),
        "financial_year_start_month": plan.plan.financial_year_start_month,
        "rules": rules,
    }
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def checked_before(
    latest: tuple[int, str | None, date | None] | None, digest: str | None, today: date | None
) -> bool:
    """Whether the latest recorded import (its id, digest and checked-through date) vouches
    for the rows of a file with ``digest`` checked as of ``today`` (None: no date limit)."""
    if latest is None or digest is None:
        return False
    _, stored, through = latest
    if stored != digest:
        return False
    if today is None:
        return True  # no limit now: every date allowed then is allowed now
    return through is not None and today >= through
