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
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tracker.demo_updates import DEMO_SEED, SYNTHETIC, synthetic_updates
from tracker.errors import InvalidValueError, WorkspaceError

if TYPE_CHECKING:
    from tracker.plan.schema import Plan
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
DEMO_ADMINISTRATOR = "plan.administrator@example.org"  # in the shipped plan's administrators


@dataclass
class DemoContext:
    """What the steps share: where the demo lives, its date and seed, and results so far."""

    directory: Path
    as_of: date
    today: date  # the real date, resolved once by the command line
    seed: int
    settings: Settings
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoStep:
    label: str
    run: Callable[[DemoContext], str]  # does the work; returns a one-line summary


@dataclass(frozen=True)
class DemoResult:
    """What the demo built and what it shows: values, printed by ``tracker.render.demo``."""

    directory: Path
    as_of: date
    kept: bool  # True: an existing demo workspace was reused (--keep), no step ran
    steps: list[str]  # each step's one-line summary, in order
    views: list[Any]  # the reports shown, in order (a StatusReport, a KpiReport...)
    hints: list[str]  # commands to try next


class DemoProgress(Protocol):
    """Told about the demo as it runs; the command line shows each step as it happens."""

    def begin(self, directory: Path, *, kept: bool) -> None: ...

    def step(self, n: int, total: int, label: str) -> AbstractContextManager[Any]: ...

    def done(self, n: int, total: int, label: str, summary: str) -> None: ...


class QuietProgress:
    """Says nothing: for tests and jobs that only want the result."""

    def begin(self, directory: Path, *, kept: bool) -> None:
        pass

    def step(self, n: int, total: int, label: str) -> AbstractContextManager[Any]:
        return nullcontext()

    def done(self, n: int, total: int, label: str, summary: str) -> None:
        pass


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
        stored = record_updates(ws.engine, plan, updates, today=ctx.today)
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
                    today=ctx.today,
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
        packs, reviews = ctx.settings.packs, ctx.settings.reviews
        earlier = previous_meeting(plan, ctx.as_of)
        if earlier is not None:
            compile_pack(ws.engine, plan, out_dir=packs, meeting=earlier.id, today=ctx.as_of)
        pack = compile_pack(ws.engine, plan, out_dir=packs, as_of=ctx.as_of, today=ctx.as_of)
        review = compile_review(ws.engine, plan, out_dir=reviews, as_of=ctx.as_of, today=ctx.as_of)
    ctx.results["reports"] = [pack.path, review.path, review.paper]
    ctx.results["pack"] = pack  # for the pack email
    meeting = f"the {pack.meeting_id} pack" if pack.meeting_id else "the pack"
    where = f"{packs.parent.name}/{packs.name}/ and {reviews.parent.name}/{reviews.name}/"
    return f"{meeting} and the review, in {where}"


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


def view_status(ctx: DemoContext) -> Any:
    from tracker.status import build_status
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        return build_status(ws.engine, ws.plan(), as_of=ctx.as_of)


def view_kpis(ctx: DemoContext) -> Any:
    """The KPIs as ``tracker kpi show`` gives them: what the demo's pack hides, hidden."""
    from tracker.kpi.service import released_kpi_report
    from tracker.workspace import open_workspace

    with open_workspace(ctx.settings) as ws:
        return released_kpi_report(ws.engine, ws.plan(), as_of=ctx.as_of)


@dataclass(frozen=True)
class ScheduleShown:
    """The replayed meeting's schedule, and what its cycle did a step at a time."""

    view: Any  # a tracker.schedule.view.ScheduleView
    meeting_id: str
    lines: list[str]


def view_schedule(ctx: DemoContext) -> ScheduleShown | None:
    """The meeting's schedule as 'tracker schedule show' shows it, then what the cycle sent."""
    from jobs.demo import summary_lines
    from tracker.schedule.view import schedule_view
    from tracker.workspace import open_workspace

    cycle = ctx.results.get("schedule")
    if cycle is None:  # --keep: the cycle ran when the workspace was built
        return None
    with open_workspace(ctx.settings) as ws:
        view = schedule_view(ws.engine, ws.plan(), meeting=cycle.meeting_id)
    return ScheduleShown(view=view, meeting_id=cycle.meeting_id, lines=summary_lines(cycle))


def demo_views() -> list[Callable[[DemoContext], Any]]:
    """What the demo shows once built, in order: each returns a report to render (or None)."""
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
        f"  tracker outbox show pack.SG-2020-12 -w {ws}",
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


def _check_as_of(plan: Plan, as_of: date, today: date) -> None:

    last = min(plan.plan.end, today)
    if not plan.plan.start <= as_of <= last:
        raise InvalidValueError(
            f"--as-of {as_of.isoformat()} is outside the strategy period "
            f"({plan.plan.start.isoformat()} to {last.isoformat()})",
            hint=f"choose a date inside it, or leave it out for {DEMO_AS_OF.isoformat()}",
        )


def run_demo(
    directory: Path,
    *,
    today: date,
    as_of: date | None = None,
    fresh: bool = True,
    progress: DemoProgress | None = None,
) -> DemoResult:
    """Build (or, with ``fresh=False``, reuse) a demo workspace in ``directory``.

    ``today`` is the real date (where the plan is): no update is dated after it.
    ``progress`` hears about each step as it runs (the command line shows them);
    what the demo then shows is returned, for ``tracker.render.demo`` to print.
    """
    from tracker import shipped
    from tracker.plan.loader import load_plan
    from tracker.settings import Settings

    said = progress or QuietProgress()
    day = as_of or DEMO_AS_OF
    _check_as_of(load_plan(shipped.example_plan()).plan, day, today)  # before touching any folder
    directory = directory.expanduser().resolve()
    ctx = DemoContext(
        directory=directory,
        as_of=day,
        today=today,
        seed=DEMO_SEED,
        settings=Settings(workspace=directory),  # always SQLite inside the demo folder
    )
    kept = _prepare_folder(directory, fresh=fresh)
    said.begin(directory, kept=kept)
    lines = []
    if not kept:
        steps = demo_steps()
        for n, step in enumerate(steps, 1):
            with said.step(n, len(steps), step.label):
                summary = step.run(ctx)
            said.done(n, len(steps), step.label, summary)
            lines.append(summary)
    return DemoResult(
        directory=directory,
        as_of=day,
        kept=kept,
        steps=lines,
        views=[view(ctx) for view in demo_views()],
        hints=_hint(ctx),
    )
