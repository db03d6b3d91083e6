"""Loading returned workbooks: checks, the diff per action, conflicts, and recording the updates.

Each file is handled on its own and wholly: ``preview_return`` reads it
(``tracker.returns.reader``, pure), checks it against the database and works
out what would change, writing nothing; ``apply_return`` records the updates
and marks the return as returned in one transaction, re-checking first that
nothing moved in between. ``load_returns`` runs a batch, asking ``confirm``
before each file that would change something; a refused file does not stop
the others, and its outcome says why.

Rules:

* the return must be one this workspace issued (its id and manifest digest
  are in ``return_issue``) and not superseded by a later issue (stale);
* the person loading it must be its owner or a plan administrator, and each
  action must still be the owner's;
* an action updated in the tracker after the return was issued is a
  conflict: the file is held back unless ``force``;
* the updates are recorded with source "spreadsheet", by the owner, on the
  date given, naming the return. A row equal to what the tracker holds
  records nothing, so loading a file twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.errors import TrackerError
from tracker.plan.schema import Plan
from tracker.returns.layout import RETURN_SHEET
from tracker.returns.reader import CellProblem, ReadReturn, ReturnEntry, ReturnRefused
from tracker.usertext import plan_addresses

log = logging.getLogger(__name__)

REFUSED, PROBLEMS, CONFLICTS, UNCHANGED, READY, LOADED, DECLINED = (
    "refused",
    "problems",
    "conflicts",
    "unchanged",
    "ready",
    "loaded",
    "declined",
)

NOTHING_FILLED = (
    "nothing is filled in (every action's row is empty), so it does not count as the "
    "owner's return: ask them to give each action's status, even where it has not changed"
)


@dataclass(frozen=True)
class Values:
    """An action's state as the tracker holds it, or as a return gives it."""

    status: str | None
    progress: int | None
    rag: str | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "progress": self.progress,
            "rag": self.rag,
            "note": self.note,
        }


@dataclass(frozen=True)
class Conflict:
    """An update recorded in the tracker after the return was issued."""

    on: date
    by: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "by": self.by, "source": self.source}


@dataclass(frozen=True)
class ActionChange:
    action_id: str
    title: str
    before: Values
    after: Values
    conflict: Conflict | None = None

    def changed_fields(self) -> list[str]:
        return [
            name
            for name in ("status", "progress", "rag", "note")
            if getattr(self.before, name) != getattr(self.after, name)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action_id,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "changed": self.changed_fields(),
            "conflict": self.conflict.to_json() if self.conflict else None,
        }


@dataclass
class ReturnLoad:
    """What loading one file would do (a preview) or did (after ``apply_return``)."""

    file: str
    path: Path
    state: str = READY
    reason: str | None = None  # for refused files: one line
    return_id: str | None = None
    owner_email: str | None = None
    meeting_id: str | None = None
    changes: list[ActionChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # same as the tracker holds
    blank: list[str] = field(default_factory=list)  # rows left empty
    problems: list[CellProblem] = field(default_factory=list)
    first_load: bool = True
    recorded: int = 0

    @property
    def conflicts(self) -> list[ActionChange]:
        return [c for c in self.changes if c.conflict is not None]

    @property
    def ok(self) -> bool:
        return self.state in (LOADED, UNCHANGED, READY, DECLINED)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "state": self.state,
            "reason": self.reason,
            "return": self.return_id,
            "owner": self.owner_email,
            "meeting": self.meeting_id,
            "changes": [c.to_json() for c in self.changes],
            "unchanged": self.unchanged,
            "blank": self.blank,
            "problems": [
                {"sheet": p.sheet, "row": p.line, "column": p.column, "message": p.message}
                for p in self.problems
            ],
            "recorded": self.recorded,
        }


def _values(entry: ReturnEntry) -> Values:
    return Values(entry.status, entry.progress, entry.rag, entry.note())


def _held(update: Any) -> Values:
    if update is None:
        return Values(None, None, None, None)
    return Values(update.status, update.progress, update.rag, update.note)


def _examine(session: Any, plan: Plan, read: ReadReturn, load: ReturnLoad, by: str) -> Any:
    """Fill ``load`` from the database; returns the ReturnIssue row (None when refused)."""
    from tracker.db import models as m
    from tracker.errors import PermissionDeniedError
    from tracker.people import acting_person, check_may_act
    from tracker.returns.issue import current_versions

    manifest = read.manifest
    load.return_id = manifest.return_id
    load.owner_email = manifest.owner_email
    load.meeting_id = manifest.meeting_id
    row = session.get(m.ReturnIssue, manifest.return_id)
    if row is None or row.manifest_sha256 != manifest.digest():
        load.state = REFUSED
        load.reason = (
            f"return {manifest.return_id} was not issued from this workspace's database: "
            "load it in the workspace that issued it"
        )
        return None
    if row.superseded_by is not None:
        load.state = REFUSED
        load.reason = (
            f"stale: return {row.id} was superseded by {row.superseded_by}, issued later to "
            f"{row.owner_email}: load the later workbook instead"
        )
        return None
    owner = plan.owner(manifest.owner_id)
    person = acting_person(by, doing="loading this return")
    try:
        check_may_act(plan, person, owner, act="load the return of", item=manifest.owner_email)
    except PermissionDeniedError:
        load.state = REFUSED
        load.reason = (
            f"another owner's return: {person} may not load the return of "
            f"{manifest.owner_email}; ask that owner, or a plan administrator, to load it"
        )
        return None
    load.first_load = row.loaded_at is None
    current = current_versions(session)
    load.problems = list(read.problems)
    faulty = {p.line for p in read.problems if getattr(p, "sheet", "") == RETURN_SHEET}
    for action in manifest.actions:
        planned = plan.action(action.id)
        if planned is None or owner is None or planned.owner != owner.id:
            holder = plan.owner(planned.owner) if planned else None
            why = (
                f"{action.id} is now owned by {holder.email}, not {manifest.owner_email}: "
                "its owner reports on it"
                if holder
                else f"{action.id} is no longer in the plan"
            )
            load.problems.append(
                CellProblem(file=load.file, line=action.row, message=why, column="A")
            )
            continue
        entry = read.entries.get(action.id)
        if entry is None:
            if action.row not in faulty:  # a row with problems is listed with them, not as empty
                load.blank.append(action.id)
            continue
        version, latest = current.get(action.id, (0, None))
        newest = _newest(session, action.id) if version else None
        after = _values(entry)
        conflict = None
        if newest is not None and newest.return_id == manifest.return_id:
            before = _held(newest)  # this return was loaded before: compare with what it gave
        else:
            before = _held(latest)
            if version != action.version and newest is not None:
                conflict = Conflict(on=newest.on, by=newest.by, source=newest.source)
        if before == after:
            load.unchanged.append(action.id)
            continue
        load.changes.append(
            ActionChange(
                action_id=action.id,
                title=planned.title,
                before=before,
                after=after,
                conflict=conflict,
            )
        )
    return row


def _newest(session: Any, action_id: str) -> Any:
    from sqlmodel import col, select

    from tracker.db import models as m

    return session.exec(
        select(m.ProgressUpdate)
        .where(m.ProgressUpdate.action_id == action_id)
        .order_by(col(m.ProgressUpdate.id).desc())
    ).first()


def _settle(load: ReturnLoad, force: bool) -> None:
    if load.state == REFUSED:
        return
    if load.problems:
        load.state = PROBLEMS
    elif load.conflicts and not force:
        load.state = CONFLICTS
    elif load.blank and not load.changes and not load.unchanged:
        # An untouched workbook sent back is not an answer: the owner is still awaited.
        load.state, load.reason = REFUSED, NOTHING_FILLED
    elif not load.changes and not load.first_load:
        load.state = UNCHANGED
    else:
        load.state = READY


def preview_return(
    engine: Engine, plan: Plan, key: bytes, path: Path, *, by: str | None, force: bool = False
) -> ReturnLoad:
    """Read and check one file and say what loading it would change. Writes nothing."""
    from sqlmodel import Session

    from tracker.returns.reader import read_return

    load = ReturnLoad(file=path.name, path=path)
    try:
        read = read_return(path, key, allowed_emails=plan_addresses(plan))
    except ReturnRefused as exc:
        load.state, load.reason = REFUSED, f"{exc.reason}: {exc.hint}" if exc.hint else exc.reason
        return load
    with Session(engine) as session:
        _examine(session, plan, read, load, by or "")
    _settle(load, force)
    return load


def apply_return(
    engine: Engine,
    plan: Plan,
    key: bytes,
    load: ReturnLoad,
    *,
    by: str | None,
    on: date,
    now: datetime,
    force: bool = False,
) -> ReturnLoad:
    """Record a previewed file's changes, in one transaction, after checking it again.

    ``on`` is the day the updates are dated; ``now`` the moment the return counts as
    returned (the command's clock; the demo's story time), as ``issue_returns`` takes it.
    """
    from tracker.db.engine import transaction
    from tracker.people import acting_person
    from tracker.progress import UpdateInput, store_updates
    from tracker.returns.reader import read_return

    read = read_return(load.path, key, allowed_emails=plan_addresses(plan))
    again = ReturnLoad(file=load.file, path=load.path)
    with transaction(engine) as session:
        row = _examine(session, plan, read, again, by or "")
        _settle(again, force)
        if again.state != READY or row is None:
            return again  # something moved since the preview: nothing written
        owner = plan.owner(row.owner_id)  # the owner's address as the plan now gives it
        owner_email = str(owner.email).lower() if owner else row.owner_email
        updates = [
            UpdateInput(
                action_id=c.action_id,
                status=c.after.status or "",
                progress=c.after.progress,
                rag=c.after.rag,
                note=c.after.note,
                on=on,
                by=owner_email,
                source="spreadsheet",
                return_id=row.id,
            )
            for c in again.changes
        ]
        stored = store_updates(session, plan, updates, today=on)
        if row.loaded_at is None:
            row.loaded_at = now
            row.loaded_by = acting_person(by, doing="loading this return")
            session.add(row)
    again.state = LOADED
    again.recorded = len(stored)
    return again


def load_returns(
    engine: Engine,
    plan: Plan,
    key: bytes,
    paths: Iterable[Path],
    *,
    by: str | None,
    on: date,
    now: datetime,
    force: bool = False,
    confirm: Callable[[ReturnLoad], bool] | None = None,
) -> list[ReturnLoad]:
    """Preview, confirm and apply each file in turn; one outcome per file, in order.

    ``confirm`` is asked before a file that would record something (None: yes).
    A file with problems, conflicts (without ``force``) or refused writes nothing.
    """
    outcomes = []
    seen: set[Path] = set()
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        try:
            load = preview_return(engine, plan, key, Path(path), by=by, force=force)
            if load.state == READY:
                if load.changes and confirm is not None and not confirm(load):
                    load.state = DECLINED
                else:
                    load = apply_return(engine, plan, key, load, by=by, on=on, now=now, force=force)
        except TrackerError as exc:
            load = ReturnLoad(file=Path(path).name, path=Path(path), state=REFUSED, reason=str(exc))
        except Exception as exc:  # a bug: this file records nothing, the files before keep theirs
            from tracker.db.errors import translate_database_error

            log.exception("loading %s", path)
            translated = translate_database_error(exc)
            reason = (
                str(translated)
                if translated is not None
                else (
                    f"unexpected error ({type(exc).__name__}), a bug in tracker: please report it"
                )
            )
            load = ReturnLoad(file=Path(path).name, path=Path(path), state=REFUSED, reason=reason)
        outcomes.append(load)
    return outcomes
