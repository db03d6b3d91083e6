"""The demo's reporting cycle: one meeting through tick, ending with the outbox and the pack."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jobs.demo import DEMO_MEETING, demo_cycle, summary_lines
from tracker.settings import Settings
from tracker.workspace import init_workspace, open_workspace


def test_the_demo_cycle_sends_requests_chasers_and_the_pack(tmp_path: Path) -> None:
    from tracker.demo import synthetic_updates
    from tracker.progress import record_updates

    settings = Settings(workspace=tmp_path / "ws")
    init_workspace(settings)
    with open_workspace(settings) as ws:
        plan = ws.plan()
        record_updates(
            ws.engine,
            plan,
            synthetic_updates(plan, as_of=date(2020, 12, 31)),
            today=date(2020, 12, 31),
        )
    cycle = demo_cycle(settings)
    assert [p.label for p in cycle.passes] == [
        "return request",
        "return deadline",
        "chaser",
        "Steering Group pack",
    ]
    assert len(cycle.loaded) == 2
    requests = cycle.outbox["return_request"]
    # Owners who loaded a return, or gave an update since the request, are not chased.
    assert 0 < cycle.outbox["chaser"] <= requests - len(cycle.loaded)
    assert cycle.outbox["pack"] == 1
    assert cycle.pack is not None and cycle.pack.is_file()
    lines = summary_lines(cycle)
    assert lines[0].startswith(f"  tick --now 2020-11-17T09:00 (return request): {requests} done")
    assert lines[-1] == f"The pack for {DEMO_MEETING}: {cycle.pack}"
    assert f"holds {sum(cycle.outbox.values())} emails" in lines[-2]
