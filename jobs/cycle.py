"""The job for each step of the reporting cycle, as plain functions, and the registry of them.

Each job takes a ``JobContext`` (database engine, plan, workspace settings, the
time of the pass, the mail transport) and the dispatch it is doing, and
returns a ``JobResult``: what it produced (files with their checksums,
Message-IDs) and a line for the log. None of them knows about APScheduler,
claims or retries: ``tracker.schedule.runner`` does that around them, and
tests call them directly at any time they like.

* ``jobs.returns``: return requests (issue the owner's workbook and email it)
  and chasers (only to owners whose return is not in);
* ``jobs.packs``: the Steering Group pack and the review, compiled and sent;
* ``jobs.mailing``: sending once through the workspace's transport, and the
  email telling administrators what failed or was missed.

``HANDLERS`` maps each dispatch kind to its job.
"""

from __future__ import annotations

from jobs.mailing import report_to_administrators
from jobs.packs import send_pack, send_review
from jobs.returns import chase, outstanding, request_return
from tracker.schedule.dispatch import DispatchRef
from tracker.schedule.runner import Handler, JobContext, JobResult


def note_deadline(ctx: JobContext, job: DispatchRef) -> JobResult:
    """At the deadline: record who is outstanding (nothing is sent)."""
    late = outstanding(ctx, job.meeting_id)
    names = ", ".join(late) if late else "none"
    return JobResult(
        outputs={"outstanding": late}, summary=f"{len(late)} owners outstanding: {names}"
    )


HANDLERS: dict[str, Handler] = {
    "request": request_return,
    "deadline": note_deadline,
    "chaser": chase,
    "pack": send_pack,
    "review": send_review,
}

__all__ = ["HANDLERS", "note_deadline", "report_to_administrators"]
