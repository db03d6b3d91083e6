"""``tracker schedule``: the reporting cycle, seen, run and driven by hand."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from commands.common import group, open_ws, parse_date, print_json, settings
from commands.options import ByOpt, DatabaseOpt, Format, FormatOpt, WorkspaceOpt

if TYPE_CHECKING:
    from tracker.schedule.runner import PassResult

app = group(
    "The reporting cycle: return requests, chasers and packs, worked back from each meeting."
)

DispatchId = Annotated[
    int, typer.Argument(metavar="ID", help="The dispatch's id, from 'tracker schedule show'")
]


def _now(text: str | None, timezone: str) -> datetime:
    """The time given (local to the plan's timezone unless it has an offset), or now."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from tracker.errors import InvalidValueError

    if text is None:  # not given; an empty value is refused below, not taken to mean now
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise InvalidValueError(
            f"--now '{text}' is not a date and time",
            hint="write it as YYYY-MM-DDTHH:MM, e.g. 2020-05-18T09:00 (local time)",
        ) from None
    if value.tzinfo:
        return value
    local = value.replace(tzinfo=ZoneInfo(timezone))
    from tracker.periods import clocks_change_at

    if clocks_change_at(local):
        raise InvalidValueError(
            f"--now '{text}' is skipped or repeated when the clocks change in {timezone}",
            hint="give its offset, e.g. 2020-10-25T01:30+01:00, or another time",
        )
    if value.year < 1970:
        raise InvalidValueError(
            f"--now '{text}' is before 1970, which no plan reaches",
            hint="write the year in full, e.g. 2020-05-18T09:00",
        )
    return local


def _transport(workspace: Any) -> str:
    from tracker.mail.config import load_mail_settings

    return load_mail_settings(workspace).transport


@app.command("show")
def schedule_show(
    since: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="Only dispatches due on or after this date"),
    ] = None,
    meeting: Annotated[
        str | None, typer.Option("--meeting", "-m", metavar="ID", help="Only this meeting")
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="DATETIME",
            help="Show the schedule as a pass at this time (local) would find it",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Every planned dispatch: when, what, for which meeting, to whom, its state and outputs.

    A dispatch not stored yet whose meeting has already begun (by now, or --now) is shown
    as skipped: the scheduler's next pass stores it so, and never sends it late.

    Each meeting's cycle is worked back from its date in working days (see
    docs/scheduler.md). A done dispatch shows the files it produced, with their
    checksums, and the Message-IDs of its emails; the JSON also gives the number of
    working days before the meeting each dispatch was derived from.

    \b
    Examples:
      tracker schedule show --from 2020-05-01
      tracker schedule show --meeting SG-2020-06 --format json
    """
    from tracker.errors import NotFoundError
    from tracker.render.schedule import render_schedule
    from tracker.schedule.view import known_meetings, schedule_view

    with open_ws(workspace, database, read_only=True) as ws:
        plan = ws.plan()
        if meeting is not None and meeting.lower() not in {m.lower() for m in known_meetings(plan)}:
            raise NotFoundError("meeting", meeting, known=known_meetings(plan))
        view = schedule_view(
            ws.engine,
            plan,
            since=parse_date(since, "--from"),
            meeting=meeting,
            now=_now(now, plan.plan.timezone),
        )
    if fmt is Format.json:
        print_json(view.to_json())
    else:
        render_schedule(view)


def _print_pass(result: PassResult, fmt: Format) -> None:
    if fmt is Format.json:
        print_json(
            {
                "now": result.now.isoformat(),
                "outcomes": [
                    {
                        "id": o.id,
                        "dispatch": o.key,
                        "kind": o.kind,
                        "state": o.state,
                        "detail": o.detail,
                    }
                    for o in result.outcomes
                ],
            }
        )
        return
    if result.synced.late:
        n = result.synced.late
        typer.echo(
            f"{n} dispatch{'es' if n != 1 else ''} skipped, never to be sent late: first "
            "planned after the meeting had begun ('tracker schedule show' lists them; "
            "'tracker schedule retry ID' sends one now)"
        )
    if not result.outcomes:
        typer.echo(f"{result.now.isoformat(timespec='minutes')}: nothing due")
    for o in result.outcomes:
        detail = f": {o.detail}" if o.detail else ""
        ident = f"#{o.id} " if o.id else ""
        typer.echo(f"{ident}{o.key} {o.state}{detail}")


@app.command("tick")
def schedule_tick(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="DATETIME",
            help="Run the pass as if it were this time (local), e.g. 2020-05-18T09:00",
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Do once everything due by now (or --now): for cron, catching up, and rehearsals.

    Work missed while nothing ran is done if its meeting has not begun, otherwise
    marked missed and reported to the plan's administrators. Nothing is ever sent
    twice. Refused while 'tracker schedule run' is running on the same database.

    \b
    Examples:
      tracker schedule tick
      tracker schedule tick --now 2020-05-18T09:00
    """
    import logging
    import os

    from jobs.schedule import configure_logging, tick

    configure_logging(journald=bool(os.environ.get("JOURNAL_STREAM")), level=logging.WARNING)
    s = settings(workspace, database)
    with open_ws(workspace, database) as ws:
        at = _now(now, ws.plan().plan.timezone)
    result = tick(s, now=at, transport=_transport(s.workspace))
    _print_pass(result, fmt)


@app.command("run")
def schedule_run(
    once: Annotated[
        bool, typer.Option("--once", help="Do one pass (as 'tick' does) and exit: for cron")
    ] = False,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Run the scheduler: each dispatch is done when it falls due, until stopped.

    Logs go to standard error, one line per thing done, saying for whom and where
    the output went (journald reads their priority under systemd). Only one
    scheduler runs per database: a second says one is running and exits 1. Ctrl-C
    or SIGTERM stops it after the dispatch in progress. See docs/scheduler.md for
    running it under systemd or from cron.

    \b
    Examples:
      tracker schedule run
      tracker schedule run --once
    """
    import os

    from jobs.schedule import configure_logging, run, tick

    configure_logging(journald=bool(os.environ.get("JOURNAL_STREAM")))
    s = settings(workspace, database)
    transport = _transport(s.workspace)
    if once:
        _print_pass(tick(s, transport=transport), Format.table)
        return
    run(s, transport=transport)


@app.command("skip")
def schedule_skip(
    dispatch_id: DispatchId,
    by: ByOpt = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Do not do a pending, failed or missed dispatch (it stays listed, as skipped).

    \b
    Example:
      tracker schedule skip 42 --by plan.administrator@example.org
    """
    from datetime import UTC

    from tracker.schedule.dispatch import skip

    with open_ws(workspace, database, by) as ws:
        row = skip(ws.engine, dispatch_id, now=datetime.now(UTC), by=ws.settings.user)
    typer.echo(f"dispatch {row.id} ({row.meeting_id} {row.kind}) skipped")


@app.command("retry")
def schedule_retry(
    dispatch_id: DispatchId,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="DATETIME",
            help="Due again from this time (local) rather than now: in a rehearsal with "
            "'tick --now', give the same time",
        ),
    ] = None,
    workspace: WorkspaceOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Try a failed, missed or skipped dispatch again at the scheduler's next pass.

    A retried dispatch is done even if its meeting has begun: you asked for it.

    \b
    Examples:
      tracker schedule retry 42
      tracker schedule retry 42 --now 2021-03-02T09:00   # a rehearsal: tick at that time
    """
    from tracker.schedule.dispatch import retry

    with open_ws(workspace, database) as ws:
        at = _now(now, ws.plan().plan.timezone)
        row = retry(ws.engine, dispatch_id, now=at)
    typer.echo(
        f"dispatch {row.id} ({row.meeting_id} {row.kind}) will be tried again at the next pass"
    )
