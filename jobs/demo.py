"""The demo's reporting cycle: one meeting, through ``tick`` at successive simulated times.

What an officer would have seen over three weeks, in seconds: the return requests go
out, two owners fill in their workbooks and the officer loads them, the
deadline notes who is outstanding, the others are chased, and the pack is
compiled and sent. Each pass is the scheduler's ordinary pass at a chosen time
(``jobs.schedule.tick``), with the real jobs and the workspace's outbox.
``demo_cycle`` returns what happened as values; ``tracker.demo`` shows them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tracker.settings import Settings

DEMO_MEETING = "SG-2020-12"  # the Steering Group just before the demo's usual status date
# Owners who send their returns back before the deadline, and what they write.
RETURNERS = ("prevent-coordinator", "channel-chair")
NARRATIVE = "Delivered as planned this quarter; next steps agreed with partners (synthetic)."


@dataclass(frozen=True)
class DemoPass:
    when: datetime  # local time
    label: str
    done: tuple[str, ...]  # one line per dispatch done or skipped


@dataclass
class DemoCycle:
    meeting_id: str
    passes: list[DemoPass] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)  # returns loaded, by owner email
    outbox: dict[str, int] = field(default_factory=dict)  # kind -> messages
    outbox_folder: Path | None = None
    pack: Path | None = None


def _fill(path: Path, narrative: str) -> None:
    """Type an update into every action row of a return workbook, as its owner would."""
    import openpyxl

    from tracker.returns import layout as L

    book = openpyxl.load_workbook(path)
    sheet = book[L.RETURN_SHEET]
    for row in range(L.FIRST_ROW, sheet.max_row + 1):
        if not sheet[f"A{row}"].value:
            continue
        sheet[f"{L.BY_KEY['status'].letter}{row}"] = L.STATUS_LABELS["in_progress"]
        sheet[f"{L.BY_KEY['progress'].letter}{row}"] = 75
        sheet[f"{L.BY_KEY['narrative'].letter}{row}"] = narrative
    book.save(path)


def _load_returns(settings: Settings, meeting_id: str, on: date, now: datetime) -> list[str]:
    from tracker.returns.load import load_returns
    from tracker.returns.manifest import read_key
    from tracker.schedule.dispatch import list_dispatches
    from tracker.workspace import open_workspace

    loaded = []
    with open_workspace(settings) as ws:
        plan = ws.plan()
        requests = {
            r.recipient: r
            for r in list_dispatches(ws.engine, meeting=meeting_id)
            if r.kind == "request"
        }
        for owner_id in RETURNERS:
            row = requests.get(owner_id)
            owner = plan.owner(owner_id)
            files = (row.outputs.get("files") if row else None) or []
            if owner is None or not files:
                continue
            path = Path(files[0]["path"])
            _fill(path, NARRATIVE)
            load_returns(ws.engine, plan, read_key(ws.settings.workspace), [path],
                         by=str(owner.email), on=on, now=now)  # fmt: skip
            loaded.append(str(owner.email))
    return loaded


def _outbox(settings: Settings) -> dict[str, int]:
    import email
    from email import policy

    counts: Counter[str] = Counter()
    for path in sorted((settings.workspace / "outbox").glob("*/*")):
        if path.parent.name in ("new", "cur"):
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            counts[str(msg.get("X-Tracker-Kind", "email"))] += 1
    return dict(counts)


def last_meeting(settings: Settings, as_of: date) -> str:
    """The last Steering Group meeting on or before ``as_of`` (else the first one)."""
    from tracker.workspace import open_workspace

    with open_workspace(settings) as ws:
        plan = ws.plan()
    groups = sorted((m for m in plan.meetings if m.kind == "steering_group"), key=lambda m: m.date)
    held = [m for m in groups if m.date <= as_of]
    return (held[-1] if held else groups[0]).id if groups else DEMO_MEETING


def demo_cycle(settings: Settings, *, meeting_id: str = DEMO_MEETING) -> DemoCycle:
    """Run ``meeting_id``'s whole cycle through ``tick`` at the times it falls due."""
    from jobs.schedule import tick
    from tracker.schedule.cycle import KIND_LABELS, meeting_cycle, meetings_with_cycles
    from tracker.schedule.dispatch import list_dispatches
    from tracker.workspace import open_workspace

    with open_workspace(settings) as ws:
        plan = ws.plan()
    zone = ZoneInfo(plan.plan.timezone)
    meeting = next(m for m in meetings_with_cycles(plan) if m.id == meeting_id)
    steps = meeting_cycle(plan, meeting)
    result = DemoCycle(meeting_id=meeting_id)
    for step in steps:
        if step.kind == "deadline":  # the returns come in before the deadline
            # an hour before the deadline's pass, which then finds them returned
            came_in = step.due_at - timedelta(hours=1)
            result.loaded = _load_returns(settings, meeting_id, step.day, came_in)
        label = KIND_LABELS[step.kind]
        passed = tick(settings, now=step.due_at)
        lines = tuple(
            f"{o.key}: {o.state}" + (f" ({o.detail})" if o.state == "skipped" else "")
            for o in passed.outcomes
            if o.key.startswith(f"{meeting_id}/")
        )
        result.passes.append(DemoPass(when=step.due_at.astimezone(zone), label=label, done=lines))
    with open_workspace(settings) as ws:
        rows = list_dispatches(ws.engine, meeting=meeting_id)
    pack = next((r for r in rows if r.kind in ("pack", "review") and r.state == "done"), None)
    files = (pack.outputs.get("files") if pack else None) or []
    result.pack = Path(files[0]["path"]) if files else None
    result.outbox = _outbox(settings)
    result.outbox_folder = settings.workspace / "outbox"
    return result


def summary_lines(cycle: DemoCycle) -> list[str]:
    """The cycle as the demo prints it: each pass, then what the outbox holds and the pack."""
    out: list[str] = []
    for p in cycle.passes:
        counts: Counter[str] = Counter(line.split(": ", 1)[1].split(" ")[0] for line in p.done)
        shown = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing due"
        out.append(f"  tick --now {p.when:%Y-%m-%dT%H:%M} ({p.label}): {shown}")
        if p.label == "return deadline" and cycle.loaded:
            out.insert(-1, f"  returns loaded from {', '.join(cycle.loaded)}")
    kinds = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(cycle.outbox.items()))
    out.append(f"The outbox ({cycle.outbox_folder}) holds {sum(cycle.outbox.values())} emails: "
               f"{kinds or 'none'}")  # fmt: skip
    out.append(f"The pack for {cycle.meeting_id}: {cycle.pack or 'not compiled'}")
    return out
