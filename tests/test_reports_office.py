"""The demo pack, review workbook and review paper, opened by a real office suite.

LibreOffice converts each file to PDF (``soffice`` exits 0 even when it fails, so
the test looks for the PDF), and pdftotext reads back what a reader would see.
Slow (a few seconds per conversion), so everything is built and converted once per module.
Locally these tests are skipped without LibreOffice; under CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest


def _tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if soffice and pdftotext:
        return soffice, pdftotext
    if os.environ.get("CI"):
        pytest.fail("LibreOffice or poppler-utils missing in CI: .ci/run should install them")
    pytest.skip("LibreOffice (soffice) and pdftotext are not installed")


def _convert(soffice: str, files: list[Path], outdir: Path, tmp: Path) -> None:
    profile = tmp / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        check=False,
        capture_output=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory: pytest.TempPathFactory, demo_build: Path) -> dict[str, str]:
    """The text of each demo output's PDF, keyed pack / review / paper."""
    soffice, pdftotext = _tools()
    from tracker.demo import DEMO_AS_OF
    from tracker.reporting import list_packs
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    tmp = tmp_path_factory.mktemp("office")
    # the demo writes the packs for the last and the next meeting, and the review
    folder = shutil.copytree(demo_build, tmp / "demo")
    with open_workspace(Settings(workspace=folder)) as ws:
        records = list_packs(ws.engine)
    outputs = folder / "outputs"
    # The last meeting's pack is recorded twice, and honestly so: the demo's reports step
    # compiles it (the "previous pack" the next one is compared with), then the replayed
    # cycle loads that meeting's returns, dated before its cut-off, and compiles it again:
    # other inputs, another file, so a second record that the list shows replacing the
    # first. (A recompilation of unchanged inputs adds no record.)
    assert [(r.kind, r.meeting_id, r.replaces) for r in records] == [
        ("pack", "SG-2020-12", None),
        ("pack", "SG-2021-03", None),
        ("review", None, None),
        ("pack", "SG-2020-12", records[0].id),
    ]
    assert records[3].sha256 != records[0].sha256
    assert records[3].inputs_digest != records[0].inputs_digest
    sources = {
        "pack": outputs / "packs" / records[1].file_name,
        "review": outputs / "review" / records[2].file_name,
        "paper": outputs / "review" / f"review-paper-as-of-{DEMO_AS_OF.isoformat()}.docx",
    }
    pdfs = tmp / "pdf"  # never the input folder: soffice refuses that silently
    pdfs.mkdir()
    _convert(soffice, list(sources.values()), pdfs, tmp)
    text: dict[str, str] = {}
    for key, source in sources.items():
        pdf = pdfs / f"{source.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, f"LibreOffice did not convert {source}"
        done = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        )
        text[key] = done.stdout
    return text


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_pack_prints_its_sheets_ratings_and_reasons(pdf_text: dict[str, Any]) -> None:
    text = pdf_text["pack"]
    flat = _squash(text)
    for heading in (
        "Objectives",
        "Headline KPIs",
        "Changed since the previous pack",
        "Latest narrative",
        "Mitigation",
        "Suppression",
        "published tables",
    ):
        assert heading in text, heading
    for word in ("Red", "Amber", "Green", "Complete"):
        assert word in text
    # a reason, "due 30 Sep 2020, not complete, 92 days overdue": PDF columns interleave words
    assert all(word in flat for word in ("overdue", "complete,", "Sep 2020"))
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in text
    assert "Steering Group pack 9 March 2021" in text  # the footer's title
    assert "Compared with the pack as of 30 November 2020." in text
    assert "###" not in text


def test_review_workbook_prints(pdf_text: dict[str, Any]) -> None:
    text = pdf_text["review"]
    for heading in ("Delivered", "Not delivered", "Carry", "Risk if not carried"):
        assert heading in text, heading
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text


def test_review_paper_prints_as_a_committee_report(pdf_text: dict[str, Any]) -> None:
    text = pdf_text["paper"]
    order = [
        text.index(h)
        for h in (
            "1. Purpose",
            "2. Recommendations",
            "3. Background",
            "4. SO1",
            "Implications",
            "Appendices",
        )
    ]
    assert order == sorted(order)
    assert "Rating: Red" in text or "Rating: Amber" in text
    assert "Page 1 of" in text and "OFFICIAL-SENSITIVE" in text
