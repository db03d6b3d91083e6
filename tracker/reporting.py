"""Compiling packs and reviews: read the workspace, build the files, write and record them.

This is the stateful shell around the pure builders of ``tracker.reports``
(which never import the database layer). ``gather_pack`` and
``gather_review`` turn the database and the plan into plain values
(``tracker.reports.model``); ``compile_pack`` and ``compile_review`` build the
bytes, write them atomically (``tracker.reports.writer``) and record each file
with its SHA-256 and a digest of its inputs in ``pack_record``, in one
transaction. ``pack_period`` decides which meeting and as-of date a pack is for.

Sources of the values, so that only this module changes when they do:
ratings from ``tracker.status.build_status``; KPI values from
``tracker.kpi.service.kpi_histories``, with every figure the release hides hidden
too; publication tables from ``tracker.release.publish`` (declared tables,
protected together with everything released before, recorded in the release
ledger). When a release cannot be made safely the data set's sheet says so and
shows no table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from tracker.disclosure.model import MARKER
from tracker.errors import InvalidValueError, NotFoundError
from tracker.pack_inputs import (
    dataset_tables,
    kpi_histories,
    kpi_lines,
    kpi_ratings,
    release_for,
    released_histories,
    source_lines,
)
from tracker.pack_records import PackListing as PackListing  # the listing, importable here
from tracker.pack_records import list_packs as list_packs
from tracker.plan.schema import Meeting, Plan
from tracker.rag import KPI_RATINGS
from tracker.reports.model import (
    ACTION_RATINGS,
    ActionLine,
    KpiLine,
    ObjectiveLine,
    PackData,
    PackSummary,
    ReviewData,
)
from tracker.wording import rules_text

PACK_TITLE = "Steering Group pack"
REVIEW_TITLE = "Strategy review"
# --- which meeting, as of when ---------------------------------------------------------------


def find_meeting(plan: Plan, ident: str) -> Meeting:
    wanted = ident.strip().casefold()
    for m in plan.meetings:
        if m.id.casefold() == wanted:
            return m
    raise NotFoundError("meeting", ident, known=[m.id for m in plan.meetings])


def pack_period(
    plan: Plan, *, meeting: str | None, as_of: date | None, today: date
) -> tuple[Meeting | None, date]:
    """The meeting a pack is for and its as-of date.

    * ``meeting``: that meeting, as of its cut-off (``pack.cutoff`` in the plan);
      an explicit ``as_of`` is used instead when given too.
    * ``as_of`` alone: as of that date, for the next Steering Group meeting after it.
    * neither: the next Steering Group meeting from today, as of its cut-off, or of
      today if the cut-off has not come yet.
    """
    groups = sorted((m for m in plan.meetings if m.kind == "steering_group"), key=lambda m: m.date)
    if as_of is not None:
        check_as_of(plan, as_of, today=today)
    if meeting is not None:
        chosen = find_meeting(plan, meeting)
        if as_of is not None and as_of > chosen.date:
            raise InvalidValueError(
                f"a pack for {chosen.id} (on {chosen.date.isoformat()}) cannot be as of "
                f"{as_of.isoformat()}, after its meeting",
                hint="leave out --as-of for the meeting's cut-off, or give a date on or before "
                "the meeting",
            )
        return chosen, as_of or plan.pack.cutoff_for(chosen.date)
    if as_of is not None:
        return next((m for m in groups if m.date > as_of), None), as_of
    ahead = next((m for m in groups if m.date >= today), None)
    if ahead is None:
        raise InvalidValueError(
            f"no Steering Group meeting in the plan is on or after {today.isoformat()}",
            hint="name one with --meeting ID, or give --as-of DATE",
        )
    return ahead, min(today, plan.pack.cutoff_for(ahead.date))


def check_as_of(plan: Plan, as_of: date, *, today: date) -> None:
    """Refuse a pack or review as of a day it cannot speak for: before the strategy, or ahead.

    Each compiled file is recorded as a release, which later releases are protected
    against (docs/disclosure.md) and compared with: a stray one would mislead both.
    """
    start = plan.plan.start
    if as_of < start:
        raise InvalidValueError(
            f"--as-of {as_of.isoformat()} is before the strategy starts ({start.isoformat()})",
            hint=f"give a date from {start.isoformat()} on",
        )
    if as_of > today:
        raise InvalidValueError(
            f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}): a pack or "
            "review reports what is known",
            hint="give a date up to today",
        )


def previous_meeting(plan: Plan, as_of: date) -> Meeting | None:
    """The last Steering Group meeting on or before ``as_of``, or None."""
    held = [m for m in plan.meetings if m.kind == "steering_group" and m.date <= as_of]
    return max(held, key=lambda m: m.date, default=None)


# --- gathering the inputs ----------------------------------------------------------------


def _action_lines(
    engine: Engine, plan: Plan, as_of: date, histories: list[Any]
) -> tuple[Any, tuple[ActionLine, ...]]:
    """The status report and each action's line; KPI ratings from ``histories`` (read once)."""
    from tracker.status import build_status

    report = build_status(engine, plan, as_of=as_of, kpis=kpi_ratings(histories))
    self_rags = _self_ratings(engine, as_of)
    lines = []
    for o in report.objectives:
        for a in o.actions:
            lines.append(action_line(o.id, a, self_rags.get(a.id)))
    return report, tuple(lines)


def action_line(objective_id: str, a: Any, self_rating: str | None = None) -> ActionLine:
    """One action of the status report as the pack shows it.

    The action engine's rating carries what was computed, the owner's view, the
    override in force and flags such as "update overdue"; a plain rating has none.
    The update's note is split as returns store it (``tracker.returns.layout``): the
    narrative, and the owner's next steps and risks, each shown in its own column.
    """
    from tracker.returns.layout import split_note

    update = a.last_update
    narrative, sections = split_note(update.note if update else None)
    rag = a.rag
    computed = getattr(rag, "computed", None) or rag
    override = getattr(rag, "override", None)
    flags = getattr(rag, "flags", ())
    return ActionLine(
        id=a.id,
        objective_id=objective_id,
        title=a.title,
        owner_role=a.owner_role,
        owner_email=a.owner,
        start=a.start,
        due=a.due,
        status=a.status,
        progress=a.progress,
        rating=rag.rating,
        reason=rag.reason,
        computed_rating=computed.rating,
        self_rating=getattr(rag, "self_rag", None) or self_rating,
        override_rating=override.rating if override else None,
        override_reason=override.reason if override else None,
        override_until=override.until if override else None,
        update_overdue=any(f.flag == "update_overdue" for f in flags),
        last_update_on=update.on if update else None,
        narrative=narrative,
        next_steps=sections.get("next_steps"),
        risks=sections.get("risks"),
    )


def _self_ratings(engine: Engine, as_of: date) -> dict[str, str]:
    """Each action's own rating on its latest update on or before ``as_of``."""
    from sqlmodel import Session, col, select

    from tracker.db.models import ProgressUpdate

    out: dict[str, str] = {}
    with Session(engine) as session:
        rows = session.exec(
            select(ProgressUpdate.action_id, ProgressUpdate.rag)
            .where(col(ProgressUpdate.on) <= as_of)
            .order_by(col(ProgressUpdate.on), col(ProgressUpdate.id))
        ).all()
    for action_id, rag in rows:
        if rag:
            out[action_id] = rag
        else:
            out.pop(action_id, None)
    return out


def _objective_lines(report: Any) -> tuple[ObjectiveLine, ...]:
    out = []
    for o in report.objectives:
        rated = [a.rag.rating for a in o.actions if a.status != "cancelled"]
        out.append(
            ObjectiveLine(
                id=o.id,
                short_title=o.short_title,
                title=o.title,
                lead_role=o.lead_role,
                rating=o.rag.rating,
                reason=o.rag.reason,
                counts=tuple((r, rated.count(r)) for r in ACTION_RATINGS),
                kpi_counts=tuple(
                    (r, n)
                    for r in KPI_RATINGS
                    if (n := int((o.rag.inputs or {}).get("kpis", {}).get(r, 0)))
                ),
            )
        )
    return tuple(out)


def _suppression_rule(plan: Plan) -> str:
    t = plan.plan.suppression_threshold
    return (
        f"Counts from 1 to {t - 1} are never shown: KPI values and table cells are shown as "
        f"{MARKER}, and further figures are hidden where a small count could be worked out from "
        "totals or from figures released before (secondary suppression). Zero is shown."
    )


def _previous_pack(engine: Engine, as_of: date) -> Any:
    from sqlmodel import Session, col, select

    from tracker.db.models import PackRecord

    with Session(engine) as session:
        return session.exec(
            select(PackRecord)
            .where(PackRecord.kind == "pack", col(PackRecord.as_of) < as_of)
            .order_by(col(PackRecord.as_of).desc(), col(PackRecord.id).desc())
        ).first()


def gather_pack(engine: Engine, plan: Plan, *, as_of: date, meeting: Meeting | None) -> PackData:
    """Everything the pack for ``meeting`` as of ``as_of`` shows."""
    from tracker.reports.changes import changes_since

    reference = f"pack {meeting.id if meeting else 'without a meeting'} as of {as_of.isoformat()}"
    publication, problem = release_for(
        engine,
        plan,
        as_of=as_of,
        channel="pack",
        reference=reference,
        recipients=plan.distribution.steering_group,
    )
    # Ratings from the figures as released: an objective's roll-up never counts the rating of
    # a KPI whose figure the pack hides (a red there would say the hidden figure is low).
    histories = released_histories(plan, kpi_histories(engine, plan, as_of), publication, problem)
    report, actions = _action_lines(engine, plan, as_of, histories)
    kpis = kpi_lines(histories, plan)  # the histories are as released
    previous = _previous_pack(engine, as_of)
    headline = tuple(plan.pack.headline_kpis) or tuple(k.id for k in kpis)
    return PackData(
        title=PACK_TITLE,
        plan=plan.plan.name,
        partnership=plan.plan.partnership,
        marking=plan.pack.marking,
        as_of=as_of,
        meeting_id=meeting.id if meeting else None,
        meeting_title=meeting.title if meeting else None,
        meeting_date=meeting.date if meeting else None,
        threshold=plan.plan.suppression_threshold,
        objectives=_objective_lines(report),
        actions=actions,
        kpis=kpis,
        headline_kpis=headline,
        datasets=dataset_tables(plan, publication, problem),
        changes=(
            changes_since(previous.snapshot, actions, _objective_lines(report), kpis)
            if previous
            else ()
        ),
        previous_as_of=previous.as_of if previous else None,
        sources=source_lines(engine, plan, as_of),
        rules=rules_text(plan.rag, plan.plan.suppression_threshold),
        suppression_rule=_suppression_rule(plan),
        cancelled=tuple(a.id for a in actions if a.status == "cancelled"),
    )


def gather_review(engine: Engine, plan: Plan, *, as_of: date) -> ReviewData:
    """Everything the review workbook and paper show, over the whole strategy to ``as_of``."""
    review = next((m for m in plan.meetings if m.kind == "review"), None)
    publication, problem = release_for(
        engine,
        plan,
        as_of=as_of,
        channel="review",
        reference=f"review as of {as_of.isoformat()}",
        recipients=plan.distribution.chair,
    )
    histories = released_histories(plan, kpi_histories(engine, plan, as_of), publication, problem)
    report, actions = _action_lines(engine, plan, as_of, histories)
    return ReviewData(
        title=REVIEW_TITLE,
        plan=plan.plan.name,
        partnership=plan.plan.partnership,
        marking=plan.pack.marking,
        as_of=as_of,
        start=plan.plan.start,
        end=plan.plan.end,
        review_date=review.date if review else plan.plan.review,
        meeting_title=review.title if review else None,
        report_of=_chair_role(plan),
        threshold=plan.plan.suppression_threshold,
        objectives=_objective_lines(report),
        actions=actions,
        kpis=kpi_lines(histories, plan),  # the histories are as released
        datasets=dataset_tables(plan, publication, problem),
        sources=source_lines(engine, plan, as_of),
        rules=rules_text(plan.rag, plan.plan.suppression_threshold),
        suppression_rule=_suppression_rule(plan),
    )


def _chair_role(plan: Plan) -> str:
    return "Chair of the Steering Group"


# --- compiling, writing and recording -------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """One compiled file and its record."""

    kind: str  # pack | review
    path: Path
    sha256: str
    inputs_digest: str
    record_id: int
    as_of: date
    meeting_id: str | None
    summary: PackSummary | None = None  # packs only: what an email repeats
    paper: Path | None = None  # reviews only: the draft paper beside the workbook
    paper_sha256: str | None = None
    new_record: bool = True  # False: the same file was recorded before, as record_id

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "path": str(self.path),
            "sha256": self.sha256,
            "inputs_digest": self.inputs_digest,
            "record": self.record_id,
            "new_record": self.new_record,
            "as_of": self.as_of.isoformat(),
            "meeting": self.meeting_id,
        }
        if self.paper is not None:
            out["paper"] = str(self.paper)
            out["paper_sha256"] = self.paper_sha256
        return out


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def pack_file_name(meeting_id: str | None, as_of: date) -> str:
    return f"pack-{meeting_id + '-' if meeting_id else ''}as-of-{as_of.isoformat()}.xlsx"


def compile_pack(
    engine: Engine,
    plan: Plan,
    *,
    out_dir: Path,
    meeting: str | None = None,
    as_of: date | None = None,
    today: date,
    by: str | None = None,
) -> Compiled:
    """Build the pack, write it atomically under ``out_dir`` and record it."""
    from tracker.reports.changes import snapshot
    from tracker.reports.pack import build_pack

    chosen, day = pack_period(plan, meeting=meeting, as_of=as_of, today=today)
    data = gather_pack(engine, plan, as_of=day, meeting=chosen)
    body = build_pack(data)
    digest = data.digest()
    path = out_dir / pack_file_name(data.meeting_id, day)
    record_id, new = _record(
        engine,
        kind="pack",
        meeting_id=data.meeting_id,
        as_of=day,
        files={path: body},
        digest=digest,
        snap=snapshot(data.actions, data.objectives, data.kpis),
        by=by,
    )
    return Compiled(
        "pack",
        path,
        _sha(body),
        digest,
        record_id,
        day,
        data.meeting_id,
        data.summary(),
        new_record=new,
    )


def compile_review(
    engine: Engine,
    plan: Plan,
    *,
    out_dir: Path,
    as_of: date | None = None,
    today: date,
    by: str | None = None,
) -> Compiled:
    """Build the review workbook and the draft paper, write both atomically and record them."""
    from tracker.reports.changes import snapshot
    from tracker.reports.paper import build_paper
    from tracker.reports.review import build_review

    if as_of is not None:
        check_as_of(plan, as_of, today=today)
    day = as_of or min(today, plan.pack.cutoff_for(plan.plan.review))
    data = gather_review(engine, plan, as_of=day)
    book, paper = build_review(data), build_paper(data)
    digest = data.digest()
    book_path = out_dir / f"review-as-of-{day.isoformat()}.xlsx"
    paper_path = out_dir / f"review-paper-as-of-{day.isoformat()}.docx"
    record_id, new = _record(
        engine,
        kind="review",
        meeting_id=None,
        as_of=day,
        files={book_path: book, paper_path: paper},
        digest=digest,
        snap=snapshot(data.actions, data.objectives, data.kpis),
        by=by,
    )
    return Compiled(
        "review",
        book_path,
        _sha(book),
        digest,
        record_id,
        day,
        None,
        paper=paper_path,
        paper_sha256=_sha(paper),
        new_record=new,
    )


def _record(
    engine: Engine,
    *,
    kind: str,
    meeting_id: str | None,
    as_of: date,
    files: dict[Path, bytes],
    digest: str,
    snap: dict[str, Any],
    by: str | None,
) -> tuple[int, bool]:
    """Write the files and record the first, in one transaction: both happen or neither.

    Returns the record's id and whether it is new. A compilation that gives exactly
    the file already recorded last for the same kind, meeting and as-of date (same
    SHA-256, same inputs) adds no record: the files are written again and the earlier
    record stands, so ``tracker pack list`` shows each distinct pack once.
    """
    from sqlmodel import col, select

    from tracker.db.engine import transaction
    from tracker.db.models import PackRecord, utcnow
    from tracker.reports.writer import write_files

    (path, body), *_ = files.items()
    sha = _sha(body)
    with transaction(engine) as session:
        last = session.exec(
            select(PackRecord)
            .where(
                PackRecord.kind == kind,
                PackRecord.meeting_id == meeting_id,
                PackRecord.as_of == as_of,
            )
            .order_by(col(PackRecord.id).desc())
        ).first()
        same = (sha, digest, path.name)
        if (
            last is not None
            and last.id is not None
            and ((last.sha256, last.inputs_digest, last.file_name) == same)
        ):
            write_files(files)
            return last.id, False
        row = PackRecord(
            kind=kind,
            meeting_id=meeting_id,
            as_of=as_of,
            file_name=path.name,
            sha256=sha,
            inputs_digest=digest,
            snapshot=snap,
            compiled_at=utcnow(),
            by=by,
        )
        session.add(row)
        session.flush()
        write_files(files)
        assert row.id is not None
        return row.id, True


# --- for the pack email ------------------------------------------------------------------------


def mail_summary(summary: PackSummary) -> Any:
    """The pack's summary as the pack email carries it (``tracker.mail.messages.PackSummary``).

    Every figure is the text the pack shows (a hidden one stays ``<5``); nothing is recomputed.
    """
    from tracker.figures import fmt_number, fmt_target
    from tracker.mail import messages as mail

    def direction(k: KpiLine) -> Literal["higher", "lower"]:
        return "lower" if k.direction == "lower" else "higher"

    def trend(k: KpiLine) -> str | None:
        if k.travel == "same":
            return "level"
        if k.travel not in ("improved", "worse"):
            return None
        up = (k.travel == "improved") == (k.direction == "higher")
        return "up" if up else "down"

    kpis = tuple(
        mail.KpiHeadline(
            id=k.id,
            name=k.name,
            value=(
                fmt_number(k.latest_value)
                if k.latest_value is not None
                else (k.latest_shown_as or "no data")
            ),
            rating=k.rating,
            target=None if k.target is None else fmt_target(k.target, k.unit, direction(k)),
            period=k.latest_period,
            trend=trend(k),
        )
        for k in summary.headline_kpis
    )
    return mail.PackSummary(
        as_of=summary.as_of,
        objectives=tuple(
            mail.ObjectiveRow(o.id, o.short_title, o.rating, o.counts) for o in summary.objectives
        ),
        exceptions=tuple(
            mail.ExceptionItem(
                id=e.item,
                title=e.title,
                rating=e.rating,
                reason=e.reason,
                owner=e.owner,
                narrative=e.narrative,
                mitigation=e.mitigation,
            )
            for e in summary.exceptions
        ),
        kpis=kpis,
        note=(
            f"Figures from 1 to {summary.threshold - 1} are hidden (<{summary.threshold} or [c]) "
            "so that no one can be identified."
        ),
    )
