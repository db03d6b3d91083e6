"""Sample email values for the mail tests: roles and example.org only, with hostile text."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tracker.mail.messages import (
    DOCX,
    ActionLine,
    Attachment,
    Chaser,
    Contact,
    ExceptionItem,
    KpiHeadline,
    MeetingRef,
    ObjectiveRow,
    PackEmail,
    PackSummary,
    ReturnRequest,
    ReviewEmail,
    Sender,
)

NOW = datetime(2020, 6, 12, 9, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'

SENDER = Sender(
    address="prevent-officer@example.org",
    name="Prevent partnership officer",
    partnership="Northamptonshire Prevent Partnership",
    reply_to="prevent-officer@example.org",
    marking="OFFICIAL-SENSITIVE",
)
MEETING = MeetingRef("sg-2020-07", "Prevent Steering Group", date(2020, 7, 14))
REVIEW_MEETING = MeetingRef("review-2021", "Strategy review", date(2021, 4, 20))
OWNER = Contact("Prevent Education Officer", "education-officer@example.org", "County Council")
ACTIONS = (
    ActionLine(
        "SO1.1", f"Train school staff {SCRIPT}", date(2020, 3, 31), "red", "in progress", 45
    ),
    ActionLine("SO1.2", f"Refresh the guidance {BREAKOUT}", date(2020, 9, 30), "amber"),
    ActionLine("SO1.3", "Publish the referral pathway", date(2020, 1, 31), "complete", "complete"),
)
WORKBOOK = Attachment("return-education-officer-sg-2020-07.xlsx", b"PK\x03\x04" + bytes(3000))


def return_request(**kw) -> ReturnRequest:
    args = {
        "owner": OWNER,
        "meeting": MEETING,
        "deadline": date(2020, 6, 26),
        "actions": ACTIONS,
        "workbook": WORKBOOK,
    }
    return ReturnRequest(**{**args, **kw})


def chaser(**kw) -> Chaser:
    args = {
        "owner": OWNER,
        "meeting": MEETING,
        "deadline": date(2020, 6, 26),
        "actions": ACTIONS[:2],
        "workbook": WORKBOOK,
    }
    return Chaser(**{**args, **kw})


OBJECTIVES = (
    ObjectiveRow(
        "SO1", "Safeguarding in education", "red", (("red", 1), ("amber", 1), ("complete", 1))
    ),
    ObjectiveRow("SO2", f"Community engagement {SCRIPT}", "amber", (("amber", 2), ("green", 3))),
    ObjectiveRow("SO3", "Channel panel", "green", (("green", 4),)),
)
SUMMARY = PackSummary(
    as_of=date(2020, 6, 30),
    objectives=OBJECTIVES,
    exceptions=(
        ExceptionItem(
            "SO1.1",
            "Train school staff",
            "red",
            "Red: due 31 Mar 2020, not complete, 91 days overdue",
            owner="Prevent Education Officer",
            narrative=f"Sessions moved online {BREAKOUT} " + "and rescheduled " * 200,
            mitigation="Extra sessions booked for September",
        ),
    ),
    kpis=(
        KpiHeadline("KPI1.1", "Referrals from education", "[c]", "grey", None, "2020/21 Q1"),
        KpiHeadline("KPI2.1", "Staff trained", "312", "green", "300", "2020/21 Q1", "up"),
    ),
    note="[c]: a figure withheld to protect confidentiality.",
)
PACK = Attachment("pack-sg-2020-07.xlsx", b"PK\x03\x04" + bytes(5000))


def pack_email(recipients: tuple[str, ...] | None = None, **kw) -> PackEmail:
    args = {
        "recipients": recipients or ("sg-member-1@example.org", "sg-member-2@example.org"),
        "meeting": MEETING,
        "summary": SUMMARY,
        "pack": PACK,
    }
    return PackEmail(**{**args, **kw})


def review_email(**kw) -> ReviewEmail:
    args = {
        "recipients": ("chair@example.org",),
        "meeting": REVIEW_MEETING,
        "as_of": date(2021, 3, 31),
        "workbook": Attachment("review-2021.xlsx", b"PK\x03\x04" + bytes(4000)),
        "paper": Attachment("review-paper-2021.docx", b"PK\x03\x04" + bytes(4000), DOCX),
        "objectives": OBJECTIVES,
    }
    return ReviewEmail(**{**args, **kw})
