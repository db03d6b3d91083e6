"""One pass of the scheduler: everything due at ``now`` is done, once.

A pass (``run_pass``) is what ``tracker schedule tick``, ``run --once`` and
each wake-up of ``tracker schedule run`` do:

1. re-derive the dispatch table from the plan in force, so plan changes count
   at once (``dispatch.sync_dispatches``);
2. resume rows a stopped scheduler left claimed: completed again when their
   delivery is idempotent (the outbox), flagged for the administrators when it
   is not (sendmail);
3. take each due row in turn: if its meeting has begun it is marked missed;
   otherwise it is claimed (committed) and only then handed to the job
   function for its kind, whose result closes it as done, skipped or failed
   (retried later with back-off);
4. tell the administrators about failed and missed rows, once each.

The job functions are passed in (``handlers``: kind -> function), so this
module knows nothing about returns, packs or email, and tests can give their
own. A failing job is recorded and never stops the pass. The caller must hold
the scheduler lock (``tracker.schedule.lock``) around a pass.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from tracker.db.models_schedule import Dispatch
from tracker.errors import TrackerError
from tracker.plan.schema import Plan
from tracker.schedule import dispatch as d
from tracker.schedule.cycle import KIND_LABELS, meeting_starts
from tracker.settings import Settings

log = logging.getLogger("tracker.schedule")
ADMIN_RETRY = "retry asked for by the administrator"


@dataclass(frozen=True)
class JobContext:
    """What a job function is given: the database, the plan, the workspace, the time."""

    engine: Engine
    plan: Plan
    settings: Settings
    now: datetime
    transport: str = "outbox"


@dataclass(frozen=True)
class JobResult:
    """What a job did: its outputs (files with checksums, Message-IDs) and a line for the log.

    ``skipped`` gives the reason when there was nothing to do (a chaser to an
    owner whose return is in).
    """

    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    skipped: str | None = None


Handler = Callable[[JobContext, d.DispatchRef], JobResult]
Reporter = Callable[[JobContext, Sequence[Dispatch]], JobResult]


@dataclass(frozen=True)
class Outcome:
    id: int
    key: str
    kind: str
    state: str  # done | skipped | failed | missed | flagged | resumed | reported | lost
    detail: str = ""


@dataclass
class PassResult:
    now: datetime
    synced: d.SyncResult = field(default_factory=d.SyncResult)
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)


def instance_name() -> str:
    """Who claims: host and process id, so an interrupted claim says whose it was."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TrackerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_pass(
    engine: Engine,
    settings: Settings,
    plan: Plan,
    *,
    now: datetime,
    handlers: Mapping[str, Handler],
    reporter: Reporter | None = None,
    transport: str = "outbox",
    instance: str | None = None,
) -> PassResult:
    """Do everything due at ``now`` (timezone-aware). The caller holds the scheduler lock."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = d.utc(now)  # SQLite stores times without their offset: always UTC in the database
    me = instance or instance_name()
    result = PassResult(now=now)
    result.synced = d.sync_dispatches(engine, plan, now=now)
    if result.synced.changed:
        s = result.synced
        log.info(
            "dispatch table brought in line with the plan: %d added, %d moved, %d withdrawn, "
            "%d restored",
            s.added,
            s.moved,
            s.withdrawn,
            s.restored,
        )
    for row in d.interrupted(engine):
        what = d.resume_interrupted(engine, row, now=now)
        key = d.ref(row).key
        result.outcomes.append(Outcome(row.id or 0, key, row.kind, what))
        if what == "resumed":
            log.warning("dispatch %s %s was interrupted; completing it now", row.id, key)
        else:
            log.error(
                "dispatch %s %s was interrupted while sending through %s; not sent again, "
                "administrators told",
                row.id,
                key,
                row.transport,
            )
    ctx = JobContext(engine=engine, plan=plan, settings=settings, now=now, transport=transport)
    tz = plan.plan.timezone
    for row in d.due(engine, now=now):
        result.outcomes.append(_do_one(ctx, row, handlers, me, tz))
    if reporter is not None:
        result.outcomes += _report(ctx, reporter)
    return result


def _do_one(
    ctx: JobContext, row: Dispatch, handlers: Mapping[str, Handler], me: str, tz: str
) -> Outcome:
    job = d.ref(row)
    now = ctx.now
    label = KIND_LABELS.get(job.kind, job.kind)
    starts = meeting_starts(job.meeting_on, tz)
    if now >= starts and row.note != ADMIN_RETRY:
        reason = f"not done before its meeting on {job.meeting_on.isoformat()}"
        if d.mark_missed(ctx.engine, job.id, now=now, reason=reason):
            log.warning("dispatch %s %s (%s) missed: %s", job.id, job.key, label, reason)
            return Outcome(job.id, job.key, job.kind, "missed", reason)
        return Outcome(job.id, job.key, job.kind, "lost", "changed by someone else")
    if not d.claim(ctx.engine, job.id, now=now, by=me, transport=ctx.transport):
        return Outcome(job.id, job.key, job.kind, "lost", "claimed by someone else")
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            raise TrackerError(
                f"no job is available for {label}s in this version of tracker",
                hint="skip it with 'tracker schedule skip' or upgrade tracker",
            )
        done = handler(ctx, job)
    except Exception as exc:  # a failing job is recorded, never stops the scheduler
        error = _describe(exc)
        attempts = job.attempts + 1
        again = d.retry_at(attempts, now, tz)
        # Administrators hear of the first failure and of the last (when retries run out).
        tell = attempts == 1 or again is None
        d.finish_failed(ctx.engine, job.id, now=now, error=error, retry=again, tell=tell)
        local = again.astimezone(ZoneInfo(tz)) if again else None
        when = f"retry at {local:%Y-%m-%d %H:%M %Z}" if local else "no more retries"
        log.error("dispatch %s %s (%s) failed (attempt %d, %s): %s", job.id, job.key, label,
                  attempts, when, error)  # fmt: skip
        return Outcome(job.id, job.key, job.kind, "failed", error)
    if done.skipped:
        d.finish_skipped(ctx.engine, job.id, now=now, reason=done.skipped)
        log.info("dispatch %s %s (%s) skipped: %s", job.id, job.key, label, done.skipped)
        return Outcome(job.id, job.key, job.kind, "skipped", done.skipped)
    note = row.note if job.resumed else None
    d.finish_done(ctx.engine, job.id, now=now, outputs=done.outputs, note=note)
    log.info("dispatch %s %s (%s) done: %s", job.id, job.key, label, done.summary or "ok")
    return Outcome(job.id, job.key, job.kind, "done", done.summary)


def _report(ctx: JobContext, reporter: Reporter) -> list[Outcome]:
    rows = d.to_report(ctx.engine)
    if not rows:
        return []
    try:
        sent = reporter(ctx, rows)
    except Exception as exc:  # told next pass instead
        log.error("could not tell the administrators about %d dispatches: %s", len(rows),
                  _describe(exc))  # fmt: skip
        return [Outcome(0, "report", "report", "failed", _describe(exc))]
    d.mark_reported(ctx.engine, [r.id for r in rows if r.id is not None], now=ctx.now)
    log.info("administrators told about %d failed or missed dispatches: %s", len(rows),
             sent.summary or "ok")  # fmt: skip
    return [Outcome(0, "report", "report", "reported", sent.summary)]
