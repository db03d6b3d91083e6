"""The email builders: a value in, an ``email.message.EmailMessage`` out.

Each builder renders its templates, checks every address and header value,
and returns the message; it writes nothing, sends nothing and reads no clock
(the ``date`` is passed in). Every message has a plain-text part that reads
well alone, an HTML part, and its attachments::

    multipart/mixed
      multipart/alternative
        text/plain   (quoted-printable)
        text/html    (quoted-printable)
      attachment...  (base64)

Message-IDs are made from (kind, meeting, recipient), so the same email built
twice has the same identity and the delivery layer can refuse to send it again.
Headers ``X-Tracker-Kind`` and ``X-Tracker-Meeting`` say what each message is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from tracker.mail.errors import MailError
from tracker.mail.headers import check_address, check_addresses, check_header
from tracker.mail.messages import (
    AlertEmail,
    Attachment,
    Chaser,
    PackEmail,
    ReturnRequest,
    ReviewEmail,
    Sender,
)


class _Policy(email_policy.EmailPolicy):
    """The default policy, except a subject too long for its own line is wrapped at spaces.

    The standard library moves such a subject whole onto the next line, leaving
    ``Subject:`` empty; parsed back (by Python's own parser, and some clients) the
    subject then starts with a space. Wrapping at the last space that fits keeps the
    first words on the header's line, as mail clients fold.
    """

    def fold(self, name: str, value: str) -> str:
        return self._first_words_kept(name, value, super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = super().fold_binary(name, value)
        kept = self._first_words_kept(name, value, folded.decode("ascii", "surrogateescape"))
        return kept.encode("ascii", "surrogateescape")

    def _first_words_kept(self, name: str, value: str, folded: str) -> str:
        text = str(value)
        if name.lower() != "subject" or not text.isascii() or "\n" in text or "\r" in text:
            return folded
        if not folded.startswith(f"{name}:{self.linesep}"):
            return folded
        limit = self.max_line_length or SMTP_LINE_LIMIT
        lines, line = [], f"{name}:"
        for n, word in enumerate(text.split(" ")):
            if n and len(line) + 1 + len(word) > limit:
                lines.append(line)
                line = ""
            line = f"{line} {word}"
        lines.append(line)
        return self.linesep.join(lines) + self.linesep


# How messages are serialised everywhere: headers folded at 78 characters, and no line of
# a message (headers or body) longer than SMTP's limit of 998.
SMTP_LINE_LIMIT = 998
POLICY = _Policy(max_line_length=78)

KINDS = ("return_request", "chaser", "pack", "review", "alert")


def message_id(kind: str, meeting: str, recipient: str, domain: str) -> str:
    """<kind.meeting.hash@domain>: the same for the same (kind, meeting, recipient)."""
    digest = hashlib.sha256(f"{kind}\0{meeting}\0{recipient.lower()}".encode()).hexdigest()
    return f"<{kind.replace('_', '-')}.{meeting}.{digest[:20]}@{domain}>"


def build_return_request(
    request: ReturnRequest,
    *,
    sender: Sender,
    date: datetime,
    templates: Path | None = None,
) -> EmailMessage:
    """The return request to one owner, with their workbook attached."""
    context = {"request": request, "owner": request.owner, "meeting": request.meeting}
    return _build(
        "return_request",
        context,
        sender=sender,
        to=[request.owner.email],
        meeting=request.meeting.id,
        recipient=request.owner.email,
        date=date,
        attachments=[request.workbook],
        templates=templates,
    )


def build_chaser(
    chaser: Chaser,
    *,
    sender: Sender,
    date: datetime,
    templates: Path | None = None,
) -> EmailMessage:
    """A reminder to an owner whose return has not arrived; each round has its own identity."""
    if chaser.round < 1:
        raise MailError(f"chaser round {chaser.round} is not allowed", hint="count rounds from 1")
    kind = "chaser" if chaser.round == 1 else f"chaser{chaser.round}"
    return _build(
        "chaser",
        {"chaser": chaser, "owner": chaser.owner, "meeting": chaser.meeting},
        sender=sender,
        to=[chaser.owner.email],
        meeting=chaser.meeting.id,
        recipient=chaser.owner.email,
        date=date,
        attachments=[chaser.workbook] if chaser.workbook else [],
        templates=templates,
        id_kind=kind,
    )


def build_pack_email(
    email: PackEmail,
    *,
    sender: Sender,
    date: datetime,
    templates: Path | None = None,
) -> EmailMessage:
    """The Steering Group pack to its distribution list: RAG summary, exceptions, KPIs."""
    return _build(
        "pack",
        {"email": email, "summary": email.summary, "meeting": email.meeting},
        sender=sender,
        to=list(email.recipients),
        meeting=email.meeting.id,
        recipient="steering_group",
        date=date,
        attachments=[email.pack],
        templates=templates,
    )


def build_review_email(
    email: ReviewEmail,
    *,
    sender: Sender,
    date: datetime,
    templates: Path | None = None,
) -> EmailMessage:
    """The strategy review to the chair, with the review workbook and the draft paper."""
    return _build(
        "review",
        {"email": email, "meeting": email.meeting},
        sender=sender,
        to=list(email.recipients),
        meeting=email.meeting.id,
        recipient="chair",
        date=date,
        attachments=[email.workbook, email.paper],
        templates=templates,
    )


def build_alert_email(
    alert: AlertEmail,
    *,
    sender: Sender,
    date: datetime,
    templates: Path | None = None,
) -> EmailMessage:
    """A notice to the administrators; its identity is the ``fingerprint`` of what it reports."""
    return _build(
        "alert",
        {"alert": alert},
        sender=sender,
        to=list(alert.recipients),
        meeting="schedule",
        recipient=alert.fingerprint or alert.title,
        date=date,
        attachments=[],
        templates=templates,
    )


def _build(
    kind: str,
    context: dict[str, Any],
    *,
    sender: Sender,
    to: Sequence[str],
    meeting: str,
    recipient: str,
    date: datetime,
    attachments: Sequence[Attachment],
    templates: Path | None,
    id_kind: str | None = None,
) -> EmailMessage:
    from tracker.mail.render import templates_for

    if date.tzinfo is None or date.utcoffset() is None:
        raise MailError(
            f"the email's date {date.isoformat()} has no timezone",
            hint="pass an aware datetime (for example datetime.now(UTC))",
        )
    check_header("meeting", meeting)
    from_address = check_address(sender.address, what="sender address")
    recipients = check_addresses(list(to), what="recipient address")
    reply_to = check_address(sender.reply_to, what="reply-to address") if sender.reply_to else None
    domain = from_address.rpartition("@")[2].lower()

    tpl = templates_for(templates)
    context = {**context, "sender": sender, "kind": kind}
    subject = check_header("Subject", tpl.render(f"email/{kind}.subject.j2", context).strip())
    if sender.marking:
        subject = f"[{sender.marking}] {subject}"
    text = tpl.render(f"email/{kind}.txt.j2", context).rstrip() + "\n"
    html = tpl.html(f"email/{kind}.html.j2", context)

    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = check_header("Subject", subject)
    msg["From"] = _address(sender.name, from_address)
    msg["To"] = ", ".join(recipients)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id(id_kind or kind, meeting, recipient, domain)
    msg["Auto-Submitted"] = "auto-generated"  # out-of-office replies are not sent back
    msg["X-Tracker-Kind"] = kind
    msg["X-Tracker-Meeting"] = meeting
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        _attach(msg, attachment)
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]  # only the message itself carries it
    check_lines(msg)
    return msg


def _address(name: str | None, address: str) -> str:
    if not name:
        return address
    check_header("sender name", name)
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=name, username=local, domain=domain))


def _attach(msg: EmailMessage, attachment: Attachment) -> None:
    name = attachment.filename
    check_header("attachment file name", name)
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise MailError(
            f"attachment name {name!r} is not a plain file name",
            hint="name attachments like pack-2020-07-14.xlsx",
        )
    maintype, _, subtype = attachment.content_type.partition("/")
    if not maintype or not subtype:
        raise MailError(
            f"attachment {name}: content type {attachment.content_type!r} is not type/subtype",
            hint="use e.g. application/pdf",
        )
    msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=name)


def as_bytes(msg: EmailMessage) -> bytes:
    """The message as it is stored and sent (headers folded, bodies encoded)."""
    return msg.as_bytes(policy=POLICY)


def check_lines(msg: EmailMessage) -> bytes:
    """The message's bytes, after checking no line is longer than SMTP allows."""
    raw = as_bytes(msg)
    longest = max((len(line) for line in raw.splitlines()), default=0)
    if longest > SMTP_LINE_LIMIT:
        raise MailError(
            f"the email has a line of {longest} characters (SMTP allows {SMTP_LINE_LIMIT})",
            hint="report this: tracker's builders should fold every line",
        )
    return raw
