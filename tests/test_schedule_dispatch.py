"""The dispatch table: derived from the plan, claimed once, resumed after a crash, reported.

These tests drive ``run_pass`` at chosen times with job functions of their own
that deliver to a real Maildir folder, one file per Message-ID (as the outbox
does), so what "sent exactly once" means can be counted on disk. They run on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker.db.models_schedule import Dispatch
from tracker.plan.loader import load_plan
from tracker.plan.sync import sync_plan
from tracker.schedule import dispatch as d
from tracker.schedule.cycle import plan_dispatches
from tracker.schedule.runner import JobContext, JobResult, run_pass
from tracker.settings import Settings
from tracker.workspace import Workspace, open_workspace

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """A local time in London, as the officer would say it."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


class Crash(BaseException):
    """The process dying mid-dispatch (not an error a job could catch)."""


@dataclass
class Outbox:
    """A Maildir-like folder: one file per Message-ID, created exclusively."""

    folder: Path
    crash_before_send: set[str] = field(default_factory=set)
    crash_after_send: set[str] = field(default_factory=set)
    fail: dict[str, int] = field(default_factory=dict)  # key -> failures left
    reported: list[list[str]] = field(default_factory=list)

    def files(self) -> list[str]:
        return sorted(p.read_text() for p in (self.folder / "new").glob("*.eml"))

    def deliver(self, message_id: str, body: str) -> Path:
        new = self.folder / "new"
        new.mkdir(parents=True, exist_ok=True)
        path = new / (hashlib.sha256(message_id.encode()).hexdigest()[:20] + ".eml")
        try:
            with open(path, "x") as f:  # idempotent by Message-ID
                f.write(body)
        except FileExistsError:
            pass
        return path

    def handler(self, ctx: JobContext, job: d.DispatchRef) -> JobResult:
        if job.kind == "deadline":
            return JobResult(outputs={"outstanding": []}, summary="deadline noted")
        if self.fail.get(job.key, 0) > 0:
            self.fail[job.key] -= 1
            raise RuntimeError("the pack could not be compiled")
        if job.key in self.crash_before_send:
            self.crash_before_send.discard(job.key)
            raise Crash
        message_id = f"<{job.key.replace('/', '.')}@tracker.example.org>"
        path = self.deliver(message_id, job.key)
        if job.key in self.crash_after_send:
            self.crash_after_send.discard(job.key)
            raise Crash
        return JobResult(outputs={"message_ids": [message_id], "files": [str(path)]})

    def reporter(self, ctx: JobContext, rows: Sequence[Dispatch]) -> JobResult:
        self.reported.append([f"{r.id}:{r.state}" for r in rows])
        return JobResult(summary=f"{len(rows)} reported")

    @property
    def handlers(self) -> dict[str, object]:
        return {k: self.handler for k in ("request", "deadline", "chaser", "pack", "review")}


@pytest.fixture
def ws(workspace: Path, database_url: str) -> Iterator[Workspace]:
    url = None if database_url.startswith("sqlite") else database_url
    with open_workspace(Settings(workspace=workspace, database_url=url)) as opened:
        yield opened


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox")


def tick(ws: Workspace, outbox: Outbox, now: datetime, transport: str = "outbox"):
    return run_pass(
        ws.engine,
        ws.settings,
        ws.plan(),
        now=now,
        handlers=outbox.handlers,  # type: ignore[arg-type]
        reporter=outbox.reporter,
        transport=transport,
        instance="test:1",
    )


def rows(ws: Workspace, meeting: str = "SG-2020-06") -> list[Dispatch]:
    return d.list_dispatches(ws.engine, meeting=meeting)


def states(ws: Workspace, meeting: str = "SG-2020-06") -> dict[str, str]:
    return {d.ref(r).key: r.state for r in rows(ws, meeting)}


def test_the_table_is_derived_from_the_plan_once(ws: Workspace) -> None:
    plan = ws.plan()
    now = at("2020-01-01T12:00")
    first = d.sync_dispatches(ws.engine, plan, now=now)
    assert first.added == len(plan_dispatches(plan)) and not first.moved
    assert not d.sync_dispatches(ws.engine, plan, now=now).changed
    row = rows(ws)[0]
    assert (row.kind, row.state, row.offset_days) == ("request", "pending", 15)
    assert d.utc(row.due_at) == at("2020-05-18T09:00").astimezone(UTC)


def test_nothing_is_done_before_it_is_due(ws: Workspace, outbox: Outbox) -> None:
    result = tick(ws, outbox, at("2020-05-18T08:59"))
    assert [o for o in result.outcomes if o.key.startswith("SG-2020-06")] == []
    assert outbox.files() == []


def test_a_cycle_done_at_successive_times_sends_each_email_once(
    ws: Workspace, outbox: Outbox
) -> None:
    owners = {r.recipient for r in rows(ws) if r.kind == "request"} or None
    tick(ws, outbox, at("2020-05-18T09:00"))
    requests = [f for f in outbox.files() if "SG-2020-06/request" in f]
    assert owners is None or len(requests) == len(owners)
    tick(ws, outbox, at("2020-05-18T09:05"))  # again: nothing new
    tick(ws, outbox, at("2020-05-28T17:00"))
    tick(ws, outbox, at("2020-06-01T09:00"))
    tick(ws, outbox, at("2020-06-02T09:00"))
    files = [f for f in outbox.files() if f.startswith("SG-2020-06")]
    assert len(files) == len(set(files))
    assert "SG-2020-06/pack/steering_group" in files
    assert set(states(ws).values()) == {"done"}
    assert outbox.reported == []


def test_a_crash_between_claim_and_send_is_completed_once_on_restart(
    ws: Workspace, outbox: Outbox
) -> None:
    tick(ws, outbox, at("2020-06-01T08:00"))  # requests and deadline done
    outbox.crash_before_send.add("SG-2020-06/pack/steering_group")
    outbox.crash_after_send.add("SG-2020-06/chaser#1/mash")
    with pytest.raises(Crash):
        tick(ws, outbox, at("2020-06-02T09:00"))  # dies on the first chaser (after sending)
    assert states(ws)["SG-2020-06/chaser#1/mash"] == "claimed"
    with pytest.raises(Crash):
        tick(ws, outbox, at("2020-06-02T09:01"))  # restart: chaser resumed; dies on the pack
    assert states(ws)["SG-2020-06/pack/steering_group"] == "claimed"
    result = tick(ws, outbox, at("2020-06-02T09:02"))  # restart again
    assert result.count("resumed") == 1
    assert set(states(ws).values()) == {"done"}
    files = [f for f in outbox.files() if f.startswith("SG-2020-06")]
    assert files.count("SG-2020-06/chaser#1/mash") == 1
    assert files.count("SG-2020-06/pack/steering_group") == 1
    pack = next(r for r in rows(ws) if r.kind == "pack")
    assert pack.attempts == 2 and (pack.note or "").startswith("resumed")


def test_through_sendmail_an_interrupted_dispatch_is_flagged_not_resent(
    ws: Workspace, outbox: Outbox
) -> None:
    tick(ws, outbox, at("2020-06-01T09:00"), transport="sendmail")
    outbox.crash_after_send.add("SG-2020-06/pack/steering_group")
    with pytest.raises(Crash):
        tick(ws, outbox, at("2020-06-02T09:00"), transport="sendmail")
    result = tick(ws, outbox, at("2020-06-02T09:30"), transport="sendmail")
    assert result.count("flagged") == 1
    pack = next(r for r in rows(ws) if r.kind == "pack")
    assert pack.state == "failed" and pack.next_attempt_at is None
    assert "may or may not have gone" in (pack.error or "")
    assert f"tracker schedule retry {pack.id}" in (pack.error or "")
    assert len(outbox.reported) == 1 and f"{pack.id}:failed" in outbox.reported[0]
    tick(ws, outbox, at("2020-06-03T09:00"), transport="sendmail")  # never resent by itself
    assert d.get_dispatch(ws.engine, pack.id or 0).state == "failed"
    assert len(outbox.reported) == 1  # told once


def test_missed_work_is_done_before_the_meeting_and_reported_after_it(
    ws: Workspace, outbox: Outbox
) -> None:
    # Nothing ran for SG-2020-06 until the evening before the meeting: all of it is still useful.
    tick(ws, outbox, at("2020-06-08T18:00"))
    assert set(states(ws).values()) == {"done"}
    # Nothing ran at all for SG-2020-09 until the day of the meeting: all of it missed.
    result = tick(ws, outbox, at("2020-09-08T08:00"))
    assert set(states(ws, "SG-2020-09").values()) == {"missed"}
    assert result.count("missed") == len(rows(ws, "SG-2020-09"))
    assert len(outbox.reported) == 1
    assert all(item.endswith(":missed") for item in outbox.reported[0])
    assert not [f for f in outbox.files() if f.startswith("SG-2020-09")]
    tick(ws, outbox, at("2020-09-08T09:00"))
    assert len(outbox.reported) == 1  # each reported once


def test_a_failure_is_retried_with_back_off_and_never_stops_the_pass(
    ws: Workspace, outbox: Outbox
) -> None:
    tick(ws, outbox, at("2020-06-01T09:00"))
    outbox.fail["SG-2020-06/pack/steering_group"] = 2
    result = tick(ws, outbox, at("2020-06-02T09:00"))
    pack = next(r for r in rows(ws) if r.kind == "pack")
    assert pack.state == "failed" and pack.error == "RuntimeError: the pack could not be compiled"
    assert d.utc(pack.next_attempt_at) == at("2020-06-02T09:15").astimezone(UTC)  # type: ignore[arg-type]
    assert result.count("reported") == 1
    tick(ws, outbox, at("2020-06-02T09:10"))  # not yet
    assert d.get_dispatch(ws.engine, pack.id or 0).attempts == 1
    tick(ws, outbox, at("2020-06-02T09:15"))  # fails again: next in an hour
    again = d.get_dispatch(ws.engine, pack.id or 0)
    assert again.attempts == 2
    assert d.utc(again.next_attempt_at) == at("2020-06-02T10:15").astimezone(UTC)  # type: ignore[arg-type]
    tick(ws, outbox, at("2020-06-02T10:15"))
    assert d.get_dispatch(ws.engine, pack.id or 0).state == "done"
    assert "SG-2020-06/pack/steering_group" in outbox.files()
    assert len(outbox.reported) == 1  # told of the first failure; the retries are quiet


def test_back_off_gives_up_after_five_attempts() -> None:
    now = datetime(2020, 6, 2, 9, tzinfo=UTC)
    waits = [d.retry_at(n, now, "Europe/London") for n in range(1, 6)]
    assert [w - now for w in waits[:4] if w] == [
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=12),
    ]
    assert waits[4] is None


def test_only_one_claim_wins(ws: Workspace) -> None:
    now = at("2020-06-02T09:00")
    d.sync_dispatches(ws.engine, ws.plan(), now=now)
    pack = next(r for r in rows(ws) if r.kind == "pack")
    assert d.claim(ws.engine, pack.id or 0, now=now, by="a:1", transport="outbox")
    assert not d.claim(ws.engine, pack.id or 0, now=now, by="b:2", transport="outbox")
    assert d.get_dispatch(ws.engine, pack.id or 0).claimed_by == "a:1"


def _edit_plan(ws: Workspace, tmp_path: Path, old: str, new: str) -> None:
    text = ws.settings.plan_path.read_text(encoding="utf-8")
    assert old in text
    edited = tmp_path / "edited.yaml"
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    sync_plan(ws.engine, load_plan(edited), source=str(edited))


def test_plan_changes_take_effect_at_the_next_pass(
    ws: Workspace, outbox: Outbox, tmp_path: Path
) -> None:
    tick(ws, outbox, at("2020-05-18T09:00"))  # the June requests go out
    # The June meeting moves a week later; an owner is added with an action running.
    _edit_plan(
        ws,
        tmp_path,
        "date: 2020-06-09, kind: steering_group",
        "date: 2020-06-16, kind: steering_group",
    )
    tick(ws, outbox, at("2020-05-18T09:01"))
    by_kind = {r.kind: r for r in rows(ws)}
    assert by_kind["request"].state == "done"  # done rows are kept as they were
    assert by_kind["pack"].meeting_on == date(2020, 6, 16)
    assert d.utc(by_kind["pack"].due_at) == at("2020-06-09T09:00").astimezone(UTC)
    tick(ws, outbox, at("2020-06-02T09:00"))  # the old pack date: nothing goes
    assert "SG-2020-06/pack/steering_group" not in outbox.files()
    tick(ws, outbox, at("2020-06-09T09:00"))
    assert "SG-2020-06/pack/steering_group" in outbox.files()


def test_a_meeting_removed_from_the_plan_is_withdrawn_and_can_come_back(
    ws: Workspace, outbox: Outbox, tmp_path: Path
) -> None:
    tick(ws, outbox, at("2020-08-01T09:00"))
    planned = len(rows(ws, "SG-2020-09"))
    text = ws.settings.plan_path.read_text(encoding="utf-8")
    line = (
        "  - {id: SG-2020-09, date: 2020-09-08, kind: steering_group, "
        "title: Prevent Steering Group}\n"
    )
    _edit_plan(ws, tmp_path, line, "")
    result = tick(ws, outbox, at("2020-08-17T09:00"))
    assert result.synced.withdrawn >= planned
    assert rows(ws, "SG-2020-09") == []  # show lists only what is planned, or was done
    assert not [f for f in outbox.files() if f.startswith("SG-2020-09")]
    original = tmp_path / "original.yaml"
    original.write_text(text, encoding="utf-8")
    sync_plan(ws.engine, load_plan(original), source=str(original))
    result = tick(ws, outbox, at("2020-08-17T09:01"))
    assert result.synced.restored >= planned
    assert len(rows(ws, "SG-2020-09")) == planned
    assert [f for f in outbox.files() if f.startswith("SG-2020-09/request")]


def test_skip_and_retry(ws: Workspace, outbox: Outbox) -> None:
    tick(ws, outbox, at("2020-06-01T09:00"))
    pack = next(r for r in rows(ws) if r.kind == "pack")
    skipped = d.skip(
        ws.engine, pack.id or 0, now=at("2020-06-01T10:00"), by="plan.administrator@example.org"
    )
    assert skipped.state == "skipped" and "plan.administrator" in (skipped.note or "")
    tick(ws, outbox, at("2020-06-02T09:00"))
    assert "SG-2020-06/pack/steering_group" not in outbox.files()
    d.retry(ws.engine, pack.id or 0, now=at("2020-06-09T12:00"))  # after the meeting, on purpose
    tick(ws, outbox, at("2020-06-09T12:00"))
    assert d.get_dispatch(ws.engine, pack.id or 0).state == "done"
    with pytest.raises(Exception, match="nothing to retry"):
        d.retry(ws.engine, pack.id or 0, now=at("2020-06-09T12:00"))
    with pytest.raises(Exception, match="cannot be skipped"):
        d.skip(ws.engine, pack.id or 0, now=at("2020-06-09T12:00"))
