"""Email values from the plan: owners as contacts, meetings, and who the emails come from.

Small conversions so that returns, packs and the scheduler fill the email
values the same way.
"""

from __future__ import annotations

from tracker.mail.config import MailSettings
from tracker.mail.messages import Contact, MeetingRef, Sender
from tracker.plan.schema import Meeting, Owner, Plan


def contact(owner: Owner) -> Contact:
    return Contact(role=owner.role, email=str(owner.email), organisation=owner.organisation)


def meeting_ref(meeting: Meeting) -> MeetingRef:
    return MeetingRef(id=meeting.id, title=meeting.title, date=meeting.date)


def sender(plan: Plan, settings: MailSettings) -> Sender:
    """From the [mail] settings, else the plan's first administrator."""
    address = settings.sender or str(plan.distribution.administrators[0])
    return Sender(
        address=address,
        name=settings.sender_name,
        partnership=plan.plan.partnership,
        reply_to=settings.reply_to or address,
        marking=settings.marking,
    )
