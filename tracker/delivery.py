"""Delivering built emails, and remembering each delivery so nothing is sent twice.

``deliver`` is the one way a message leaves: it checks the message, claims its
Message-ID in the ``delivery`` table (in its own transaction, before anything
is sent), hands the bytes to the transport and records what happened. The
same Message-ID is refused a second time unless ``force`` is given, through
either transport; the outbox also refuses on its own, by file name, so it
never holds a message twice even without a database.

A ``sending`` row left by a crash mid-send means different things per
transport: the outbox can be checked (the file is there or it is not), so the
delivery is completed exactly once; a sendmail command cannot be asked, so
the message is refused until someone checks and forces it.

Builders live in ``tracker.mail``; this module is the stateful shell around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.db import models as m
from tracker.mail.build import check_lines
from tracker.mail.config import OUTBOX_DIR, MailSettings
from tracker.mail.errors import AlreadySentError, DeliveryFailed, MailError
from tracker.mail.headers import check_message_id
from tracker.mail.transport import Outbox, Sendmail, Transport

SENDING, DELIVERED, DEFERRED, FAILED = "sending", "delivered", "deferred", "failed"


@dataclass(frozen=True)
class Delivery:
    """A message's delivery as recorded."""

    message_id: str
    kind: str
    meeting: str | None
    recipients: tuple[str, ...]
    subject: str
    transport: str
    state: str
    error: str | None
    location: str | None
    attempts: int
    at: datetime

    @classmethod
    def of(cls, row: m.MailDelivery) -> Delivery:
        return cls(
            message_id=row.message_id,
            kind=row.kind,
            meeting=row.meeting,
            recipients=tuple(row.recipients),
            subject=row.subject,
            transport=row.transport,
            state=row.state,
            error=row.error,
            location=row.location,
            attempts=row.attempts,
            at=m.as_utc(row.at),
        )


def make_transport(settings: MailSettings, workspace: Path) -> Transport:
    """The transport the workspace's [mail] settings name."""
    if settings.transport == "sendmail":
        return Sendmail(settings.command, timeout=settings.timeout)
    return Outbox(workspace / OUTBOX_DIR)


def deliver(
    message: EmailMessage,
    *,
    transport: Transport,
    engine: Engine | None = None,
    force: bool = False,
    now: datetime | None = None,
) -> Delivery:
    """Send ``message`` through ``transport`` once; record it when ``engine`` is given.

    Raises ``AlreadySentError`` when it was delivered before (unless ``force``),
    ``DeliveryFailed`` when the transport refused it (the failure is recorded).
    """
    at = now or m.utcnow()
    message_id = check_message_id(str(message.get("Message-ID", "")).strip())
    raw = check_lines(message)
    recipients = [addr for _, addr in getaddresses(message.get_all("To", []))]
    recipients += [addr for _, addr in getaddresses(message.get_all("Cc", []))]
    if not recipients:
        raise MailError(f"message {message_id} has no recipients", hint="add a To address")
    facts: dict[str, Any] = {
        "message_id": message_id,
        "kind": str(message.get("X-Tracker-Kind", "") or "email"),
        "meeting": str(message.get("X-Tracker-Meeting", "")) or None,
        "recipients": recipients,
        "subject": str(message.get("Subject", "")),
        "transport": transport.name,
    }
    resume = _claim(engine, facts, force=force, at=at) if engine is not None else False
    try:
        sent = transport.send(raw, message_id=message_id, recipients=recipients, force=force)
        location = sent.location
    except AlreadySentError:
        if resume and isinstance(transport, Outbox):
            # claimed, then interrupted after the file was written: the delivery is complete
            found = transport.find(message_id)
            location = str(found) if found else ""
        else:
            if engine is not None:
                _record(engine, message_id, state=DELIVERED, error=None, location=None, at=at)
            raise
    except DeliveryFailed as exc:
        if engine is not None:
            failed = DEFERRED if exc.temporary else FAILED
            _record(engine, message_id, state=failed, error=exc.message, location=None, at=at)
        raise
    except BaseException as exc:
        if engine is not None:
            _record(engine, message_id, state=FAILED, error=str(exc)[:500], location=None, at=at)
        raise
    if engine is None:
        return Delivery(
            **{**facts, "recipients": tuple(recipients)},
            state=DELIVERED,
            error=None,
            location=location,
            attempts=1,
            at=at,
        )
    return _record(engine, message_id, state=DELIVERED, error=None, location=location, at=at)


def _claim(engine: Engine, facts: dict[str, Any], *, force: bool, at: datetime) -> bool:
    """Record the message as being sent; True when resuming an interrupted outbox delivery."""
    message_id = str(facts["message_id"])
    with Session(engine) as session:
        row = session.exec(
            select(m.MailDelivery).where(m.MailDelivery.message_id == message_id)
        ).first()
        resume = False
        if row is None:
            session.add(m.MailDelivery(**facts, state=SENDING, attempts=1, at=at))
        else:
            if not force:
                _refuse(row, transport=str(facts["transport"]))
                resume = row.state == SENDING
            for key, value in facts.items():
                setattr(row, key, value)
            row.state, row.error, row.at = SENDING, None, at
            row.attempts += 1
            session.add(row)
        try:
            session.commit()
        except IntegrityError:
            raise AlreadySentError(
                f"message {message_id} is being sent by another process",
                hint="it is not sent twice; run 'tracker outbox list' to see it",
            ) from None
    return resume


def _refuse(row: m.MailDelivery, *, transport: str) -> None:
    when = f"{m.as_utc(row.at):%Y-%m-%d %H:%M} UTC"
    if row.state == DELIVERED:
        raise AlreadySentError(
            f"message {row.message_id} ({row.subject}) was already delivered by "
            f"{row.transport} at {when}",
            hint="it is not sent twice; pass --resend (with --send) to send it again",
        )
    if row.state == SENDING and not (transport == "outbox" and row.transport == "outbox"):
        raise AlreadySentError(
            f"message {row.message_id} was being sent by {row.transport} at {when} and may "
            "have gone",
            hint="check with the recipients or the mail server's log, then pass --resend to "
            "send it again",
        )


def _record(
    engine: Engine,
    message_id: str,
    *,
    state: str,
    error: str | None,
    location: str | None,
    at: datetime,
) -> Delivery:
    with Session(engine, expire_on_commit=False) as session:
        row = session.exec(
            select(m.MailDelivery).where(m.MailDelivery.message_id == message_id)
        ).one()
        row.state, row.error, row.at = state, error, at
        if location is not None:
            row.location = location
        session.add(row)
        session.commit()
        return Delivery.of(row)


def deliveries(
    engine: Engine, *, meeting: str | None = None, kind: str | None = None
) -> list[Delivery]:
    """Recorded deliveries, latest first."""
    with Session(engine) as session:
        query = select(m.MailDelivery)
        if meeting:
            query = query.where(m.MailDelivery.meeting == meeting)
        if kind:
            query = query.where(m.MailDelivery.kind == kind)
        rows = session.exec(query.order_by(m.MailDelivery.at.desc(), m.MailDelivery.id.desc()))  # type: ignore[attr-defined,union-attr]
        return [Delivery.of(r) for r in rows]


def find_delivery(engine: Engine, message_id: str) -> Delivery | None:
    """The recorded delivery of ``message_id``, if any (the scheduler asks before sending)."""
    with Session(engine) as session:
        row = session.exec(
            select(m.MailDelivery).where(m.MailDelivery.message_id == message_id)
        ).first()
        return Delivery.of(row) if row else None


@dataclass(frozen=True)
class Outcome:
    """One message's fate in ``send_all``: its delivery, or the one-line reason it was not sent."""

    message_id: str
    to: str
    subject: str
    delivery: Delivery | None
    error: str | None = None
    already: bool = False  # refused because it was delivered before

    @property
    def ok(self) -> bool:
        return self.delivery is not None


def send_all(
    messages: list[EmailMessage],
    *,
    workspace: Path,
    engine: Engine,
    force: bool = False,
    transport: Transport | None = None,
) -> list[Outcome]:
    """Deliver each message through the workspace's transport, carrying on past failures.

    Emails go one by one, so one owner's refused address does not hold up the others;
    the outcome of each is returned (and recorded) for the caller to report.
    """
    from tracker.mail.config import load_mail_settings

    chosen = transport or make_transport(load_mail_settings(workspace), workspace)
    outcomes = []
    for message in messages:
        message_id = str(message.get("Message-ID", ""))
        to = ", ".join(a for _, a in getaddresses(message.get_all("To", [])))
        subject = " ".join(str(message.get("Subject", "")).split())
        try:
            done = deliver(message, transport=chosen, engine=engine, force=force)
            outcomes.append(Outcome(message_id, to, subject, delivery=done))
        except AlreadySentError as exc:
            outcomes.append(Outcome(message_id, to, subject, None, error=str(exc), already=True))
        except MailError as exc:
            outcomes.append(Outcome(message_id, to, subject, None, error=str(exc)))
    return outcomes
