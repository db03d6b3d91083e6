"""The Steering Group pack and the strategy review: compiled, then emailed.

The pack is compiled for its meeting as of the meeting's cut-off (the plan's
``pack:`` section) by ``tracker.reporting.compile_pack``, which writes the
workbook under ``outputs/packs/`` and records it; the email is composed by
``tracker.mailing.pack_email`` exactly as ``tracker pack --send`` composes it
(the pack's own summary, so disclosure control has already been applied).
Compiling again from the same data gives the same bytes and the email has the
same Message-ID, so a pack dispatch done again after an interruption sends
the same file, once.
"""

from __future__ import annotations

from jobs.mailing import file_record, meeting_of, send, today
from tracker.schedule.dispatch import DispatchRef
from tracker.schedule.runner import JobContext, JobResult


def send_pack(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the Steering Group pack for the meeting and email it to the group."""
    from tracker.mailing import pack_email
    from tracker.reporting import compile_pack
    from tracker.workspace import Workspace

    compiled = compile_pack(
        ctx.engine,
        ctx.plan,
        out_dir=ctx.settings.packs,
        meeting=job.meeting_id,
        today=today(ctx),
        by="scheduler",
    )
    ws = Workspace(settings=ctx.settings, engine=ctx.engine)  # not closed: the engine is shared
    message = pack_email(ws, compiled, now=ctx.now)
    to = ", ".join(str(a) for a in ctx.plan.distribution.steering_group)
    result = send(ctx, message, to=to)
    return JobResult(
        outputs={**result.outputs, "files": [file_record(compiled.path)]},
        summary=f"{result.summary}; pack {compiled.path}",
    )


def send_review(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the review workbook and paper and email them to the chair."""
    from tracker.mailing import review_email
    from tracker.reporting import compile_review
    from tracker.workspace import Workspace

    meeting_of(ctx, job.meeting_id)
    compiled = compile_review(
        ctx.engine,
        ctx.plan,
        out_dir=ctx.settings.reviews,
        today=today(ctx),
        by="scheduler",
    )
    assert compiled.paper is not None
    ws = Workspace(settings=ctx.settings, engine=ctx.engine)
    message = review_email(ws, compiled, now=ctx.now)
    result = send(ctx, message, to=", ".join(str(a) for a in ctx.plan.distribution.chair))
    files = [file_record(compiled.path), file_record(compiled.paper)]
    return JobResult(
        outputs={**result.outputs, "files": files},
        summary=f"{result.summary}; review {compiled.path} and {compiled.paper}",
    )
