"""Helpers for the returns tests: a workspace with returns issued, and filling one in as an owner.

Building the workspace (synthetic updates, eight workbooks) and re-saving with
LibreOffice are the slow parts, so each is done once per test module and every
test works on its own copy of the folder (SQLite file, key and workbooks).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker.returns import layout as L

OWNER = "prevent.coordinator@example.org"  # an owner who is also a plan administrator
OTHER = "community.safety@example.org"  # an owner who is not
ADMIN = "plan.administrator@example.org"
MEETING = "SG-2021-03"
ON = date(2020, 12, 31)
NOW = datetime(2020, 12, 31, 12, 0, tzinfo=UTC)


def build_workspace(ws: Path, database_url: str | None = None) -> None:
    """A workspace with the demo's synthetic updates and returns issued for MEETING."""
    from tracker.demo import synthetic_updates
    from tracker.progress import record_updates
    from tracker.returns.issue import issue_returns, write_returns
    from tracker.returns.manifest import read_key
    from tracker.settings import Settings
    from tracker.workspace import init_workspace, open_workspace

    settings = Settings(workspace=ws, database_url=database_url)
    init_workspace(settings)
    with open_workspace(settings) as w:
        plan = w.plan()
        record_updates(w.engine, plan, synthetic_updates(plan, as_of=ON), today=ON)
        issued = issue_returns(w.engine, plan, key=read_key(ws), now=NOW, meeting_id=MEETING)
        write_returns(issued, ws / "outputs" / "returns")


def return_file(ws: Path, owner_id: str, version: int = 1) -> Path:
    suffix = f"-v{version}" if version > 1 else ""
    return ws / "outputs" / "returns" / f"return-{MEETING}-{owner_id}{suffix}.xlsx"


def action_rows(path: Path) -> dict[str, int]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    ws = book[L.RETURN_SHEET]
    rows = {}
    for row in range(L.FIRST_ROW, ws.max_row + 1):
        value = ws[f"A{row}"].value
        if value:
            rows[str(value)] = row
    return rows


def fill(path: Path, entries: dict[str, dict[str, Any]], *, out: Path | None = None) -> Path:
    """Type values into the input cells, as an owner would, and save (in place or to ``out``)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    ws = book[L.RETURN_SHEET]
    rows = action_rows(path)
    for action_id, values in entries.items():
        for key, value in values.items():
            ws[f"{L.BY_KEY[key].letter}{rows[action_id]}"] = value
    target = out or path
    book.save(target)
    return target


FILLED = {
    "SO2.3": {
        "status": "In progress",
        "progress": 70,
        "rag": "Amber",
        "narrative": "Two of three districts trained; the third booked for February.",
        "next_steps": "Final session on 9 February",
        "risks": "Venue availability",
    },
    "SO3.1": {"status": "Complete", "narrative": "All modules delivered."},
}


def need_soffice() -> None:
    from tracker.returns.resave import find_soffice

    if find_soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing in CI: .ci/run should install it")
        pytest.skip("LibreOffice (soffice) is not installed")


@dataclass
class Opened:
    """A copy of the issued workspace, open."""

    path: Path
    engine: Any
    plan: Any
    key: bytes

    def history(self, action_id: str) -> list[Any]:
        from tracker.progress import action_history

        return action_history(self.engine, self.plan, action_id)

    def status(self) -> Any:
        from tracker.returns.issue import return_status

        return return_status(self.engine, self.plan, today=ON, meeting_id=MEETING)

    def count_updates(self) -> int:
        from sqlalchemy import func
        from sqlmodel import Session, select

        from tracker.db.models import ProgressUpdate

        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(ProgressUpdate)).one())

    def load(self, *paths: Path, by: str = ADMIN, force: bool = False, confirm: Any = None) -> Any:
        from tracker.returns.load import load_returns

        return load_returns(
            self.engine, self.plan, self.key, list(paths), by=by, on=ON, now=NOW, force=force,
            confirm=confirm,
        )  # fmt: skip


def copy_workspace(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    os.chmod(target / ".tracker-secret", 0o600)
    return target
