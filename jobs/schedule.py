"""Running the reporting cycle: one pass (``tick``) or a long-running scheduler (``run``).

The only module that touches APScheduler (3.x; 4.x is a different library).
APScheduler is used as an alarm clock, never as the record of what is due: the
dispatch table in the database is. So:

* jobs live in memory only (no persistent job store, which two schedulers
  would share and run twice); they are rebuilt from the dispatch table at start
  and after every pass, one date job per distinct due time;
* a watch job every minute notices a newly loaded plan (a meeting moved, an
  owner added) or anything due that an alarm missed, and runs a pass;
* the timezone is the plan's, passed explicitly (APScheduler would otherwise use
  the host's, UTC on most servers); ``misfire_grace_time`` is hours, not the
  1-second default that silently drops a job that starts late, and
  ``coalesce`` folds alarms missed together into one pass;
* a single worker thread and a lock around each pass: passes never overlap.

Only one scheduler runs per database (``tracker.schedule.lock``); a second
exits with "already running". SIGTERM and Ctrl-C stop it cleanly: the pass in
progress finishes, then the lock is released.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from tracker.schedule.runner import Handler, PassResult, Reporter, run_pass
from tracker.settings import Settings

log = logging.getLogger("tracker.schedule")
MISFIRE_GRACE_HOURS = 6
WATCH_SECONDS = 60
Clock = Callable[[], datetime]


def _real_clock() -> datetime:
    return datetime.now(UTC)


def _jobs() -> tuple[Mapping[str, Handler], Reporter]:
    from jobs.cycle import HANDLERS, report_to_administrators

    return HANDLERS, report_to_administrators


def tick(
    settings: Settings,
    *,
    now: datetime | None = None,
    handlers: Mapping[str, Handler] | None = None,
    reporter: Reporter | None = None,
    transport: str = "outbox",
) -> PassResult:
    """One pass at ``now`` (default: the real time), holding the scheduler lock."""
    from tracker.schedule.lock import scheduler_lock
    from tracker.workspace import open_workspace

    default_handlers, default_reporter = _jobs()
    at = now or _real_clock()
    with open_workspace(settings) as ws, scheduler_lock(ws.engine, now=at):
        return run_pass(
            ws.engine,
            ws.settings,
            ws.plan(),
            now=at,
            handlers=handlers or default_handlers,
            reporter=reporter or default_reporter,
            transport=transport,
        )


def run(
    settings: Settings,
    *,
    handlers: Mapping[str, Handler] | None = None,
    reporter: Reporter | None = None,
    transport: str = "outbox",
    clock: Clock = _real_clock,
    stop: threading.Event | None = None,
    watch_seconds: float = WATCH_SECONDS,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Run until SIGTERM or Ctrl-C (or ``stop`` is set), doing each dispatch when it is due."""
    from zoneinfo import ZoneInfo

    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.date import DateTrigger

    from tracker.schedule import dispatch
    from tracker.schedule.lock import scheduler_lock
    from tracker.workspace import open_workspace

    default_handlers, default_reporter = _jobs()
    jobs_for = handlers or default_handlers
    report = reporter or default_reporter
    stopping = stop or threading.Event()
    with open_workspace(settings) as ws, scheduler_lock(ws.engine, now=clock()):
        zone = ZoneInfo(ws.plan().plan.timezone)
        scheduler = BackgroundScheduler(
            timezone=zone,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={
                "misfire_grace_time": MISFIRE_GRACE_HOURS * 3600,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        one_at_a_time = threading.Lock()
        seen = {"plan": _plan_version(ws.engine)}

        def rebuild() -> None:
            """One alarm per distinct time something falls due, from the dispatch table."""
            now = clock()
            wanted = {f"due-{t.isoformat()}": t for t in dispatch.next_due(ws.engine) if t > now}
            for job in scheduler.get_jobs():
                if job.id.startswith("due-") and job.id not in wanted:
                    job.remove()
            for job_id, when in wanted.items():
                if scheduler.get_job(job_id) is None:
                    scheduler.add_job(
                        one_pass,
                        DateTrigger(run_date=when, timezone=zone),
                        id=job_id,
                        args=["due"],
                        name=f"dispatches due {when.astimezone(zone):%Y-%m-%d %H:%M %Z}",
                    )

        def one_pass(why: str) -> None:
            with one_at_a_time:
                if stopping.is_set():
                    return
                try:
                    seen["plan"] = _plan_version(ws.engine)
                    result = run_pass(
                        ws.engine,
                        ws.settings,
                        ws.plan(),
                        now=clock(),
                        handlers=jobs_for,
                        reporter=report,
                        transport=transport,
                    )
                    _log_pass(why, result)
                    rebuild()
                except Exception:  # a pass that fails is logged; the scheduler keeps going
                    log.exception("the scheduler's pass (%s) failed; trying again shortly", why)

        def watch() -> None:
            version = _plan_version(ws.engine)
            if version != seen["plan"]:
                log.info("a new plan was loaded: re-deriving the schedule")
                one_pass("plan changed")
            elif dispatch.due(ws.engine, now=clock()):
                one_pass("due")

        def ask_to_stop(signum: int, _frame: Any) -> None:
            log.info("%s received: stopping after the current pass", signal.Signals(signum).name)
            stopping.set()

        previous = {
            s: signal.signal(s, ask_to_stop)
            for s in (signal.SIGTERM, signal.SIGINT)
            if threading.current_thread() is threading.main_thread()
        }
        try:
            one_pass("start")  # catch up on anything missed while nothing was running
            scheduler.add_job(watch, "interval", seconds=watch_seconds, id="watch")
            scheduler.start()
            log.info("scheduler running (timezone %s); %d alarms set", zone.key,
                     len(scheduler.get_jobs()) - 1)  # fmt: skip
            if on_ready is not None:
                on_ready()
            while not stopping.wait(1.0):
                pass
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)  # lets a pass in progress finish
            for s, handler in previous.items():
                signal.signal(s, handler)
            log.info("scheduler stopped")


def _plan_version(engine: Any) -> int | None:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from tracker.db.models import PlanVersion

    with Session(engine) as session:
        return session.exec(select(func.max(PlanVersion.id))).one()


def _log_pass(why: str, result: PassResult) -> None:
    if not result.outcomes:
        return
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.state] = counts.get(outcome.state, 0) + 1
    shown = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    log.info("pass (%s) at %s: %s", why, result.now.isoformat(timespec="seconds"), shown)


def configure_logging(*, journald: bool, level: int = logging.INFO) -> None:
    """Log lines to standard error: with syslog priorities when journald reads them.

    Under systemd (``JOURNAL_STREAM`` set) each line starts with ``<N>``, which
    journald turns into the entry's priority, and carries no timestamp of its
    own (the journal adds one). Elsewhere lines start with a UTC timestamp.
    """
    import sys

    class _Journald(logging.Formatter):
        PRIORITY: ClassVar[dict[str, int]] = {
            "DEBUG": 7,
            "INFO": 6,
            "WARNING": 4,
            "ERROR": 3,
            "CRITICAL": 2,
        }

        def format(self, record: logging.LogRecord) -> str:
            text = super().format(record).replace("\n", " | ")
            return f"<{self.PRIORITY.get(record.levelname, 6)}>{text}"

    handler = logging.StreamHandler(sys.stderr)
    if journald:
        handler.setFormatter(_Journald("%(name)s: %(message)s"))
    else:
        formatter = logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ"
        )
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    for name in ("tracker", "apscheduler"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level if name == "tracker" else max(level, logging.WARNING))
        logger.propagate = False
