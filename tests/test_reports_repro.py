"""Two demos built in two folders give the same packs and review, byte for byte.

The pack holds nothing of where it was built or when it was compiled: fixed
document properties and zip entry times, no folder path, no random id. The one
input that is a real time is the import log: the Notes sheet says when each data
file was last imported, so the same data imported on another day gives a pack
that says so (and another SHA-256). The test holds the import clock at one moment
for both builds, so a run that crosses midnight cannot tell them apart.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest


def _records(folder: Path) -> list[tuple[str, str | None, str, str]]:
    from tracker.reporting import list_packs
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    with open_workspace(Settings(workspace=folder)) as ws:
        return [(r.kind, r.meeting_id, r.file_name, r.sha256) for r in list_packs(ws.engine)]


def test_two_demo_builds_in_two_folders_give_the_same_packs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.db import models, stamps
    from tracker.demo import DEMO_AS_OF, run_demo

    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(models, "utcnow", lambda: moment)
    monkeypatch.setattr(stamps, "utcnow", lambda: moment)  # what an import is stamped with
    monkeypatch.setenv("TRACKER_SOFFICE", "")  # the packs are the point, not LibreOffice's re-save
    folders = [tmp_path / "first demo", tmp_path / "another" / "demo"]
    for folder in folders:
        run_demo(folder, today=DEMO_AS_OF)
    first, second = (_records(f) for f in folders)
    assert first == second
    assert {kind for kind, *_ in first} == {"pack", "review"}
    for _kind, _, name, _ in first:
        files: list[Any] = sorted(folders[0].joinpath("outputs").rglob(name))
        assert files, name
        with zipfile.ZipFile(files[0]) as book:
            text = b"".join(book.read(n) for n in book.namelist())
        for folder in folders:
            assert str(folder).encode() not in text  # no path of where it was built
