"""Emails composed from a real workspace: return requests with the issued workbooks, chasers."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tracker.mail.build import as_bytes

MEETING = "SG-2021-03"
ON = date(2020, 12, 31)
NOW = datetime(2020, 12, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def issued(tmp_path: Path):
    from tracker.demo import synthetic_updates
    from tracker.progress import record_updates
    from tracker.returns.issue import issue_returns
    from tracker.returns.manifest import read_key
    from tracker.settings import Settings
    from tracker.workspace import init_workspace, open_workspace

    settings = Settings(workspace=tmp_path / "ws")
    init_workspace(settings)
    ws = open_workspace(settings)
    plan = ws.plan()
    record_updates(ws.engine, plan, synthetic_updates(plan, as_of=ON), today=ON)
    returns = issue_returns(
        ws.engine, plan, key=read_key(settings.workspace), now=NOW, meeting_id=MEETING
    )
    yield ws, returns
    ws.close()


def test_each_owner_gets_a_return_request_with_their_workbook(issued) -> None:
    import openpyxl

    from tracker.mailing import return_request_emails

    ws, returns = issued
    messages = return_request_emails(ws, returns, now=NOW, today=ON)
    assert len(messages) == len(returns) > 3
    for message, item in zip(messages, returns, strict=True):
        parsed = message_from_bytes(as_bytes(message), policy=policy.default)
        assert parsed["To"].addresses[0].addr_spec == str(item.owner.email)
        (attachment,) = list(parsed.iter_attachments())
        assert attachment.get_filename() == item.filename
        assert attachment.get_content() == item.content
        openpyxl.load_workbook(io.BytesIO(attachment.get_content()))  # a real workbook
        plain = parsed.get_body(("plain",)).get_content()
        for action in item.actions:
            assert action.id in plain
        html = parsed.get_body(("html",)).get_content()
        assert 'class="rag"' in html or "bgcolor=" in html
        assert parsed["From"].addresses[0].addr_spec == "prevent.coordinator@example.org"


def test_owners_past_the_deadline_get_a_chaser_and_nobody_else(issued) -> None:
    from tracker.mailing import chaser_emails

    ws, returns = issued
    deadline = returns[0].deadline
    assert deadline is not None
    assert chaser_emails(ws, meeting_id=MEETING, now=NOW, today=deadline) == []
    late = chaser_emails(ws, meeting_id=MEETING, now=NOW, today=date(2021, 3, 8))
    assert sorted(m["To"] for m in late) == sorted(str(r.owner.email) for r in returns)
    assert all(m["X-Tracker-Kind"] == "chaser" for m in late)
    second = chaser_emails(ws, meeting_id=MEETING, now=NOW, today=date(2021, 3, 8), round=2)
    assert {m["Message-ID"] for m in second}.isdisjoint({m["Message-ID"] for m in late})


def test_the_pack_email_repeats_the_compiled_pack_and_attaches_it(issued) -> None:
    import re

    from tracker.mail.render import rag_bg, rag_word
    from tracker.mailing import pack_email
    from tracker.reporting import compile_pack

    ws, _ = issued
    compiled = compile_pack(
        ws.engine, ws.plan(), out_dir=ws.settings.outputs, meeting=MEETING, today=ON
    )
    message = message_from_bytes(as_bytes(pack_email(ws, compiled, now=NOW)), policy=policy.default)
    assert [a.addr_spec for a in message["To"].addresses] == ["prevent.steering.group@example.org"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == compiled.path.read_bytes()
    html = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    summary = compiled.summary
    for o in summary.objectives:
        assert o.id in html and o.short_title in plain
        cell = re.search(
            rf'{o.id}</span>.*?<td class="rag"[^>]*bgcolor="(#\w+)"[^>]*>([\w ]+)</td>', html, re.S
        )
        assert cell and cell.group(1) == rag_bg(o.rating) and cell.group(2) == rag_word(o.rating)
    assert f"EXCEPTIONS ({len(summary.exceptions)})" in plain
    for k in summary.headline_kpis:
        assert k.id in plain
        if k.latest_value is None and k.latest_shown_as:
            assert k.latest_shown_as in plain  # a hidden figure stays hidden
    if summary.marking:
        assert summary.marking in message["Subject"]
    from sqlmodel import Session, select

    from tracker.db.models_release import Release

    with Session(ws.engine) as session:  # the email's figures are a release in the ledger
        (release,) = session.exec(select(Release).where(Release.channel == "email")).all()
    assert release.reference == f"pack-email.{MEETING}"


def test_the_review_email_attaches_the_workbook_and_the_paper(issued) -> None:
    from tracker.mailing import review_email
    from tracker.reporting import compile_review

    ws, _ = issued
    compiled = compile_review(ws.engine, ws.plan(), out_dir=ws.settings.outputs, today=ON)
    message = message_from_bytes(
        as_bytes(review_email(ws, compiled, now=NOW)), policy=policy.default
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["steering.group.chair@example.org"]
    files = {a.get_filename(): a.get_content() for a in message.iter_attachments()}
    assert files == {
        compiled.path.name: compiled.path.read_bytes(),
        compiled.paper.name: compiled.paper.read_bytes(),
    }
    assert message["X-Tracker-Kind"] == "review"


def test_the_demo_outbox_holds_the_return_requests_and_the_pack_email(issued) -> None:
    from tracker.mail.transport import Outbox
    from tracker.mailing import demo_outbox
    from tracker.reporting import compile_pack

    ws, returns = issued
    pack = compile_pack(ws.engine, ws.plan(), out_dir=ws.settings.outputs, as_of=ON, today=ON)
    line = demo_outbox(ws, issued=returns, pack=pack, today=ON)
    assert line == f"{len(returns)} return requests and the pack email in outbox/"
    entries = Outbox(ws.settings.workspace / "outbox").entries()
    assert len(entries) == len(returns) + 1


def test_the_scheduler_s_alert_is_rendered_from_the_templates() -> None:
    from types import SimpleNamespace

    from tracker import shipped
    from tracker.plan.loader import load_plan
    from tracker.schedule.alerts import build_alert

    plan = load_plan(shipped.example_plan()).plan
    row = SimpleNamespace(
        id=7, kind="pack", recipient=None, meeting_id="SG-2021-03", due_at=NOW, state="failed",
        attempts=3, next_attempt_at=None, error="the mail server could not take it", note=None,
    )  # fmt: skip
    message = message_from_bytes(as_bytes(build_alert(plan, [row], now=NOW)), policy=policy.default)
    assert message["X-Tracker-Kind"] == "alert"
    assert [a.addr_spec for a in message["To"].addresses] == [
        str(a) for a in plan.distribution.administrators
    ]
    plain = message.get_body(("plain",)).get_content()
    assert "#7" in plain and "FAILED after 3 attempts" in plain and "What to do:" in plain
    assert "tracker schedule retry ID" in message.get_body(("html",)).get_content()
    assert build_alert(plan, [row], now=NOW)["Message-ID"] == message["Message-ID"]
