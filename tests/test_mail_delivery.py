"""Delivering emails for real: a Maildir outbox, and msmtp talking to an SMTP server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import stat
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests import mailsamples as s
from tracker.delivery import deliver, deliveries, find_delivery, make_transport
from tracker.mail.build import as_bytes, build_pack_email, build_return_request
from tracker.mail.config import MailSettings, parse_mail_settings
from tracker.mail.errors import AlreadySentError, DeliveryFailed, MailError
from tracker.mail.transport import Outbox, Sendmail


def _request(**kw):
    return build_return_request(s.return_request(**kw), sender=s.SENDER, date=s.NOW)


def _pack(recipients=None):
    return build_pack_email(s.pack_email(recipients), sender=s.SENDER, date=s.NOW)


# --- the outbox ------------------------------------------------------------------------


def test_the_outbox_is_a_maildir_holding_the_exact_bytes(tmp_path: Path) -> None:
    import mailbox

    outbox = Outbox(tmp_path / "outbox")
    recipients = tuple(f"member-{i:02}@partner.example.org" for i in range(40))
    msg = _pack(recipients)
    done = deliver(msg, transport=outbox)
    assert done.state == "delivered" and done.transport == "outbox"
    path = Path(done.location or "")
    assert path.parent == tmp_path / "outbox" / "new"
    assert path.read_bytes() == as_bytes(msg)
    assert max(len(line) for line in path.read_bytes().splitlines()) <= 998
    assert not any((tmp_path / "outbox" / "tmp").iterdir())
    box = mailbox.Maildir(tmp_path / "outbox", create=False)  # any Maildir reader sees it
    (only,) = list(box)
    assert only["Message-ID"] == msg["Message-ID"]
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700


def test_the_outbox_never_holds_a_message_twice(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    deliver(_request(), transport=outbox)
    with pytest.raises(AlreadySentError, match=r"already in the outbox.*--resend"):
        deliver(_request(), transport=outbox)
    assert len(outbox.entries()) == 1
    # a mail client that read it moved it to cur/ with flags: still the same message
    (entry,) = outbox.entries()
    entry.path.rename(tmp_path / "outbox" / "cur" / f"{entry.path.name}:2,S")
    with pytest.raises(AlreadySentError):
        deliver(_request(), transport=outbox)
    forced = deliver(_request(), transport=outbox, force=True)
    assert forced.state == "delivered"
    (entry,) = outbox.entries()
    assert entry.folder == "new"
    deliver(
        _request(owner=s.Contact("Chair of Channel", "channel-chair@example.org")), transport=outbox
    )
    assert len(outbox.entries()) == 2


def test_a_message_not_built_by_tracker_is_refused(tmp_path: Path) -> None:
    msg = _request()
    msg.replace_header("Message-ID", "<../../etc/passwd>")
    with pytest.raises(MailError, match="not one tracker made"):
        deliver(msg, transport=Outbox(tmp_path / "outbox"))
    assert not (tmp_path / "outbox").exists()


# --- deliveries recorded in the database ---------------------------------------------


def test_deliveries_are_recorded_and_a_second_send_is_refused(engine, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    msg = _request()
    first = deliver(msg, transport=outbox, engine=engine)
    assert first.state == "delivered" and first.attempts == 1
    assert first.kind == "return_request" and first.meeting == "sg-2020-07"
    assert first.recipients == ("education-officer@example.org",)
    with pytest.raises(AlreadySentError, match="already delivered by outbox"):
        deliver(msg, transport=outbox, engine=engine)
    # even when the outbox was emptied by hand, the record stands
    shutil.rmtree(tmp_path / "outbox")
    with pytest.raises(AlreadySentError):
        deliver(msg, transport=outbox, engine=engine)
    again = deliver(msg, transport=outbox, engine=engine, force=True)
    assert again.attempts == 2 and len(outbox.entries()) == 1
    assert [d.message_id for d in deliveries(engine)] == [msg["Message-ID"]]
    found = find_delivery(engine, msg["Message-ID"])
    assert found is not None and found.state == "delivered"


def test_an_outbox_delivery_interrupted_after_the_claim_completes_once(engine, tmp_path) -> None:
    from sqlmodel import Session, select

    from tracker.db import models as m

    outbox = Outbox(tmp_path / "outbox")
    msg = _request()
    deliver(msg, transport=outbox, engine=engine)
    with Session(engine) as session:  # as if the process died between writing and recording
        row = session.exec(select(m.MailDelivery)).one()
        row.state = "sending"
        session.add(row)
        session.commit()
    done = deliver(msg, transport=outbox, engine=engine)
    assert done.state == "delivered" and len(outbox.entries()) == 1


def test_sending_twice_through_sendmail_is_refused_too(engine, tmp_path: Path) -> None:
    log = tmp_path / "sent.log"
    script = tmp_path / "fake-sendmail"
    script.write_text(f"#!/bin/sh\ncat >> {log}\n")
    script.chmod(0o755)
    transport = Sendmail([str(script), "-i"])
    msg = _request()
    deliver(msg, transport=transport, engine=engine)
    with pytest.raises(AlreadySentError, match="--resend"):
        deliver(msg, transport=transport, engine=engine)
    assert log.read_bytes().count(b"Message-ID:") == 1


def test_a_sendmail_delivery_interrupted_is_not_sent_again(engine, tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from tracker.db import models as m

    log = tmp_path / "sent.log"
    script = tmp_path / "fake-sendmail"
    script.write_text(f"#!/bin/sh\ncat >> {log}\n")
    script.chmod(0o755)
    msg = _request()
    deliver(msg, transport=Sendmail([str(script)]), engine=engine)
    with Session(engine) as session:
        row = session.exec(select(m.MailDelivery)).one()
        row.state = "sending"
        session.add(row)
        session.commit()
    with pytest.raises(AlreadySentError, match="may have gone"):
        deliver(msg, transport=Sendmail([str(script)]), engine=engine)
    assert log.read_bytes().count(b"Message-ID:") == 1


def test_recipients_are_given_after_a_double_dash_unless_the_command_reads_them() -> None:
    assert Sendmail(["sendmail", "-i"]).argv(["a@example.org"]) == [
        "sendmail",
        "-i",
        "--",
        "a@example.org",
    ]
    assert Sendmail(["msmtp", "-t"]).argv(["a@example.org"]) == ["msmtp", "-t"]


def test_mail_settings_are_checked() -> None:
    assert parse_mail_settings({}) == MailSettings()
    ok = parse_mail_settings({"transport": "sendmail", "command": "msmtp -C '/etc/my rc' -t"})
    assert ok.command == ("msmtp", "-C", "/etc/my rc", "-t")
    for bad, what in (
        ({"transport": "smtp"}, "transport 'smtp' is not known"),
        ({"transport": "sendmail"}, "no command"),
        ({"from": "officer"}, "not a valid email address"),
        ({"marking": "A\nB"}, "marking holds a line break or another control character"),
        ({"from_name": "Officer\r\nBcc: x@example.org"}, "from_name holds a line break"),
        ({"reply_to": "a@example.org\nBcc: b@example.org"}, "reply_to holds a line break"),
        ({"marking": "OFFICIAL " * 40}, "marking is 360 characters long, the limit is 60"),
        ({"from": "officer@exämple.org"}, "from has letters outside plain ASCII"),
        ({"sender": "x@example.org"}, "unknown setting sender"),
        ({"timeout": "soon"}, "timeout"),
    ):
        with pytest.raises(MailError, match=what):
            parse_mail_settings(bad)


# --- msmtp and a real SMTP server on loopback ---------------------------------------


def _msmtp() -> str:
    path = shutil.which("msmtp")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("msmtp is missing in CI: .ci/run should install it")
        pytest.skip("msmtp is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Inbox:
    """What the SMTP server received, and a recipient it refuses."""

    REFUSED = "refused@example.org"

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == self.REFUSED:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _msmtp_config(tmp_path: Path, port: int) -> Path:
    cfg = tmp_path / "msmtprc"
    cfg.write_text(
        "defaults\nauth off\ntls off\n\n"
        f"account test\nhost 127.0.0.1\nport {port}\nfrom prevent-officer@example.org\n\n"
        "account default : test\n"
    )
    cfg.chmod(0o600)  # msmtp refuses a configuration others may read
    return cfg


def test_msmtp_delivers_to_an_smtp_server_on_loopback(engine, smtp_server, tmp_path) -> None:
    inbox, port = smtp_server
    cfg = _msmtp_config(tmp_path, port)
    settings = parse_mail_settings({"transport": "sendmail", "command": f"{_msmtp()} -C {cfg} -t"})
    transport = make_transport(settings, tmp_path)
    recipients = tuple(f"member-{i:02}@partner.example.org" for i in range(40))
    msg = _pack(recipients)
    done = deliver(msg, transport=transport, engine=engine)
    assert done.state == "delivered" and done.transport == "sendmail"
    ((mail_from, rcpt_tos, content),) = inbox.messages
    assert mail_from == "prevent-officer@example.org"
    assert sorted(rcpt_tos) == sorted(recipients)
    assert content.replace(b"\r\n", b"\n") == as_bytes(msg)  # byte for byte what was built
    received = message_from_bytes(content, policy=policy.default)
    assert received["Message-ID"] == msg["Message-ID"]
    sent_files = [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()]
    got_files = [(a.get_filename(), a.get_content()) for a in received.iter_attachments()]
    assert got_files == sent_files
    assert max(len(line) for line in content.splitlines()) <= 998


def test_a_refused_recipient_sends_nothing_to_anyone(engine, smtp_server, tmp_path) -> None:
    inbox, port = smtp_server
    cfg = _msmtp_config(tmp_path, port)
    transport = Sendmail([_msmtp(), "-C", str(cfg), "-t"])
    msg = _pack(("member-01@partner.example.org", _Inbox.REFUSED, "member-02@partner.example.org"))
    with pytest.raises(DeliveryFailed) as caught:
        deliver(msg, transport=transport, engine=engine)
    assert caught.value.code == 65 and not caught.value.temporary
    assert "sent to nobody" in str(caught.value) and "\n" not in str(caught.value)
    assert inbox.messages == []
    record = find_delivery(engine, msg["Message-ID"])
    assert record is not None and record.state == "failed" and "exit 65" in (record.error or "")


def test_msmtp_exits_75_when_the_server_is_down_and_a_retry_is_allowed(engine, tmp_path) -> None:
    cfg = _msmtp_config(tmp_path, _free_port())  # nothing listens there
    transport = Sendmail([_msmtp(), "-C", str(cfg), "-t"])
    msg = _request()
    with pytest.raises(DeliveryFailed) as caught:
        deliver(msg, transport=transport, engine=engine)
    assert caught.value.code == 75 and caught.value.temporary
    assert "try again later" in str(caught.value)
    record = find_delivery(engine, msg["Message-ID"])
    assert record is not None and record.state == "deferred"
    with pytest.raises(DeliveryFailed):  # deferred is not "sent": trying again is allowed
        deliver(msg, transport=transport, engine=engine)
    record = find_delivery(engine, msg["Message-ID"])
    assert record is not None and record.attempts == 2


def test_a_missing_mail_command_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DeliveryFailed, match="is not installed"):
        deliver(_request(), transport=Sendmail([str(tmp_path / "no-such-sendmail")]))
