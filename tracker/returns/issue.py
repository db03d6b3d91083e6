"""Issuing returns, and who has returned: the stateful side of ``tracker returns issue|status``.

``issue_returns`` works out, for one meeting, which owners have actions to
report on (started by the meeting and not complete or cancelled), builds each
owner's workbook (``tracker.returns.workbook``, pure), and records each issue
in ``return_issue``, marking any earlier issue to the same owner for the same
meeting as superseded -- its workbook is then stale and refused on load. It
returns the workbooks as bytes (``IssuedReturn``) so that a caller can attach
them to an email; ``write_returns`` saves them into a folder.

The clock is read at the command-line edge: callers pass ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.errors import InvalidValueError, NotFoundError, WorkspaceError
from tracker.plan.schema import Meeting, Owner, Plan
from tracker.returns import layout as L
from tracker.returns.manifest import Manifest, ManifestAction

CLOSED = ("complete", "cancelled")  # actions in these states are not asked about again


class NothingToReturnError(InvalidValueError):
    """The owner has no action to report on for the meeting: no return to issue."""


@dataclass(frozen=True)
class ReturnAction:
    """One action in a return, with what the tracker held for it when issued."""

    id: str
    title: str
    due: date
    last_status: str | None
    last_progress: int | None
    last_rag: str | None
    last_on: date | None
    version: int  # id of its latest update (0: none)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "due": self.due.isoformat(),
            "last_status": self.last_status,
            "last_progress": self.last_progress,
            "last_rag": self.last_rag,
            "last_on": self.last_on.isoformat() if self.last_on else None,
        }


@dataclass(frozen=True)
class IssuedReturn:
    """A workbook issued to one owner: bytes to attach or save, and what it asks about."""

    return_id: str
    owner: Owner
    meeting: Meeting
    filename: str
    content: bytes
    actions: tuple[ReturnAction, ...]
    deadline: date | None
    issued_at: datetime
    superseded: str | None = None  # the earlier return this one replaces
    path: Path | None = None  # set by write_returns

    def to_json(self) -> dict[str, Any]:
        return {
            "return": self.return_id,
            "owner": str(self.owner.email),
            "meeting": self.meeting.id,
            "file": str(self.path) if self.path else self.filename,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "issued_at": self.issued_at.isoformat(timespec="seconds"),
            "supersedes": self.superseded,
            "actions": [a.to_json() for a in self.actions],
        }


def plan_today(plan: Plan, now: datetime) -> date:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(plan.plan.timezone)).date()


def find_meeting(plan: Plan, meeting_id: str | None, today: date) -> Meeting:
    """The meeting named, or the next one on or after ``today``."""
    if meeting_id is not None:  # an empty --meeting is a meeting not found, not "the next"
        wanted = meeting_id.strip().casefold()
        for meeting in plan.meetings:
            if meeting.id.casefold() == wanted:
                return meeting
        raise NotFoundError("meeting", meeting_id, known=[m.id for m in plan.meetings])
    upcoming = sorted((m for m in plan.meetings if m.date >= today), key=lambda m: m.date)
    if not upcoming:
        raise InvalidValueError(
            f"the plan has no meeting on or after {today.isoformat()}",
            hint="pass --meeting ID with one of "
            + (", ".join(m.id for m in plan.meetings) or "the meetings in objectives.yaml"),
        )
    return upcoming[0]


def default_deadline(plan: Plan, meeting: Meeting) -> date:
    """The meeting's return deadline as the reporting cycle sets it (the ``cycle:`` section:
    so many working days before the meeting), the date the scheduler's requests and chasers
    give owners too."""
    from tracker.schedule.cycle import meeting_cycle

    return next(s.day for s in meeting_cycle(plan, meeting) if s.kind == "deadline")


def current_versions(session: Any) -> dict[str, tuple[int, Any]]:
    """Each action's version (its highest update id) and its latest update (by date, then id)."""
    from sqlmodel import col, select

    from tracker.db import models as m

    out: dict[str, tuple[int, Any]] = {}
    stmt = select(m.ProgressUpdate).order_by(col(m.ProgressUpdate.on), col(m.ProgressUpdate.id))
    for update in session.exec(stmt).all():
        version = max(out[update.action_id][0], update.id) if update.action_id in out else update.id
        out[update.action_id] = (version, update)
    return out


def _actions_for(plan: Plan, owner: Owner, meeting: Meeting, current: dict, archived: set) -> list:
    chosen = []
    for action in plan.actions():
        if action.owner != owner.id or action.id in archived or action.start > meeting.date:
            continue
        version, latest = current.get(action.id, (0, None))
        if latest is not None and latest.status in CLOSED:
            continue
        chosen.append(
            ReturnAction(
                id=action.id,
                title=action.title,
                due=action.due,
                last_status=latest.status if latest else None,
                last_progress=latest.progress if latest else None,
                last_rag=latest.rag if latest else None,
                last_on=latest.on if latest else None,
                version=version,
            )
        )
    return chosen


def _manifest(
    return_id: str, owner: Owner, meeting: Meeting, now: datetime, deadline: date | None, actions
) -> Manifest:
    rows = []
    for n, a in enumerate(actions):
        cells = {
            "A": a.id,
            "B": a.title,
            "C": a.due.isoformat(),
            "D": L.status_label(a.last_status) or None,
            "E": a.last_progress,
            "F": L.rag_label(a.last_rag) or None,
            "G": a.last_on.isoformat() if a.last_on else None,
        }
        rows.append(ManifestAction(id=a.id, row=L.FIRST_ROW + n, version=a.version, cells=cells))
    return Manifest(
        return_id=return_id,
        owner_id=owner.id,
        owner_email=str(owner.email).lower(),
        meeting_id=meeting.id,
        issued_at=now,
        deadline=deadline,
        sheet=L.RETURN_SHEET,
        actions=tuple(rows),
    )


def issue_returns(
    engine: Engine,
    plan: Plan,
    *,
    key: bytes,
    now: datetime,
    meeting_id: str | None = None,
    owner_email: str | None = None,
    deadline: date | None = None,
    issued_by: str | None = None,
    folder: Path | None = None,
) -> list[IssuedReturn]:
    """Build and record one return per owner with actions to report on (or just ``owner_email``).

    All the workbooks are recorded in one transaction. With ``folder`` they are also saved
    there (``write_returns``) before it commits, so a folder that cannot be written records
    nothing: an issue recorded without its file would supersede the workbook the owner holds.
    Without it, nothing is written to disk here.
    """
    from sqlmodel import col, select

    from tracker.db import models as m
    from tracker.db.engine import transaction
    from tracker.returns.workbook import SheetText, build_workbook

    meeting = find_meeting(plan, meeting_id, plan_today(plan, now))
    if owner_email:
        owner = plan.owner_by_email(owner_email)
        if owner is None:
            raise NotFoundError(
                "owner with email", owner_email.strip(), known=[str(o.email) for o in plan.owners]
            )
        owners = [owner]
    else:
        owners = list(plan.owners)
    due = deadline or default_deadline(plan, meeting)
    issued: list[IssuedReturn] = []
    with transaction(engine) as session:
        current = current_versions(session)
        archived = set(
            session.exec(select(m.Action.id).where(col(m.Action.archived_at).is_not(None))).all()
        )
        for owner in owners:
            actions = _actions_for(plan, owner, meeting, current, archived)
            if not actions:
                continue
            earlier = session.exec(
                select(m.ReturnIssue).where(
                    m.ReturnIssue.meeting_id == meeting.id, m.ReturnIssue.owner_id == owner.id
                )
            ).all()
            n = len(earlier) + 1
            return_id = f"{meeting.id}.{owner.id}.{n}"
            filename = f"return-{meeting.id}-{owner.id}" + (f"-v{n}" if n > 1 else "") + ".xlsx"
            manifest = _manifest(return_id, owner, meeting, now, due, actions)
            text = SheetText(
                owner_role=owner.role,
                organisation=owner.organisation,
                meeting_title=meeting.title,
                meeting_date=meeting.date,
                plan_name=plan.plan.name,
            )
            content = build_workbook(manifest, text, key)
            replaced = None
            for old in earlier:
                if old.superseded_by is None:
                    old.superseded_by = return_id
                    replaced = old.id
                    session.add(old)
            session.add(
                m.ReturnIssue(
                    id=return_id,
                    meeting_id=meeting.id,
                    owner_id=owner.id,
                    owner_email=str(owner.email).lower(),
                    issued_at=now,
                    issued_by=issued_by,
                    deadline=due,
                    filename=filename,
                    manifest_sha256=manifest.digest(),
                    actions=[{"id": a.id, "version": a.version} for a in actions],
                )
            )
            issued.append(
                IssuedReturn(
                    return_id=return_id,
                    owner=owner,
                    meeting=meeting,
                    filename=filename,
                    content=content,
                    actions=tuple(actions),
                    deadline=due,
                    issued_at=now,
                    superseded=replaced,
                )
            )
        if owner_email and not issued:
            raise NothingToReturnError(
                f"{owner_email.strip()} has no actions to report on for {meeting.id} "
                "(none started by then that are not complete or cancelled)",
                hint="check 'tracker status', or issue for another meeting with --meeting",
            )
        if folder is not None and issued:
            issued = write_returns(issued, folder)  # raises before the commit: no record
    return issued


def write_returns(issued: list[IssuedReturn], folder: Path) -> list[IssuedReturn]:
    """Save every workbook into ``folder`` (made if missing): all of them whole, or none.

    A folder that cannot be made or written to is a one-line WorkspaceError naming it.
    """
    from tracker.reports.writer import write_files

    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(
            f"cannot write the returns into {folder}: it is a file, not a folder",
            hint="choose a folder with --out DIR",
        )
    paths = write_files({folder / item.filename: item.content for item in issued})
    return [replace(item, path=path) for item, path in zip(issued, paths, strict=True)]


# --- who has returned ----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerReturn:
    return_id: str
    owner_email: str
    role: str
    issued_at: datetime
    deadline: date | None
    loaded_at: datetime | None
    actions: int
    state: str  # returned | outstanding | overdue

    def to_json(self) -> dict[str, Any]:
        return {
            "return": self.return_id,
            "owner": self.owner_email,
            "role": self.role,
            "issued_at": self.issued_at.isoformat(timespec="seconds"),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "returned_at": self.loaded_at.isoformat(timespec="seconds") if self.loaded_at else None,
            "actions": self.actions,
            "state": self.state,
        }


@dataclass(frozen=True)
class ReturnsStatus:
    meeting: Meeting
    today: date
    owners: list[OwnerReturn]

    @property
    def counts(self) -> dict[str, int]:
        states = [o.state for o in self.owners]
        return {s: states.count(s) for s in ("returned", "outstanding", "overdue")}

    def to_json(self) -> dict[str, Any]:
        return {
            "meeting": {
                "id": self.meeting.id,
                "date": self.meeting.date.isoformat(),
                "title": self.meeting.title,
            },
            "as_of": self.today.isoformat(),
            "owners": [o.to_json() for o in self.owners],
            "counts": self.counts,
        }


def return_status(
    engine: Engine, plan: Plan, *, today: date, meeting_id: str | None = None
) -> ReturnsStatus:
    """Each owner's current return for the meeting: returned, outstanding or overdue.

    Without ``meeting_id``: the meeting of the most recent issue, else the next meeting.
    """
    from sqlmodel import Session, col, select

    from tracker.db import models as m
    from tracker.db.models import as_utc

    with Session(engine) as session:
        if meeting_id is None:
            latest = session.exec(
                select(m.ReturnIssue).order_by(col(m.ReturnIssue.issued_at).desc())
            ).first()
            meeting_id = latest.meeting_id if latest else None
        meeting = find_meeting(plan, meeting_id, today)
        rows = session.exec(
            select(m.ReturnIssue).where(
                m.ReturnIssue.meeting_id == meeting.id, col(m.ReturnIssue.superseded_by).is_(None)
            )
        ).all()
    owners = []
    for row in rows:
        owner = plan.owner(row.owner_id)
        if row.loaded_at is not None:
            state = "returned"
        elif row.deadline is not None and today > row.deadline:
            state = "overdue"
        else:
            state = "outstanding"
        owners.append(
            OwnerReturn(
                return_id=row.id,
                owner_email=row.owner_email,
                role=owner.role if owner else row.owner_id,
                issued_at=as_utc(row.issued_at),
                deadline=row.deadline,
                loaded_at=as_utc(row.loaded_at) if row.loaded_at else None,
                actions=len(row.actions or []),
                state=state,
            )
        )
    order = {"overdue": 0, "outstanding": 1, "returned": 2}
    owners.sort(key=lambda o: (order[o.state], o.owner_email))
    return ReturnsStatus(meeting=meeting, today=today, owners=owners)
