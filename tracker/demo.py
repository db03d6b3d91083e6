"""``tracker demo``: a complete demonstration workspace from one command.

A new user (or ``make demo``) gets a workspace holding the shipped plan, with
synthetic progress updates from every action owner across the strategy
period, and sees the status as of a date inside it. Everything generated is
synthetic and labelled so; it is deterministic (a fixed random seed), so the
demo shows the same picture every time and tests can rely on it.

The demo is a list of steps (``demo_steps``) run in order, each reporting one
line, followed by the views it shows (``demo_views``). Later issues add their
own steps and views there (data files and their import, KPIs, packs, returns,
emails) so that ``tracker demo`` stays the single entry point.

Safety: the demo deletes and rebuilds its folder, so it marks the folders it
makes with a ``.tracker-demo`` file and refuses to touch a non-empty folder
without one. The demo always uses a SQLite file inside its folder, never the
database named by TRACKER_DATABASE_URL.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import InvalidValueError, WorkspaceError

if TYPE_CHECKING:
    from rich.console import Console

    from tracker.plan.schema import Action, Plan
    from tracker.progress import UpdateInput
    from tracker.settings import Settings

MARKER = ".tracker-demo"
MARKER_TEXT = (
    "This folder was made by 'tracker demo'. Everything in it is synthetic.\n"
    "'tracker demo' deletes and rebuilds this folder; do not keep your own files here.\n"
)
# The status is shown as at the end of December 2020: the middle of the second year, when
# some actions are complete, some running and some overdue, and just after the December
# Steering Group, so the picture is the one a real group would have been looking at.
DEMO_AS_OF = date(2020, 12, 31)
DEMO_SEED = 20191001  # the strategy's first day; any fixed number would do
SYNTHETIC = " (synthetic)"
DEMO_ADMINISTRATOR = "plan.administrator@example.org"  # in the shipped plan's administrators


@dataclass
class DemoContext:
    """What the steps share: where the demo lives, its date and seed, and results so far."""

    directory: Path
    as_of: date
    seed: int
    settings: Settings
    console: Console
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStep:
    label: str
    run: Callable[[DemoContext], str]  # does the work; returns a one-line summary


# --- the folder ----------------------------------------------------------------------------------


def _prepare_folder(directory: Path, *, fresh: bool) -> bool:
    """Make ``directory`` ready; True when a demo workspace already there is kept (--keep)."""
    if directory.exists() and not directory.is_dir():
        raise WorkspaceError(f"{directory} is a file, not a folder", hint="choose another path")
    marked = (directory / MARKER).is_file()
    if directory.is_dir() and any(directory.iterdir()) and not marked:
        raise WorkspaceError(
            f"{directory} is not empty and was not made by 'tracker demo', so the demo will not "
            "use it",
            hint="choose a new folder, e.g. 'tracker demo demo-workspace'",
        )
    if marked and not fresh and (directory / "objectives.yaml").exists():
        return True
    if marked:
        for child in directory.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return False


# --- steps ---------------------------------------------------------------------------------------


DEMO_LABEL = " - DEMO, synthetic data"


def step_workspace(ctx: DemoContext) -> str:
    """The shipped plan, its name marked so every report from this workspace says it is a demo."""
    import tempfile

    from tracker import shipped
    from tracker.plan.loader import load_plan
    from tracker.workspace import init_workspace

    text = shipped.example_plan().read_text(encoding="utf-8")
    plan = load_plan(shipped.example_plan()).plan
    marked = text.replace(f"name: {plan.plan.name}\n", f"name: {plan.plan.name}{DEMO_LABEL}\n", 1)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "objectives.yaml"
        source.write_text(marked, encoding="utf-8")
        result = init_workspace(ctx.settings, plan_source=source)
    return f"{result.plan_file.name} loaded into {Path(result.database.split('///')[-1]).name}"


def step_progress_updates(ctx: DemoContext) -> str:
    from tracker.progress import record_updates
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
        updates = synthetic_updates(plan, as_of=ctx.as_of, seed=ctx.seed)
        stored = record_updates(ws.engine, plan, updates)
    actions = len({u.action_id for u in stored})
    return f"{len(stored)} updates on {actions} actions, up to {ctx.as_of.isoformat()}"


def step_data_files(ctx: DemoContext) -> str:
    from tracker.data.synthetic import write_synthetic_files
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
    files = write_synthetic_files(ctx.directory / "data", plan, ctx.seed, end=ctx.as_of)
    ctx.results["data_files"] = files
    return ", ".join(f"data/{path.name}" for path in files.values())


def step_import_data(ctx: DemoContext) -> str:
    from tracker.data.importer import import_file
    from tracker.workspace import open_workspace

    done = []
    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
        for dataset, path in ctx.results["data_files"].items():
            result = import_file(ws.engine, plan, dataset, path, by=DEMO_ADMINISTRATOR)
            done.append(f"{result.added} {dataset}")
    return ", ".join(done) + " rows imported"


def step_manual_kpis(ctx: DemoContext) -> str:
    from tracker.kpi.manual import record_kpi_value
    from tracker.periods import periods_between
    from tracker.workspace import open_workspace

    rng = random.Random(ctx.seed)
    stored = 0
    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
        for kpi in plan.kpis:
            if kpi.measure.kind != "manual":
                continue
            owner = plan.owner(kpi.owner) if kpi.owner else None
            by = owner.email if owner else DEMO_ADMINISTRATOR
            target = kpi.target or 1
            for period in periods_between(plan.plan.start, ctx.as_of, kpi.frequency):
                if period.end > ctx.as_of:
                    break  # only complete periods have values
                value = round(target * rng.uniform(0.6, 1.3))
                if kpi.unit == "%":
                    value = min(value, 100)
                record_kpi_value(
                    ws.engine,
                    plan,
                    kpi_id=kpi.id,
                    period=period.label,
                    value=value,
                    note="Synthetic value for the demo",
                    by=by,
                    source="demo",
                    today=ctx.as_of,
                )
                stored += 1
    return f"{stored} values"


def step_returns(ctx: DemoContext) -> str:
    """Returns issued to every owner; three filled in as owners would, loaded (see returns/demo)."""
    from tracker.returns.demo import demo_returns, summary
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        result = demo_returns(
            ws.engine, ws.plan(), ctx.directory, as_of=ctx.as_of, by=DEMO_ADMINISTRATOR,
            seed=ctx.seed,
        )  # fmt: skip
    ctx.results["returns"] = result  # the issued workbooks, for the return-request emails
    return summary(result)


def step_override(ctx: DemoContext) -> str:
    """A plan administrator overrides the first overdue action's red for a month, with a reason,
    so the demo shows an override beside the computed rating (docs/rag.md)."""
    from sqlmodel import Session

    from tracker.overrides import record_override
    from tracker.ratings import action_ratings
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
        with Session(ws.engine) as session:
            ratings = action_ratings(session, plan, ctx.as_of)
        overdue = [a.id for a in plan.actions() if ratings[a.id].computed_rule == "overdue"]
        if not overdue:
            return "no overdue action to override"
        until = ctx.as_of + timedelta(days=31)
        stored = record_override(
            ws.engine,
            plan,
            action_id=overdue[0],
            rag="amber",
            reason="Revised completion date agreed with partners; recovery plan in place"
            + SYNTHETIC,
            until=until,
            by=DEMO_ADMINISTRATOR,
            today=ctx.as_of,
        )
    return f"{stored.action_id} amber until {stored.until.isoformat()}"


def step_reports(ctx: DemoContext) -> str:
    """The pack the group saw at the last meeting, the pack for the next one, and the review.

    The demo's "today" is its as-of date, so the next meeting's pack is compiled as it
    would be today (as of the demo date, before the meeting's cut-off). Compiling the
    previous meeting's pack first records it, so the new one shows what changed.
    """
    from tracker.reporting import compile_pack, compile_review, previous_meeting
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        plan = ws.plan()
        out = ctx.settings.outputs
        earlier = previous_meeting(plan, ctx.as_of)
        if earlier is not None:
            compile_pack(ws.engine, plan, out_dir=out, meeting=earlier.id, today=ctx.as_of)
        pack = compile_pack(ws.engine, plan, out_dir=out, as_of=ctx.as_of, today=ctx.as_of)
        review = compile_review(ws.engine, plan, out_dir=out, as_of=ctx.as_of, today=ctx.as_of)
    ctx.results["reports"] = [pack.path, review.path, review.paper]
    ctx.results["pack"] = pack  # for the pack email
    meeting = f"the {pack.meeting_id} pack" if pack.meeting_id else "the pack"
    return f"{meeting} and the review, in {out.name}/"


def step_outbox(ctx: DemoContext) -> str:
    """The return requests and the pack email, into the demo's outbox (never sent anywhere)."""
    from tracker.mailing import demo_outbox
    from tracker.workspace import open_workspace

    issued = (ctx.results.get("returns") or {}).get("issued") or []
    with open_workspace(ctx.settings) as ws:
        return demo_outbox(ws, issued=issued, pack=ctx.results.get("pack"), today=ctx.as_of)


def step_schedule(ctx: DemoContext) -> str:
    """The last meeting's reporting cycle, replayed: a 'tracker schedule tick' at each step's time.

    The demo's date falls just after a Steering Group meeting: the scheduler is shown doing
    that meeting's cycle as it would have, three weeks in a few seconds.
    """
    from jobs.demo import demo_cycle, last_meeting

    cycle = demo_cycle(ctx.settings, meeting_id=last_meeting(ctx.settings, ctx.as_of))
    ctx.results["schedule"] = cycle
    return f"{len(cycle.passes)} passes for {cycle.meeting_id}, {sum(cycle.outbox.values())} emails"


def demo_steps() -> list[DemoStep]:
    """The steps that build the demo, in order. Later issues insert theirs where marked."""
    return [
        DemoStep("Create the workspace from the shipped plan", step_workspace),
        DemoStep("Record synthetic progress updates from action owners", step_progress_updates),
        DemoStep("Write synthetic referral and training files", step_data_files),
        DemoStep("Import them as a plan administrator would", step_import_data),
        DemoStep("Record synthetic values of the manual KPIs", step_manual_kpis),
        DemoStep("Issue returns; load some filled in", step_returns),
        DemoStep("Override one overdue action's rating as an administrator", step_override),
        DemoStep("Compile the Steering Group pack and the strategy review", step_reports),
        DemoStep("Put the return requests and the pack email in the outbox", step_outbox),
        DemoStep("Replay the last meeting's reporting cycle on the scheduler", step_schedule),
    ]


# --- views ---------------------------------------------------------------------------------------


def view_status(ctx: DemoContext) -> None:
    from tracker.status import build_status, render_status
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        report = build_status(ws.engine, ws.plan(), as_of=ctx.as_of)
    render_status(report)


def view_kpis(ctx: DemoContext) -> None:
    from tracker.kpi.engine import evaluate_kpis
    from tracker.kpi.render import render_kpis
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        report = evaluate_kpis(ws.engine, ws.plan(), as_of=ctx.as_of)
    ctx.console.print()
    render_kpis(report)


def view_schedule(ctx: DemoContext) -> None:
    """The meeting's schedule as 'tracker schedule show' prints it, then what the cycle sent."""
    from rich.text import Text

    from jobs.demo import summary_lines
    from tracker.schedule.view import render_schedule, schedule_view
    from tracker.workspace import open_workspace

    cycle = ctx.results.get("schedule")
    if cycle is None:  # --keep: the cycle ran when the workspace was built
        return
    with open_workspace(ctx.settings) as ws:
        view = schedule_view(ws.engine, ws.plan(), meeting=cycle.meeting_id)
    ctx.console.print()
    render_schedule(view, console=ctx.console, checksums=False)
    ctx.console.print(Text(f"The {cycle.meeting_id} cycle, a 'tracker schedule tick' a step:"))
    for line in summary_lines(cycle):
        ctx.console.print(Text(line))


def demo_views() -> list[Callable[[DemoContext], None]]:
    """What the demo shows once built, in order."""
    return [
        view_status,
        view_kpis,
        view_schedule,
    ]


def _hint(ctx: DemoContext) -> list[str]:
    ws = str(ctx.directory)
    day = ctx.as_of.isoformat()
    return [
        "Everything in this workspace is synthetic. Commands to try next:",
        f"  tracker status -w {ws} --as-of {day} --objective SO3",
        f"  tracker status -w {ws} --as-of 2020-06-30 --format json",
        f"  tracker history SO3.2 -w {ws}",
        f"  tracker rag explain SO3.1 -w {ws} --as-of {day}",
        f"  tracker rag overrides -w {ws} --as-of {day}",
        f"  tracker kpi show -w {ws} --as-of {day}",
        f"  tracker kpi history KPI3.1 -w {ws} --as-of {day}",
        f"  tracker data summary referrals -w {ws} --by sector_group --period quarter",
        f"  tracker update SO3.1 -w {ws} --status in_progress --progress 80 "
        '--note "Two more workshops booked" --by prevent.coordinator@example.org',
        f"  tracker plan check -w {ws}",
        f"  tracker returns status -w {ws} --as-of {day}",
        f"  (return workbooks, blank and filled in: {ws}/outputs/returns/)",
        f"  tracker pack list -w {ws}",
        f"  tracker outbox list -w {ws}",
        f"  tracker outbox show pack -w {ws}",
        f"  tracker schedule show -w {ws} --meeting SG-2020-12",
        *_report_paths(ctx),
        f"The emails (a Maildir folder any mail client opens): {ctx.directory / 'outbox' / 'new'}",
    ]


def _report_paths(ctx: DemoContext) -> list[str]:
    paths = [p for p in ctx.results.get("reports", []) if p is not None]
    if not paths:
        return []
    names = ("The Steering Group pack:", "The review workbook:", "The draft review paper:")
    return ["", *(f"{name} {path}" for name, path in zip(names, paths, strict=False))]


# --- running it ----------------------------------------------------------------------------------


def _check_as_of(plan: Plan, as_of: date) -> None:

    last = min(plan.plan.end, plan.today())
    if not plan.plan.start <= as_of <= last:
        raise InvalidValueError(
            f"--as-of {as_of.isoformat()} is outside the strategy period "
            f"({plan.plan.start.isoformat()} to {last.isoformat()})",
            hint=f"choose a date inside it, or leave it out for {DEMO_AS_OF.isoformat()}",
        )


def run_demo(directory: Path, *, as_of: date | None = None, fresh: bool = True) -> None:
    """Build (or, with ``fresh=False``, reuse) a demo workspace in ``directory`` and show it."""
    from rich.text import Text

    from tracker import shipped
    from tracker.console import make_console
    from tracker.plan.loader import load_plan
    from tracker.settings import Settings

    day = as_of or DEMO_AS_OF
    _check_as_of(load_plan(shipped.example_plan()).plan, day)  # before touching any folder
    directory = directory.expanduser().resolve()
    console = make_console()
    ctx = DemoContext(
        directory=directory,
        as_of=day,
        seed=DEMO_SEED,
        settings=Settings(workspace=directory),  # always SQLite inside the demo folder
        console=console,
    )
    kept = _prepare_folder(directory, fresh=fresh)
    console.print(Text(f"Demo workspace: {directory} (everything in it is synthetic)", "bold"))
    if kept:
        console.print(Text("Using the demo workspace already there (--keep): nothing rebuilt"))
    else:
        steps = demo_steps()
        for n, step in enumerate(steps, 1):
            with console.status(Text(f"[{n}/{len(steps)}] {step.label}...")):
                summary = step.run(ctx)
            console.print(Text(f"[{n}/{len(steps)}] {step.label}: {summary}"))
    console.print()
    for view in demo_views():
        view(ctx)
    console.print()
    for line in _hint(ctx):
        console.print(Text(line))


# --- synthetic progress updates ------------------------------------------------------------

_NOTES: dict[str, list[str]] = {
    "start": [
        "Kick-off meeting held with partners; delivery plan agreed.",
        "Scoping done and leads named in each partner organisation.",
        "Project group set up; first meeting held and actions shared.",
    ],
    "progress": [
        "Good progress this month; partners engaged and feedback positive.",
        "This month's planned work delivered; next steps agreed with partners.",
        "Draft circulated to partners for comment; responses due next month.",
        "Working with district leads to reach the remaining teams.",
        "On plan; update given to the Steering Group.",
        "Materials refreshed after feedback from the last round.",
    ],
    "covid": [
        "Meetings and delivery moved online under COVID-19 restrictions; work continuing.",
        "Some partners redeployed to the COVID-19 response; catching up where we can.",
    ],
    "behind": [
        "Behind plan: partner capacity stretched; recovery plan to the next Steering Group.",
        "Slower than planned; waiting on partner returns before the next stage.",
        "Fewer sessions than planned this quarter; extra dates being arranged.",
    ],
    "late": [
        "Delayed: awaiting sign-off from partners; revised date to be agreed at Steering Group.",
        "Not finished by the due date; final stage rescheduled, exception report prepared.",
    ],
    "hold": [
        "Paused: face-to-face work suspended under COVID-19 restrictions; to resume when allowed.",
        "On hold while the lead post is vacant; interim cover being arranged.",
    ],
}
_COVID = date(2020, 3, 23)  # the first national lockdown in England


def _note(rng: random.Random, kind: str) -> str:
    return rng.choice(_NOTES[kind]) + SYNTHETIC


def _update_dates(rng: random.Random, start: date, until: date) -> list[date]:
    """Roughly monthly update dates (owners skip about one month in four) from start to until."""
    dates = [min(until, start + timedelta(days=rng.randint(7, 20)))]
    month = date(start.year, start.month, 1)
    while True:
        month = (month + timedelta(days=32)).replace(day=1)
        day = month.replace(day=rng.randint(18, 28))
        if day > until:
            break
        if rng.random() < 0.75 and day > dates[-1]:
            dates.append(day)
    return dates


def _elapsed(action: Action, day: date) -> float:
    span = max(1, (action.due - action.start).days)
    return max(0.0, min(100.0, (day - action.start).days * 100 / span))


def _profiles(plan: Plan, as_of: date, rng: random.Random) -> dict[str, str]:
    """How each action goes, chosen so the status shows every rating: green, amber, red, complete.

    Actions due by ``as_of`` are mostly complete and about one in four late (red); running
    actions are mostly on track (green), with one each behind plan, on hold and never
    updated (amber). Actions not started by ``as_of`` get no updates (grey).
    """
    actions = plan.actions()
    ended = [a.id for a in actions if a.start <= as_of and a.due <= as_of]
    running = [a.id for a in actions if a.start <= as_of < a.due]
    profiles = {a.id: "not_yet" for a in actions}
    late = set(rng.sample(ended, max(1, round(len(ended) / 4)))) if ended else set()
    for ident in ended:
        profiles[ident] = "late" if ident in late else "complete"
    rng.shuffle(running)
    for ident, kind in zip(running, ["behind", "on_hold", "silent"], strict=False):
        profiles[ident] = kind
    for ident in running[3:]:
        profiles[ident] = "on_track"
    return profiles


def synthetic_updates(plan: Plan, *, as_of: date, seed: int = DEMO_SEED) -> list[UpdateInput]:
    """Deterministic synthetic updates by each action's owner, dated up to ``as_of``."""
    from tracker.progress import UpdateInput

    rng = random.Random(seed)
    profiles = _profiles(plan, as_of, rng)
    out: list[UpdateInput] = []
    for action in plan.actions():
        kind = profiles[action.id]
        if kind in ("not_yet", "silent"):
            continue
        owner = plan.owner(action.owner)
        by = str(owner.email) if owner else plan.distribution.administrators[0]
        start = max(action.start, plan.plan.start)
        until = as_of
        if kind == "complete":
            span = max(1, (action.due - action.start).days)
            until = min(as_of, action.due - timedelta(days=rng.randint(0, min(45, span // 4))))
        hold_from = as_of - timedelta(days=rng.randint(40, 90)) if kind == "on_hold" else None
        ahead = rng.randint(0, 10)
        cap = rng.choice([60, 65, 70, 75, 80, 85])
        dates = _update_dates(rng, start, until)
        if kind == "complete" and dates[-1] != until:
            dates.append(until)
        if hold_from is not None and dates[-1] < hold_from:
            dates.append(hold_from)  # an action on hold says so in its latest update
        progress = 0
        for i, day in enumerate(dates):
            elapsed = _elapsed(action, day)
            last = i == len(dates) - 1
            status, rag = "in_progress", None
            if kind == "complete" and last:
                out.append(
                    UpdateInput(
                        action_id=action.id,
                        status="complete",
                        note=f"Complete. {action.outcome}.{SYNTHETIC}",
                        on=day,
                        by=by,
                        source="demo",
                    )
                )
                break
            if kind == "behind":
                target = elapsed * 0.45
            elif kind == "late":
                target = min(elapsed, cap + (5 if day > action.due else 0))
            else:
                target = min(95.0, elapsed + ahead)
            progress = max(progress, min(95, 5 * round(target / 5)), 5)
            if i == 0:
                note = _note(rng, "start")
            elif kind == "on_hold" and hold_from is not None and day >= hold_from:
                status, rag, note = "on_hold", "amber", _note(rng, "hold")
            elif kind == "late" and day > action.due - timedelta(days=30):
                rag, note = rng.choice(["amber", "red"]), _note(rng, "late")
            elif kind == "behind" and elapsed - progress > 20:
                rag, note = rng.choice([None, "amber"]), _note(rng, "behind")
            elif day >= _COVID and rng.random() < 0.2:
                note = _note(rng, "covid")
            else:
                rag, note = rng.choice([None, None, "green"]), _note(rng, "progress")
            out.append(
                UpdateInput(
                    action_id=action.id,
                    status=status,
                    progress=progress,
                    rag=rag,
                    note=note,
                    on=day,
                    by=by,
                    source="demo",
                )
            )
    return out
