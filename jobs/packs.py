"""The Steering Group pack and the strategy review: compiled, then emailed.

The pack is compiled for its meeting as of the meeting's cut-off (the plan's
``pack:`` section) by ``tracker.reporting.compile_pack``, which writes the
workbook under ``outputs/packs/`` and records it; the email carries the pack's
own summary (ratings, exceptions, headline KPIs as the pack shows them, so
disclosure control has already been applied) with the workbook attached.
Compiling again from the same data gives the same bytes, so a pack dispatch
done again after an interruption sends the same file, once.
"""

from __future__ import annotations

from typing import Any

from jobs.mailing import file_record, meeting_of, meeting_ref, send, sender, today
from tracker.schedule.dispatch import DispatchRef
from tracker.schedule.runner import JobContext, JobResult


def _kpi_headline(k: Any) -> Any:
    from tracker.figures import fmt_value
    from tracker.mail.messages import KpiHeadline

    if k.latest_shown_as:
        value = str(k.latest_shown_as)
    elif k.latest_value is not None:
        value = fmt_value(k.latest_value, k.unit)
    else:
        value = "no data"
    target = fmt_value(k.target, k.unit) if k.target is not None else None
    return KpiHeadline(
        id=k.id,
        name=k.name,
        value=value,
        rating=k.rating,
        target=target,
        period=k.latest_period,
        trend=None,
    )


def email_summary(summary: Any) -> Any:
    """The mail layer's pack summary, from the compiled pack's own (``reports.model``)."""
    from tracker.mail.messages import ExceptionItem, ObjectiveRow, PackSummary

    return PackSummary(
        as_of=summary.as_of,
        objectives=tuple(
            ObjectiveRow(id=o.id, title=o.title, rating=o.rating, counts=tuple(o.counts))
            for o in summary.objectives
        ),
        exceptions=tuple(
            ExceptionItem(
                id=e.item,
                title=e.title,
                rating=e.rating,
                reason=e.reason,
                owner=e.owner or None,
                narrative=e.narrative or None,
                mitigation=e.mitigation or None,
            )
            for e in summary.exceptions
        ),
        kpis=tuple(_kpi_headline(k) for k in summary.headline_kpis),
        note="Figures from 1 to 4 are shown as <5 or [c]; see the pack's Notes sheet.",
    )


def send_pack(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the Steering Group pack for the meeting and email it to the group."""
    from tracker.mail.build import build_pack_email
    from tracker.mail.messages import Attachment, PackEmail
    from tracker.reporting import compile_pack

    compiled = compile_pack(
        ctx.engine,
        ctx.plan,
        out_dir=ctx.settings.outputs / "packs",
        meeting=job.meeting_id,
        today=today(ctx),
        by="scheduler",
    )
    recipients = tuple(str(a) for a in ctx.plan.distribution.steering_group)
    message = build_pack_email(
        PackEmail(
            recipients=recipients,
            meeting=meeting_ref(ctx, job.meeting_id),
            summary=email_summary(compiled.summary),
            pack=Attachment(filename=compiled.path.name, data=compiled.path.read_bytes()),
        ),
        sender=sender(ctx),
        date=ctx.now,
        templates=ctx.settings.templates,
    )
    result = send(ctx, message, to=", ".join(recipients))
    return JobResult(
        outputs={**result.outputs, "files": [file_record(compiled.path)]},
        summary=f"{result.summary}; pack {compiled.path}",
    )


def send_review(ctx: JobContext, job: DispatchRef) -> JobResult:
    """Compile the review workbook and paper and email them to the chair."""
    from tracker.mail.build import build_review_email
    from tracker.mail.messages import DOCX, Attachment, ReviewEmail
    from tracker.reporting import compile_review

    meeting_of(ctx, job.meeting_id)
    compiled = compile_review(
        ctx.engine,
        ctx.plan,
        out_dir=ctx.settings.outputs / "review",
        today=today(ctx),
        by="scheduler",
    )
    assert compiled.paper is not None
    recipients = tuple(str(a) for a in ctx.plan.distribution.chair)
    message = build_review_email(
        ReviewEmail(
            recipients=recipients,
            meeting=meeting_ref(ctx, job.meeting_id),
            as_of=compiled.as_of,
            workbook=Attachment(filename=compiled.path.name, data=compiled.path.read_bytes()),
            paper=Attachment(
                filename=compiled.paper.name, data=compiled.paper.read_bytes(), content_type=DOCX
            ),
        ),
        sender=sender(ctx),
        date=ctx.now,
        templates=ctx.settings.templates,
    )
    result = send(ctx, message, to=", ".join(recipients))
    files = [file_record(compiled.path), file_record(compiled.paper)]
    return JobResult(
        outputs={**result.outputs, "files": files},
        summary=f"{result.summary}; review {compiled.path} and {compiled.paper}",
    )
