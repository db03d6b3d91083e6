"""``tracker outbox list|show|export``: exact output and exit codes on a real workspace."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from pathlib import Path

from tests import mailsamples as s
from tracker.delivery import deliver
from tracker.mail.build import as_bytes, build_pack_email, build_return_request
from tracker.mail.transport import Outbox


def _fill(cli) -> tuple[bytes, bytes]:
    outbox = Outbox(cli.workspace / "outbox")
    request = build_return_request(s.return_request(), sender=s.SENDER, date=s.NOW)
    pack = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW)
    deliver(request, transport=outbox)
    deliver(pack, transport=outbox)
    return as_bytes(request), as_bytes(pack)


def test_an_empty_outbox(sqlite_cli) -> None:
    result = sqlite_cli("outbox", "list")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"the outbox {sqlite_cli.workspace / 'outbox'} is empty"
    result = sqlite_cli("outbox", "show", "pack")
    assert result.exit_code == 1
    assert "error: the outbox" in result.output and "is empty" in result.output


def test_list_show_and_export(sqlite_cli, tmp_path: Path) -> None:
    _, pack = _fill(sqlite_cli)
    result = sqlite_cli("outbox", "list")
    assert result.exit_code == 0, result.output
    assert "return-request.sg-2020-07." in result.output and "pack.sg-2020-07." in result.output
    assert "2 recipients" in result.output
    assert result.output.strip().endswith("2 messages; 'tracker outbox show ID' prints one")

    listed = json.loads(sqlite_cli("outbox", "list", "--format", "json").output)
    kinds = [m["kind"] for m in listed["messages"]]
    assert sorted(kinds) == ["pack", "return_request"]
    pack_entry = next(m for m in listed["messages"] if m["kind"] == "pack")
    assert pack_entry["attachments"] == [{"filename": s.PACK.filename, "bytes": len(s.PACK.data)}]

    shown = sqlite_cli("outbox", "show", "pack")
    assert shown.exit_code == 0, shown.output
    assert f"Attached:   {s.PACK.filename} (5,004 bytes)" in shown.output
    assert "RAG SUMMARY" in shown.output
    detail = json.loads(sqlite_cli("outbox", "show", pack_entry["id"], "--format", "json").output)
    assert detail["message_id"] == pack_entry["message_id"] and "KPI HEADLINES" in detail["text"]

    target = tmp_path / "pack.eml"
    result = sqlite_cli("outbox", "export", "pack", str(target))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {target}"
    assert target.read_bytes() == pack
    exported = message_from_bytes(target.read_bytes(), policy=policy.default)
    assert exported["X-Tracker-Kind"] == "pack"
    again = sqlite_cli("outbox", "export", "pack", str(target))
    assert again.exit_code == 1 and "already exists" in again.output
    assert sqlite_cli("outbox", "export", "pack", str(target), "--force").exit_code == 0


def test_an_unknown_or_ambiguous_id_is_one_line(sqlite_cli) -> None:
    _fill(sqlite_cli)
    result = sqlite_cli("outbox", "show", "nonesuch")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: no message 'nonesuch' in the outbox: run 'tracker outbox list' to see the ids"
    ]
    result = sqlite_cli("outbox", "show", "")
    assert result.exit_code == 1
    assert "matches 2 messages" in result.output


def test_sent_lists_deliveries_from_the_database(cli) -> None:
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    settings = Settings(workspace=cli.workspace, database_url=cli.database_url)
    with open_workspace(settings) as ws:
        message = build_return_request(s.return_request(), sender=s.SENDER, date=s.NOW)
        deliver(message, transport=Outbox(cli.workspace / "outbox"), engine=ws.engine)
    result = cli("outbox", "sent")
    assert result.exit_code == 0, result.output
    assert "return_request" in result.output and "delivered" in result.output
    document = json.loads(cli("outbox", "sent", "--meeting", "sg-2020-07", "-f", "json").output)
    (only,) = document["deliveries"]
    assert only["state"] == "delivered" and only["recipients"] == ["education-officer@example.org"]
    assert json.loads(cli("outbox", "sent", "--meeting", "other", "-f", "json").output) == {
        "deliveries": []
    }


def test_send_and_report_says_what_happened_to_each_email(sqlite_cli, capsys) -> None:
    import pytest
    import typer

    from commands.outbox import send_and_report
    from tracker.mail.messages import Contact
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    messages = [
        build_return_request(s.return_request(), sender=s.SENDER, date=s.NOW),
        build_return_request(
            s.return_request(owner=Contact("Channel Panel Chair", "channel@example.org")),
            sender=s.SENDER,
            date=s.NOW,
        ),
    ]
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws:
        send_and_report(ws, messages, force=False)
        out = capsys.readouterr().out.splitlines()
        assert [line.split(":")[0:2] for line in out] == [
            ["outbox", " education-officer@example.org"],
            ["outbox", " channel@example.org"],
        ]
        with pytest.raises(typer.Exit) as caught:
            send_and_report(ws, messages, force=False)
        assert caught.value.exit_code == 1
        err = capsys.readouterr().err
        assert err.count("skipped: ") == 2
        assert "error: nothing sent: every email was delivered before; pass --resend" in err
        # a mail command that refuses: reported per email, recorded, exit 1
        script = sqlite_cli.workspace / "refusing-sendmail"
        script.write_text("#!/bin/sh\necho 'recipient address rejected' >&2\nexit 65\n")
        script.chmod(0o755)
        (sqlite_cli.workspace / "tracker.toml").write_text(
            f'[mail]\ntransport = "sendmail"\ncommand = "{script}"\n'
        )
        with pytest.raises(typer.Exit):
            send_and_report(ws, messages, force=True)
        err = capsys.readouterr().err
        assert err.count("\nnot sent: ") + err.startswith("not sent: ") == 2
        assert "recipient address rejected" in err
        assert "error: 2 of 2 emails not sent" in err


ADMIN = "plan.administrator@example.org"


def test_pack_and_review_send_once_to_the_outbox(sqlite_cli) -> None:
    from email import message_from_bytes, policy

    result = sqlite_cli("pack", "--meeting", "SG-2020-06", "--send", "--by", ADMIN)
    assert result.exit_code == 0, result.output
    assert "outbox: prevent.steering.group@example.org: " in result.output
    (entry,) = Outbox(sqlite_cli.workspace / "outbox").entries()
    message = message_from_bytes(entry.path.read_bytes(), policy=policy.default)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().startswith("pack-SG-2020-06")

    again = sqlite_cli("pack", "--meeting", "SG-2020-06", "--send", "--by", ADMIN)
    assert again.exit_code == 1
    assert "skipped: prevent.steering.group@example.org: " in again.output
    assert again.output.strip().endswith(
        "error: nothing sent: every email was delivered before; pass --resend to send them again"
    )
    forced = sqlite_cli("pack", "--meeting", "SG-2020-06", "--send", "--resend", "--by", ADMIN)
    assert forced.exit_code == 0, forced.output
    assert len(Outbox(sqlite_cli.workspace / "outbox").entries()) == 1

    review = sqlite_cli("review", "--as-of", "2021-03-31", "--send", "--by", ADMIN)
    assert review.exit_code == 0, review.output
    assert "outbox: steering.group.chair@example.org: " in review.output
    assert len(Outbox(sqlite_cli.workspace / "outbox").entries()) == 2

    wrong = sqlite_cli("review", "--resend")
    assert wrong.exit_code == 1 and "--resend only goes with --send" in wrong.output


def test_only_an_administrator_sends_a_pack_or_review(sqlite_cli) -> None:
    owner = "mash.manager@example.org"  # an owner, not an administrator
    for args in (("pack", "--meeting", "SG-2020-06"), ("review", "--as-of", "2021-03-31")):
        result = sqlite_cli(*args, "--send", "--by", owner)
        assert result.exit_code == 1
        assert result.output.startswith(f"error: {owner} may not send the ")
        assert "only plan administrators do: ask one of " in result.output
        assert len(result.output.splitlines()) == 1
    assert not (sqlite_cli.workspace / "outputs").exists() or not any(
        (sqlite_cli.workspace / "outputs").rglob("*.xlsx")
    )  # refused before anything was compiled
    assert sqlite_cli("pack", "--meeting", "SG-2020-06", "--by", owner).exit_code == 0  # may look


def test_a_send_with_wrong_mail_settings_is_refused_before_anything_is_issued(sqlite_cli) -> None:
    """A return issued and then not sent would supersede the workbook the owner holds."""
    from sqlmodel import Session, func, select

    from tracker.db.models import PackRecord, ReturnIssue
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    (sqlite_cli.workspace / "tracker.toml").write_text('[mail]\ntransport = "smtp"\n')
    for args in (
        ("returns", "issue", "--meeting", "SG-2020-06"),
        ("pack", "--meeting", "SG-2020-06"),
        ("review", "--as-of", "2021-03-31"),
    ):
        result = sqlite_cli(*args, "--send", "--by", ADMIN)
        assert result.exit_code == 1, result.output
        assert len(result.output.splitlines()) == 1
        assert result.output.startswith("error: ")
        assert "transport 'smtp' is not known" in result.output
    with open_workspace(Settings(workspace=sqlite_cli.workspace)) as ws, Session(ws.engine) as s:
        assert s.exec(select(func.count()).select_from(ReturnIssue)).one() == 0
        assert s.exec(select(func.count()).select_from(PackRecord)).one() == 0
    outputs = sqlite_cli.workspace / "outputs"
    assert not outputs.exists() or not any(p.is_file() for p in outputs.rglob("*"))
