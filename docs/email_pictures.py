"""Draw docs/email-*.png: each email's HTML part as a mail client would show it.

Run from the checkout: ``.venv/bin/python docs/email_pictures.py [DEMO_DIR]``.
It builds the four emails from the shipped plan with illustrative ratings and
figures, writes each HTML part to a temporary folder and takes a screenshot
with headless Chromium. Given a demo workspace (``tracker demo DEMO_DIR``), the
pack email and a return request are taken from its outbox instead, exactly as
the demo built them. The pictures are documentation, not tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tracker import shipped  # noqa: E402
from tracker.mail import build  # noqa: E402
from tracker.mail.config import MailSettings  # noqa: E402
from tracker.mail.messages import (  # noqa: E402
    DOCX,
    ActionLine,
    Attachment,
    Chaser,
    ExceptionItem,
    KpiHeadline,
    ObjectiveRow,
    PackEmail,
    PackSummary,
    ReturnRequest,
    ReviewEmail,
)
from tracker.mail.plan import contact, meeting_ref, sender  # noqa: E402
from tracker.plan.loader import load_plan  # noqa: E402

HEIGHTS = {"return-request": 1020, "chaser": 900, "pack": 1620, "review": 830}


def emails() -> dict[str, bytes]:
    plan = load_plan(shipped.example_plan()).plan
    who = sender(plan, MailSettings(sender_name="Prevent Coordinator", marking="OFFICIAL"))
    meeting = next(m for m in plan.meetings if m.id == "SG-2020-06")
    review = next(m for m in plan.meetings if m.kind == "review")
    owner = plan.owners[0]
    mine = [a for a in plan.actions() if a.owner == owner.id][:4]
    lines = tuple(
        ActionLine(a.id, a.title, a.due, rating, status, progress)
        for a, (rating, status, progress) in zip(
            mine,
            [
                ("green", "in progress", 60),
                ("amber", "in progress", 35),
                ("red", "not started", 0),
                ("complete", "complete", 100),
            ],
            strict=False,
        )
    )
    workbook = Attachment(f"return-{owner.id}-{meeting.id}.xlsx", b"PK")
    objectives = tuple(
        ObjectiveRow(o.id, o.short_title, rating, counts)
        for o, rating, counts in zip(
            plan.objectives,
            ["green", "amber", "red", "amber", "green"],
            [
                (("green", 3), ("complete", 1)),
                (("amber", 2), ("green", 2)),
                (("red", 1), ("amber", 1), ("green", 3)),
                (("amber", 1), ("green", 3), ("complete", 1)),
                (("green", 4),),
            ],
            strict=False,
        )
    )
    summary = PackSummary(
        as_of=date(2020, 5, 31),
        objectives=objectives,
        exceptions=(
            ExceptionItem(
                "SO3.2",
                plan.action("SO3.2").title if plan.action("SO3.2") else "Training",  # type: ignore[union-attr]
                "red",
                "Red: due 31 Mar 2020, not complete, 61 days overdue",
                owner="Education Safeguarding lead",
                narrative="Sessions for schools were paused when schools closed in March.",
                mitigation="Online sessions booked from September.",
            ),
        ),
        kpis=(
            KpiHeadline(
                "KPI3.1",
                "Staff trained in Prevent awareness",
                "412",
                "green",
                "400",
                "2020/21 Q1",
                "up",
            ),
            KpiHeadline("KPI4.1", "Referrals to Prevent", "[c]", "contextual", None, "2020/21 Q1"),
        ),
        note="[c]: a figure withheld to protect confidentiality.",
    )
    now = datetime(2020, 5, 12, 9, 0, tzinfo=UTC)
    built = {
        "return-request": build.build_return_request(
            ReturnRequest(contact(owner), meeting_ref(meeting), date(2020, 5, 26), lines, workbook),
            sender=who,
            date=now,
        ),
        "chaser": build.build_chaser(
            Chaser(contact(owner), meeting_ref(meeting), date(2020, 5, 26), lines[:2], workbook),
            sender=who,
            date=now,
        ),
        "pack": build.build_pack_email(
            PackEmail(
                tuple(plan.distribution.steering_group),
                meeting_ref(meeting),
                summary,
                Attachment(f"pack-{meeting.id}.xlsx", b"PK"),
            ),
            sender=who,
            date=now,
        ),
        "review": build.build_review_email(
            ReviewEmail(
                tuple(plan.distribution.chair),
                meeting_ref(review),
                date(2021, 3, 31),
                Attachment("review-2021.xlsx", b"PK"),
                Attachment("review-paper-2021.docx", b"PK", DOCX),
                objectives,
            ),
            sender=who,
            date=now,
        ),
    }
    out = {}
    for name, msg in built.items():
        html = msg.get_body(("html",))
        assert html is not None
        out[name] = html.get_content().encode("utf-8")
    return out


def from_outbox(demo: Path) -> dict[str, bytes]:
    """The HTML of the demo's pack email and of its first return request."""
    from tracker.mail.transport import Outbox

    outbox = Outbox(demo / "outbox")
    found: dict[str, bytes] = {}
    for entry in outbox.entries():
        msg = outbox.read(entry)
        name = {"pack": "pack", "return_request": "return-request"}.get(msg["X-Tracker-Kind"])
        html = msg.get_body(("html",))
        if name and name not in found and html is not None:
            found[name] = html.get_content().encode("utf-8")
    return found


def main() -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    pages = emails()
    if len(sys.argv) > 1:
        pages.update(from_outbox(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        for name, html in pages.items():
            page = Path(tmp) / f"{name}.html"
            page.write_bytes(html)
            target = REPO / "docs" / f"email-{name}.png"
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",  # needed when run as root
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--hide-scrollbars",
                    f"--user-data-dir={tmp}/profile",
                    f"--screenshot={target}",
                    f"--window-size=700,{HEIGHTS[name]}",
                    page.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            print(target.relative_to(REPO))


if __name__ == "__main__":
    main()
