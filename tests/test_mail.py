"""Emails built from templates: valid MIME with both parts, escaped, folded, injection-proof."""

from __future__ import annotations

import os
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests import mailsamples as s
from tracker.mail.build import (
    as_bytes,
    build_chaser,
    build_pack_email,
    build_return_request,
    build_review_email,
)
from tracker.mail.errors import MailError, TemplateError
from tracker.mail.messages import Contact, MeetingRef, Sender
from tracker.mail.render import autoescape


def _all(templates: Path | None = None) -> dict[str, EmailMessage]:
    kw = {"sender": s.SENDER, "date": s.NOW, "templates": templates}
    return {
        "return_request": build_return_request(s.return_request(), **kw),
        "chaser": build_chaser(s.chaser(), **kw),
        "pack": build_pack_email(s.pack_email(), **kw),
        "review": build_review_email(s.review_email(), **kw),
    }


def _parse(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(as_bytes(msg), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(msg: EmailMessage) -> tuple[str, str, list[tuple[str, bytes]]]:
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    files = [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()]
    return plain.get_content(), html.get_content(), files


EXPECTED_FILES = {
    "return_request": [s.WORKBOOK.filename],
    "chaser": [s.WORKBOOK.filename],
    "pack": [s.PACK.filename],
    "review": ["review-2021.xlsx", "review-paper-2021.docx"],
}


@pytest.mark.parametrize("kind", list(EXPECTED_FILES))
def test_every_email_parses_back_with_both_parts_and_its_attachments(kind) -> None:
    msg = _parse(_all()[kind])
    assert msg.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in msg.walk()][:4] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    plain, html, files = _parts(msg)
    assert [name for name, _ in files] == EXPECTED_FILES[kind]
    assert all(data.startswith(b"PK\x03\x04") and len(data) > 3000 for _, data in files)
    assert msg["X-Tracker-Kind"] == kind and msg["X-Tracker-Meeting"]
    assert msg["Date"] == "Fri, 12 Jun 2020 09:00:00 +0000"
    assert msg["Subject"].startswith("[OFFICIAL-SENSITIVE] ")  # no space left by folding
    assert re.fullmatch(r"<[a-z0-9-]+\.[\w-]+\.[0-9a-f]{20}@example\.org>", msg["Message-ID"])
    assert "OFFICIAL-SENSITIVE" in plain and "OFFICIAL-SENSITIVE" in html
    assert "<html" in html and "</html>" in html


def test_user_text_is_escaped_in_html_and_plain_in_text() -> None:
    for kind, msg in _all().items():
        plain, html, _ = _parts(_parse(msg))
        assert "<script" not in html.lower(), kind
        assert "<img" not in html.lower(), kind
        assert "onerror=alert" not in html.replace("&", " ") or "&lt;img" in html
        if kind in ("return_request", "chaser"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert '"&gt;&lt;img src=x onerror=alert(1)&gt;' in html
            assert s.SCRIPT in plain  # the plain part is not HTML: text as typed


def test_autoescape_is_decided_by_the_whole_template_name() -> None:
    assert autoescape("email/pack.html.j2")
    assert autoescape("x.htm")
    assert not autoescape("email/pack.txt.j2")
    assert not autoescape("email/pack.subject.j2")


def test_the_pack_html_shows_the_rag_summary_as_coloured_cells_with_words() -> None:
    _, html, _ = _parts(_parse(_all()["pack"]))
    for word, colour in (("Red", "#C00000"), ("Amber", "#FFC000"), ("Green", "#00704A")):
        cell = re.search(rf'<td[^>]*bgcolor="{colour}"[^>]*>{word}</td>', html)
        assert cell, word
        assert f"background-color: {colour}" in cell.group(0)
    assert "SO1" in html and "Safeguarding in education" in html
    assert "1 red, 1 amber, 1 complete" in html
    assert "Referrals from education" in html and "[c]" in html  # figures as published
    assert "Extra sessions booked for September" in html


def test_html_is_built_for_outlook_inline_styles_tables_no_scripts_or_remote_images() -> None:
    for kind, msg in _all().items():
        _, html, _ = _parts(_parse(msg))
        assert "<style" not in html, kind  # inlined by css-inline
        assert 'style="' in html
        tables = re.findall(r"<table\b[^>]*>", html)
        assert tables and all('role="presentation"' in t for t in tables), kind
        assert not re.search(r"<(script|link|iframe)\b", html), kind
        assert not re.search(r"<[^>]*\bsrc\s*=", html), kind


def test_the_plain_part_reads_alone() -> None:
    plain, _, _ = _parts(_parse(_all()["pack"]))
    assert "RAG SUMMARY" in plain and "EXCEPTIONS (1)" in plain and "KPI HEADLINES" in plain
    assert re.search(r"SO1\s+RED\s+Safeguarding in education", plain)
    assert "1 red, 1 amber, 1 complete" in plain
    assert "[c]" in plain and "312" in plain and "target 300" in plain
    # direction of travel as better or worse, never "up", which for days-to-decision is worse
    assert "better than the period before" in " ".join(plain.split())
    assert not re.search(r"</?(td|p|table|br|strong)\b|&lt;|&gt;", plain)  # no markup
    assert max(len(line) for line in plain.splitlines()) <= 78
    request, _, _ = _parts(_parse(_all()["return_request"]))
    assert "Friday 26 June 2020" in request and "SO1.1" in request and "rated RED" in request


def test_no_line_is_longer_than_998_with_40_recipients_and_a_very_long_narrative() -> None:
    recipients = tuple(
        f"steering-group-member-{i:02}@partner-organisation.example.org" for i in range(40)
    )
    msg = build_pack_email(s.pack_email(recipients), sender=s.SENDER, date=s.NOW)
    raw = as_bytes(msg)
    assert max(len(line) for line in raw.splitlines()) <= 998
    assert max(len(line) for line in raw.splitlines()) <= 80  # folded, and bodies encoded
    parsed = _parse(msg)
    assert len(parsed["To"].addresses) == 40
    plain, html, _ = _parts(parsed)
    narrative = " ".join(s.SUMMARY.exceptions[0].narrative.split())
    assert narrative in " ".join(plain.split())  # the whole narrative, wrapped
    assert "rescheduled and rescheduled" in html


def test_message_ids_are_deterministic_per_kind_meeting_and_recipient() -> None:
    one, two = _all(), _all()
    for kind in one:
        assert one[kind]["Message-ID"] == two[kind]["Message-ID"]
    assert len({m["Message-ID"] for m in one.values()}) == 4
    other = build_return_request(
        s.return_request(owner=Contact("Chair of Channel", "channel-chair@example.org")),
        sender=s.SENDER,
        date=s.NOW,
    )
    later = build_return_request(
        s.return_request(
            meeting=MeetingRef("sg-2020-10", "Prevent Steering Group", s.MEETING.date)
        ),
        sender=s.SENDER,
        date=s.NOW,
    )
    assert len({one["return_request"]["Message-ID"], other["Message-ID"], later["Message-ID"]}) == 3
    second = build_chaser(s.chaser(round=2), sender=s.SENDER, date=s.NOW)
    assert second["Message-ID"] != one["chaser"]["Message-ID"]


@pytest.mark.parametrize(
    "bad",
    [
        {
            "meeting": MeetingRef(
                "sg-2020-07", "Steering Group\r\nBcc: everyone@example.org", s.MEETING.date
            )
        },
        {"meeting": MeetingRef("sg\n2020", "Steering Group", s.MEETING.date)},
        {"owner": Contact("Officer", "education-officer@example.org\nBcc: x@example.org")},
        {"owner": Contact("Officer", "not-an-address")},
        {"owner": Contact("Officer", "officer@@example.org")},
    ],
    ids=["subject-crlf", "meeting-id-lf", "address-lf", "not-an-address", "double-at"],
)
def test_header_injection_and_invalid_addresses_are_refused(bad) -> None:
    with pytest.raises(MailError) as caught:
        build_return_request(s.return_request(**bad), sender=s.SENDER, date=s.NOW)
    text = str(caught.value)
    assert "\n" not in text and "\r" not in text
    assert "line break" in text or "not a valid email address" in text


def test_a_bad_sender_and_a_naive_date_are_refused() -> None:
    with pytest.raises(MailError, match="sender address"):
        build_pack_email(s.pack_email(), sender=Sender(address="officer"), date=s.NOW)
    with pytest.raises(MailError, match="line break"):
        build_pack_email(
            s.pack_email(), sender=Sender(address="o@example.org", name="A\nB"), date=s.NOW
        )
    with pytest.raises(MailError, match="no timezone"):
        build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW.replace(tzinfo=None))


def test_a_workspace_template_overrides_the_default(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "pack.subject.j2").write_text("Papers for {{ meeting.title }}\n")
    (tmp_path / "email" / "pack.html.j2").write_text(
        '{% extends "email/_layout.html.j2" %}{% block content %}'
        "<p>Hello {{ summary.objectives[1].title }}</p>{% endblock %}"
    )
    msg = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    assert msg["Subject"] == "[OFFICIAL-SENSITIVE] Papers for Prevent Steering Group"
    _, html, _ = _parts(_parse(msg))
    assert "Hello Community engagement &lt;script&gt;" in html  # overrides are escaped too
    plain, _, _ = _parts(_parse(msg))
    assert "RAG SUMMARY" in plain  # the plain part was not overridden


def test_an_override_added_or_changed_later_is_used_by_the_next_email(tmp_path: Path) -> None:
    """Templates are compiled once and reused, but never past a change to the overrides (an
    officer editing one while the scheduler runs)."""
    first = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    assert "Papers for" not in first["Subject"]
    (tmp_path / "email").mkdir()
    subject = tmp_path / "email" / "pack.subject.j2"
    subject.write_text("Papers for {{ meeting.title }}\n")
    added = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    assert added["Subject"] == "[OFFICIAL-SENSITIVE] Papers for Prevent Steering Group"
    subject.write_text("Reading for {{ meeting.title }}\n")
    os.utime(subject, ns=(subject.stat().st_atime_ns, subject.stat().st_mtime_ns + 10**9))
    changed = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    assert changed["Subject"] == "[OFFICIAL-SENSITIVE] Reading for Prevent Steering Group"
    subject.unlink()
    removed = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    assert removed["Subject"] == first["Subject"]


def test_an_override_in_a_linked_folder_or_saved_within_a_second_is_seen(
    tmp_path: Path,
) -> None:
    """Templates shared through a symlinked folder, and an edit that leaves the time as it
    was (a coarse file system, a tool restoring times): the next email still uses them."""
    shared = tmp_path / "shared"
    shared.mkdir()
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "email").symlink_to(shared, target_is_directory=True)
    first = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=overrides)
    subject = shared / "pack.subject.j2"
    subject.write_text("Papers for {{ meeting.title }}\n")
    added = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=overrides)
    assert added["Subject"] != first["Subject"]
    assert added["Subject"].endswith("Papers for Prevent Steering Group")
    times = (subject.stat().st_atime_ns, subject.stat().st_mtime_ns)
    subject.write_text("Reading for {{ meeting.title }}\n")
    os.utime(subject, ns=times)  # the same time as before the edit
    edited = build_pack_email(s.pack_email(), sender=s.SENDER, date=s.NOW, templates=overrides)
    assert edited["Subject"].endswith("Reading for Prevent Steering Group")


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("<p>\n{% if %}\n</p>", 2, "Expected an expression"),
        ("<p>\n\n{{ nonesuch.title }}</p>", 3, "nonesuch"),
    ],
    ids=["syntax", "undefined"],
)
def test_a_broken_override_is_one_line_naming_the_template_and_line(
    tmp_path: Path, text, line, what
) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "chaser.html.j2").write_text(text)
    with pytest.raises(TemplateError) as caught:
        build_chaser(s.chaser(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert f"chaser.html.j2:{line}" in message and what in message
    assert str(tmp_path) in message


@pytest.mark.parametrize(
    "html",
    [
        "<p>hi</p><script>alert(1)</script>",
        '<p><img src="https://tracker.example.org/pixel.gif"></p>',
        '<p onclick="alert(1)">hi</p>',
        '<link rel="stylesheet" href="https://example.org/a.css"><p>hi</p>',
        '<p><a href="javascript:alert(1)">x</a></p>',
    ],
    ids=["script", "remote-image", "handler", "stylesheet", "js-link"],
)
def test_an_override_may_not_add_scripts_or_remote_content(tmp_path: Path, html) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "review.html.j2").write_text(html)
    with pytest.raises(TemplateError, match=r"review\.html\.j2 produces"):
        build_review_email(s.review_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)


def test_remote_stylesheets_are_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "review.html.j2").write_text(
        '<html><head><style>@import url("http://127.0.0.1:9/x.css"); p { color: red }</style>'
        "</head><body><p>hi</p></body></html>"
    )
    msg = build_review_email(s.review_email(), sender=s.SENDER, date=s.NOW, templates=tmp_path)
    _, html, _ = _parts(_parse(msg))
    assert '<p style="color: red;">hi</p>' in html


def test_people_s_text_that_mentions_code_does_not_trip_the_html_check() -> None:
    summary = s.SUMMARY.__class__(
        as_of=s.SUMMARY.as_of,
        objectives=s.OBJECTIVES,
        kpis=(),
        exceptions=(
            s.SUMMARY.exceptions[0].__class__(
                "SO1.1", "Online=yes, javascript: src=http://x", "red", "onload=1 <iframe>"
            ),
        ),
    )
    msg = build_pack_email(s.pack_email(summary=summary), sender=s.SENDER, date=s.NOW)
    _, html, _ = _parts(_parse(msg))
    assert "Online=yes, javascript: src=http://x" in html and "&lt;iframe&gt;" in html


def test_an_alert_to_the_administrators_is_built_from_templates_too() -> None:
    from tracker.mail.build import build_alert_email
    from tracker.mail.messages import AlertEmail

    alert = AlertEmail(
        recipients=("plan.administrator@example.org", "prevent.coordinator@example.org"),
        title="2 scheduled dispatches need attention",
        intro="The scheduler could not do the following:",
        items=(f"#3 pack for SG-2020-06: FAILED {s.SCRIPT}", "#4 chaser: MISSED"),
        advice=("'tracker schedule retry ID' tries again.",),
        fingerprint="3:failed:2,4:missed:0",
    )
    msg = _parse(build_alert_email(alert, sender=s.SENDER, date=s.NOW))
    plain, html, files = _parts(msg)
    assert files == [] and msg["X-Tracker-Kind"] == "alert"
    assert "#4 chaser: MISSED" in plain and "What to do:" in plain
    assert "&lt;script&gt;" in html and "Attention" in html
    again = build_alert_email(alert, sender=s.SENDER, date=s.NOW)
    assert again["Message-ID"] == msg["Message-ID"]
    other = build_alert_email(
        AlertEmail(alert.recipients, alert.title, alert.intro, alert.items[:1], fingerprint="3:x"),
        sender=s.SENDER,
        date=s.NOW,
    )
    assert other["Message-ID"] != msg["Message-ID"]


@pytest.mark.parametrize("more", ["", "é"])
def test_a_subject_too_long_for_its_line_parses_back_as_written(more: str) -> None:
    """Python folds such a subject whole onto the next line; it then parses back as ' Rem...'."""
    from email.message import EmailMessage

    from tracker.mail.build import POLICY, as_bytes

    subject = f"Reminder: your update for the Prevent Steering Group{more} was due 28 May 2020"
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject
    msg.set_content("x")
    raw = as_bytes(msg)
    assert raw.startswith(b"Subject: Reminder: your update")
    assert max(len(line) for line in raw.splitlines()) <= 78
    assert _parse(msg)["Subject"] == subject
