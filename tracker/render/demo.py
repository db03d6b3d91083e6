"""``tracker demo`` for people: each step as it runs, then the reports the demo built."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tracker.console import make_console
from tracker.demo import DemoResult, ScheduleShown


class ConsoleDemoProgress:
    """Shows each demo step with a spinner while it runs, then its one-line summary."""

    def __init__(self) -> None:
        self.console = make_console()

    def begin(self, directory: Path, *, kept: bool) -> None:
        from rich.text import Text

        self.console.print(
            Text(f"Demo workspace: {directory} (everything in it is synthetic)", "bold")
        )
        if kept:
            self.console.print(
                Text("Using the demo workspace already there (--keep): nothing rebuilt")
            )

    def step(self, n: int, total: int, label: str) -> AbstractContextManager[Any]:
        from rich.text import Text

        return self.console.status(Text(f"[{n}/{total}] {label}..."))

    def done(self, n: int, total: int, label: str, summary: str) -> None:
        from rich.text import Text

        self.console.print(Text(f"[{n}/{total}] {label}: {summary}"))


def render_demo(result: DemoResult) -> None:
    """The reports the demo built, in order, then the commands to try next."""
    from rich.text import Text

    from tracker.kpi.results import KpiReport
    from tracker.render.kpis import render_kpis
    from tracker.render.layout import print_commands, print_lines
    from tracker.render.schedule import render_schedule
    from tracker.render.status import render_status
    from tracker.status import StatusReport

    console = make_console()
    console.print()
    for view in result.views:
        if isinstance(view, StatusReport):
            render_status(view)
        elif isinstance(view, KpiReport):
            console.print()
            render_kpis(view)
        elif isinstance(view, ScheduleShown):
            console.print()
            render_schedule(view.view, console=console, checksums=False)
            console.print(Text(f"The {view.meeting_id} cycle, a 'tracker schedule tick' a step:"))
            print_lines(console, view.lines)
        elif view is None:
            continue
        else:
            raise TypeError(f"no renderer for a demo view of type {type(view).__name__}")
    console.print()
    print_commands(console, result.hints)  # a long command continues as a shell would
