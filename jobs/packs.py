"""The Steering Group pack and the strategy review: compiled, then emailed.

Until the pack and review builders are installed these jobs fail with a clear
error (recorded, retried and reported like any other failure), so the rest of
the cycle runs.
"""

from __future__ import annotations

from tracker.errors import TrackerError
from tracker.schedule.dispatch import DispatchRef
from tracker.schedule.runner import JobContext, JobResult


class JobUnavailableError(TrackerError):
    """This installation of tracker cannot do this step (a module it needs is missing)."""


def _unavailable(what: str) -> JobUnavailableError:
    return JobUnavailableError(
        f"{what} cannot be compiled by this installation of tracker",
        hint="upgrade tracker, or skip this dispatch with 'tracker schedule skip ID'",
    )


def send_pack(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the Steering Group pack for the meeting and email it to the group."""
    raise _unavailable("the Steering Group pack")


def send_review(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the review workbook and paper and email them to the chair."""
    raise _unavailable("the review")
