"""Two meetings' whole cycles through ``tick`` at successive simulated times, with the real jobs.

Return requests with real workbooks, a return filled in and loaded the way an
owner would, the deadline, chasers to the owners still outstanding and the
pack, all delivered to the workspace's real outbox. The scheduler is stopped
mid-pass twice (once just after an email left, once just before one would
have) and started again; at the end the outbox holds each expected email
exactly once, and a further pass changes nothing.
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import UTC, date, datetime
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jobs.cycle import HANDLERS
from jobs.schedule import tick
from tests.returns_support import fill
from tracker.schedule import dispatch as d
from tracker.settings import Settings
from tracker.workspace import init_workspace, open_workspace

LONDON = ZoneInfo("Europe/London")
RETURNER = "prevent-coordinator"  # fills in their return for June
UPDATER = "police-prevent"  # gives an update on the command line instead


class Crash(BaseException):
    """The scheduler's process dying mid-pass."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def outbox(ws: Path) -> list[tuple[str, str, str, str]]:
    """(kind, meeting, To, Message-ID) of every message in the outbox, one entry per file."""
    found = []
    for path in sorted((ws / "outbox").glob("*/*")):
        if path.parent.name not in ("new", "cur"):
            continue
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append(
            (
                str(msg["X-Tracker-Kind"]),
                str(msg["X-Tracker-Meeting"] or ""),
                str(msg["To"]),
                str(msg["Message-ID"]),
            )
        )
    return found


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    from tracker.demo import synthetic_updates
    from tracker.progress import record_updates

    folder = tmp_path / "ws"
    settings = Settings(workspace=folder)
    init_workspace(settings)
    with open_workspace(settings) as w:
        plan = w.plan()
        record_updates(
            w.engine, plan, synthetic_updates(plan, as_of=date(2020, 5, 1)), today=date(2020, 5, 1)
        )
    return folder


def _crashing(after_send: set[str], before_send: set[str]) -> dict[str, Any]:
    handlers: dict[str, Any] = dict(HANDLERS)

    def chase(ctx: Any, job: d.DispatchRef) -> Any:
        if job.recipient in before_send:
            before_send.discard(job.recipient)
            raise Crash
        result = HANDLERS["chaser"](ctx, job)
        if job.recipient in after_send:
            after_send.discard(job.recipient)
            raise Crash
        return result

    handlers["chaser"] = chase
    return handlers


def test_two_meetings_full_cycles_send_each_email_once(ws: Path) -> None:
    settings = Settings(workspace=ws)
    with open_workspace(settings) as w:
        plan = w.plan()
    owners: dict[str, list[str]] = {}

    # --- June: requests go out 15 working days before (Monday 18 May, 09:00) --------------
    assert tick(settings, now=at("2020-05-18T08:59")).count("done") == 0
    result = tick(settings, now=at("2020-05-18T09:00"))
    with open_workspace(settings) as w:
        rows = d.list_dispatches(w.engine, meeting="SG-2020-06")
    requests = [r for r in rows if r.kind == "request"]
    owners["SG-2020-06"] = [r.recipient for r in requests if r.state == "done"]
    assert len(owners["SG-2020-06"]) >= 5 and RETURNER in owners["SG-2020-06"]
    assert result.count("done") == len(owners["SG-2020-06"])
    request = next(r for r in requests if r.recipient == RETURNER)
    workbook = Path(request.outputs["files"][0]["path"])
    assert workbook.is_file() and workbook.suffix == ".xlsx"
    assert len(request.outputs["files"][0]["sha256"]) == 64
    assert request.outputs["message_ids"][0].startswith("<return-request.SG-2020-06.")

    # --- returns come in: one workbook filled and loaded, one update on the command line --
    with open_workspace(settings) as w:
        plan = w.plan()
        from tests.returns_support import action_rows
        from tracker.progress import record_update
        from tracker.returns.load import load_returns
        from tracker.returns.manifest import read_key

        first_action = next(iter(action_rows(workbook)))
        fill(workbook, {first_action: {"status": "In progress", "progress": 50}})
        loaded = load_returns(
            w.engine, plan, read_key(ws), [workbook], by=str(plan.owner(RETURNER).email),
            on=date(2020, 5, 26), now=datetime(2020, 5, 26, 11, 0, tzinfo=UTC),
        )  # fmt: skip
        assert loaded and not loaded[0].problems

        def asked(owner: str) -> list[str]:
            from sqlmodel import Session, col, select

            from tracker.db.models import ReturnIssue

            with Session(w.engine) as session:
                issue = session.exec(
                    select(ReturnIssue).where(
                        col(ReturnIssue.meeting_id) == "SG-2020-06",
                        col(ReturnIssue.owner_id) == owner,
                    )
                ).one()
            return [str(a["id"]) for a in issue.actions]

        def phone(action_id: str, owner: str) -> None:
            record_update(
                w.engine, plan, action_id=action_id, status="in_progress", progress=60, rag=None,
                note="Update given by phone", on=date(2020, 5, 27), by=str(plan.owner(owner).email),
                source="cli", today=date(2020, 5, 27),
            )  # fmt: skip

        for action_id in asked(UPDATER):  # every action the return asked about
            phone(action_id, UPDATER)
        # one update out of several is not a return: this owner is still chased
        partial = next(
            o for o in sorted(owners["SG-2020-06"])
            if o not in (RETURNER, UPDATER) and len(asked(o)) >= 2
        )  # fmt: skip
        phone(asked(partial)[0], partial)

    # --- the deadline notes who is outstanding -----------------------------------------
    tick(settings, now=at("2020-05-28T17:00"))
    with open_workspace(settings) as w:
        deadline = next(
            r for r in d.list_dispatches(w.engine, meeting="SG-2020-06") if r.kind == "deadline"
        )
    late = deadline.outputs["outstanding"]
    assert RETURNER not in late and UPDATER not in late
    assert set(late) == set(owners["SG-2020-06"]) - {RETURNER, UPDATER}
    assert partial in late

    # --- chasers: the scheduler dies twice in the middle, and is started again ------------
    after, before = sorted(late)[0], sorted(late)[1]
    with pytest.raises(Crash):
        tick(settings, now=at("2020-06-01T09:00"), handlers=_crashing({after}, set()))
    with pytest.raises(Crash):
        tick(settings, now=at("2020-06-01T09:01"), handlers=_crashing(set(), {before}))
    result = tick(settings, now=at("2020-06-01T09:02"))  # restarted
    assert result.count("resumed") == 1
    with open_workspace(settings) as w:
        chasers = [
            r for r in d.list_dispatches(w.engine, meeting="SG-2020-06") if r.kind == "chaser"
        ]
    by_owner = {r.recipient: r for r in chasers}
    assert {o for o, r in by_owner.items() if r.state == "done"} == set(late)
    assert by_owner[RETURNER].state == "skipped" and by_owner[RETURNER].note == "their return is in"
    assert by_owner[UPDATER].state == "skipped"

    # --- the pack ----------------------------------------------------------------------
    result = tick(settings, now=at("2020-06-02T09:00"))
    assert [o.state for o in result.outcomes if o.kind == "pack"] == ["done"]
    with open_workspace(settings) as w:
        pack = next(
            r for r in d.list_dispatches(w.engine, meeting="SG-2020-06") if r.kind == "pack"
        )
    pack_file = Path(pack.outputs["files"][0]["path"])
    assert pack_file.is_file() and pack_file.parent == ws / "outputs" / "packs"

    # --- September, straight through ---------------------------------------------------
    for moment in ("2020-08-17T09:00", "2020-08-26T17:00", "2020-08-28T09:00", "2020-09-01T09:00"):
        tick(settings, now=at(moment))
    with open_workspace(settings) as w:
        september = d.list_dispatches(w.engine, meeting="SG-2020-09")
    owners["SG-2020-09"] = [
        r.recipient for r in september if r.kind == "request" and r.state == "done"
    ]
    chased = [r.recipient for r in september if r.kind == "chaser" and r.state == "done"]
    assert set(chased) == set(owners["SG-2020-09"])  # nobody returned for September

    # --- restart once more: nothing new -----------------------------------------------
    before_restart = outbox(ws)
    tick(settings, now=at("2020-09-01T10:00"))
    assert outbox(ws) == before_restart

    email_of = {o.id: str(o.email) for o in plan.owners}
    expected = Counter(
        [("return_request", m, email_of[o]) for m, os_ in owners.items() for o in os_]
        + [("chaser", "SG-2020-06", email_of[o]) for o in late]
        + [("chaser", "SG-2020-09", email_of[o]) for o in chased]
    )
    group = ", ".join(str(a) for a in plan.distribution.steering_group)
    expected += Counter([("pack", "SG-2020-06", group), ("pack", "SG-2020-09", group)])
    got = Counter(m[:3] for m in outbox(ws) if m[0] != "alert")
    assert got == expected
    assert not [m for m in outbox(ws) if m[0] == "alert"]  # nothing failed or was missed
    ids = [m[3] for m in outbox(ws)]
    assert len(ids) == len(set(ids))  # no email twice, of any kind
    _chasers_are_marked_and_list_what_their_return_asked(ws)


def _chasers_are_marked_and_list_what_their_return_asked(ws: Path) -> None:
    """As the emails commands send: the plan's marking, and the return's actions only."""
    import re

    from sqlmodel import Session, select

    from tracker.db.models import ReturnIssue

    with open_workspace(Settings(workspace=ws)) as w, Session(w.engine) as session:
        asked = {
            (r.meeting_id, r.owner_email): [a["id"] for a in r.actions]
            for r in session.exec(select(ReturnIssue)).all()
        }
    chasers = 0
    for path in sorted((ws / "outbox").glob("*/*")):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if msg["X-Tracker-Kind"] != "chaser":
            continue
        chasers += 1
        assert str(msg["Subject"]).startswith("[OFFICIAL-SENSITIVE] ")
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert text.rstrip().endswith("OFFICIAL-SENSITIVE")
        listed = re.findall(r"^  (SO\d\.\d+) ", text, flags=re.M)
        assert listed == asked[(str(msg["X-Tracker-Meeting"]), str(msg["To"]))]
    assert chasers


def test_the_review_goes_to_the_chair_with_its_workbook_and_paper(ws: Path) -> None:
    settings = Settings(workspace=ws)
    # The scheduler starts late: the review's requests and chaser are overdue but still useful.
    result = tick(settings, now=at("2021-04-13T09:00"))
    review = [o for o in result.outcomes if o.kind == "review"]
    assert [o.state for o in review] == ["done"], result.outcomes
    found = [m for m in outbox(ws) if m[0] == "review"]
    assert [(m[1], m[2]) for m in found] == [("REVIEW-2021-04", "steering.group.chair@example.org")]
    path = next(p for p in (ws / "outbox" / "new").iterdir() if p.name.startswith("review."))
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    names = sorted(part.get_filename() for part in msg.iter_attachments())
    assert [n.rsplit(".", 1)[1] for n in names] == ["xlsx", "docx"], names


def test_an_owner_whose_request_was_skipped_is_not_chased(ws: Path) -> None:
    """No reminder of a return nobody asked for: the request had nothing to report on."""
    from tracker.progress import record_update

    settings = Settings(workspace=ws)
    with open_workspace(settings) as w:  # one owner has completed everything: nothing to ask
        plan = w.plan()
        done = RETURNER
        for action in plan.actions():
            if action.owner == done and action.start <= date(2020, 6, 9):
                record_update(
                    w.engine, plan, action_id=action.id, status="complete", progress=100,
                    rag=None, note="Delivered", on=date(2020, 5, 10),
                    by=str(plan.owner(done).email), source="cli", today=date(2020, 5, 10),
                )  # fmt: skip
    for moment in ("2020-05-18T09:00", "2020-05-28T17:00", "2020-06-01T09:00"):
        tick(settings, now=at(moment))
    with open_workspace(settings) as w:
        rows = d.list_dispatches(w.engine, meeting="SG-2020-06")
    skipped = {r.recipient for r in rows if r.kind == "request" and r.state == "skipped"}
    assert skipped == {done}
    chasers = {r.recipient: r for r in rows if r.kind == "chaser"}
    for owner in skipped:
        assert chasers[owner].state == "skipped"
        assert chasers[owner].note == "no return was asked of them for this meeting"
    sent_to = {m[2] for m in outbox(ws) if m[0] == "chaser"}
    with open_workspace(settings) as w:
        plan = w.plan()
    assert not sent_to & {str(plan.owner(o).email) for o in skipped}
    assert sent_to  # the others, who were asked and have not returned, are chased


def test_a_late_pass_does_not_chase_seconds_after_the_request(ws: Path) -> None:
    """After an outage the request and its chaser fall due together: only the request goes."""
    settings = Settings(workspace=ws)
    tick(settings, now=at("2020-06-01T09:00"))  # down since before the requests of 18 May
    with open_workspace(settings) as w:
        rows = d.list_dispatches(w.engine, meeting="SG-2020-06")
    asked = {r.recipient for r in rows if r.kind == "request" and r.state == "done"}
    chasers = {r.recipient: r for r in rows if r.kind == "chaser"}
    assert asked
    for owner in asked:
        assert chasers[owner].state == "skipped"
        assert chasers[owner].note == "their request went out less than a day ago"
    assert not [m for m in outbox(ws) if m[0] == "chaser"]
