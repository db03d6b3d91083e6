"""The job for each step of the reporting cycle, as plain functions.

Each takes a ``JobContext`` (database engine, plan, workspace settings, the
time of the pass and the mail transport) and the dispatch it is doing, and
returns a ``JobResult``: what it produced (files with their checksums,
Message-IDs) and a line for the log. None of them knows about APScheduler,
claims or retries: ``tracker.schedule.runner`` does that around them, and
tests call them directly at any time they like.

``HANDLERS`` maps each dispatch kind to its job; ``report_to_administrators``
is the job that tells the plan's administrators about failed and missed
dispatches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Action, ProgressUpdate
from tracker.db.models_schedule import Dispatch
from tracker.errors import TrackerError
from tracker.schedule.dispatch import DispatchRef, utc
from tracker.schedule.runner import Handler, JobContext, JobResult


class JobUnavailableError(TrackerError):
    """This version of tracker cannot do this step (a module it needs is missing)."""


def file_record(path: Path) -> dict[str, Any]:
    """A produced file as the dispatch table records it: where it is and its SHA-256."""
    return {"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


# --- who has returned ---------------------------------------------------------------


def request_sent_at(ctx: JobContext, meeting_id: str, owner_id: str) -> datetime | None:
    """When the return request for ``meeting_id`` went to ``owner_id`` (None: not yet)."""
    with Session(ctx.engine) as session:
        row = session.exec(
            select(Dispatch).where(
                col(Dispatch.meeting_id) == meeting_id,
                col(Dispatch.kind) == "request",
                col(Dispatch.recipient) == owner_id,
                col(Dispatch.state) == "done",
            )
        ).first()
    return utc(row.finished_at) if row is not None and row.finished_at else None


def has_returned(ctx: JobContext, meeting_id: str, owner_id: str) -> bool:
    """Whether ``owner_id`` has reported since the request for ``meeting_id`` went out.

    An owner has returned when an update on one of their actions was recorded
    after their return request was sent, whether it came from their return
    workbook, the command line or anything else.
    """
    owner = ctx.plan.owner(owner_id)
    if owner is None:
        return False
    since = request_sent_at(ctx, meeting_id, owner_id)
    with Session(ctx.engine) as session:
        stmt = (
            select(ProgressUpdate.recorded_at)
            .join(Action, col(Action.id) == col(ProgressUpdate.action_id))
            .where(col(Action.owner_id) == owner_id)
        )
        times = [utc(t) for t in session.exec(stmt).all()]
    return any(since is None or t >= since for t in times) and bool(times)


def outstanding(ctx: JobContext, meeting_id: str) -> list[str]:
    """Owners asked for a return before ``meeting_id`` who have not returned yet."""
    with Session(ctx.engine) as session:
        asked = session.exec(
            select(Dispatch.recipient).where(
                col(Dispatch.meeting_id) == meeting_id,
                col(Dispatch.kind) == "request",
                col(Dispatch.state) == "done",
            )
        ).all()
    return sorted(o for o in set(asked) if not has_returned(ctx, meeting_id, o))


# --- the jobs ---------------------------------------------------------------------


def note_deadline(ctx: JobContext, job: DispatchRef) -> JobResult:
    """At the deadline: record who is outstanding (nothing is sent)."""
    late = outstanding(ctx, job.meeting_id)
    names = ", ".join(late) if late else "none"
    return JobResult(
        outputs={"outstanding": late}, summary=f"{len(late)} owners outstanding: {names}"
    )


def _unavailable(what: str, module: str) -> JobUnavailableError:
    return JobUnavailableError(
        f"{what} needs {module}, which this installation of tracker lacks",
        hint="upgrade tracker, or skip this dispatch with 'tracker schedule skip ID'",
    )


def request_return(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Issue the owner's return workbook for the meeting and email it to them."""
    raise _unavailable("a return request", "tracker.returns and tracker.mail")


def send_pack(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the Steering Group pack for the meeting and email it to the group."""
    raise _unavailable("the Steering Group pack", "tracker.reports and tracker.mail")


def send_review(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the review workbook and paper and email them to the chair."""
    raise _unavailable("the review", "tracker.reports and tracker.mail")


def _chase(ctx: JobContext, job: DispatchRef) -> JobResult:
    from jobs.mailing import chase

    return chase(ctx, job)


def report_to_administrators(ctx: JobContext, rows: Sequence[Dispatch]) -> JobResult:
    """Tell the plan's administrators which dispatches failed or were missed."""
    from jobs.mailing import report_to_administrators as report

    return report(ctx, rows)


HANDLERS: dict[str, Handler] = {
    "request": request_return,
    "deadline": note_deadline,
    "chaser": _chase,
    "pack": send_pack,
    "review": send_review,
}
