"""The demo's returns: issued to every owner, a few filled in as owners would, and loaded.

Part of ``tracker demo`` (see tracker/demo.py). Returns are issued for the
first meeting after the demo date, as at midday that day. Three owners fill
theirs in (openpyxl typing into the white cells, as Excel would); where
LibreOffice is installed, one of them is re-saved by it before loading, to
show that such a file loads the same. Everything typed is synthetic and says so.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.returns import layout as L

FILLED_OWNERS = 3
_NARRATIVES = [
    "Sessions delivered as planned this quarter; feedback from partners positive.",
    "Work continuing online; two partner meetings held since the last update.",
    "Draft shared with partners for comment; responses due before the meeting.",
]
_NEXT = ["Agree the next round of dates with partners.", "Report progress to the next meeting."]
_RISKS = ["Partner capacity stretched by the COVID-19 response.", ""]


def _fill(path: Path, issued: Any, rng: random.Random) -> None:
    """Type an update into every row of the workbook, as the owner would in Excel."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    ws = book[L.RETURN_SHEET]
    for n, action in enumerate(issued.actions):
        row = L.FIRST_ROW + n
        progress = min(95, (action.last_progress or 0) + rng.choice([5, 10, 15]))
        values = {
            "status": "In progress",
            "progress": progress,
            "rag": rng.choice(["Green", "Green", "Amber"]),
            "narrative": rng.choice(_NARRATIVES) + " (synthetic)",
            "next_steps": rng.choice(_NEXT),
            "risks": rng.choice(_RISKS) or None,
        }
        for key, value in values.items():
            ws[f"{L.BY_KEY[key].letter}{row}"] = value
    book.save(path)


def demo_returns(
    engine: Any, plan: Any, workspace: Path, *, as_of: Any, by: str, seed: int
) -> dict[str, Any]:
    """Issue, fill, (re-save) and load; returns what the demo reports and what later steps use."""
    from tracker.returns.issue import find_meeting, issue_returns
    from tracker.returns.load import load_returns
    from tracker.returns.manifest import read_key
    from tracker.returns.resave import find_soffice, resave, soffice_misnamed

    key = read_key(workspace)
    now = datetime.combine(as_of, time(12, 0), tzinfo=UTC)
    meeting = find_meeting(plan, None, as_of)
    folder = workspace / "outputs" / "returns" / meeting.id
    written = issue_returns(
        engine, plan, key=key, now=now, meeting_id=meeting.id, issued_by=by, folder=folder
    )
    rng = random.Random(seed)
    filled_dir = folder / "filled-in"
    filled_dir.mkdir(exist_ok=True)
    to_load = []
    for item in written[:FILLED_OWNERS]:
        assert item.path is not None
        target = filled_dir / item.filename
        target.write_bytes(item.content)
        _fill(target, item, rng)
        to_load.append(target)
    resaved = None
    if to_load and find_soffice() is not None:
        try:
            resaved = resave([to_load[0]], folder / "re-saved-by-libreoffice")[0]
            to_load[0] = resaved
        except TrackerError:  # LibreOffice installed but not working: load the file as typed
            resaved = None
    outcomes = load_returns(engine, plan, key, to_load, by=by, on=as_of, now=now)
    return {
        "meeting": meeting,
        "issued": written,
        "folder": folder,
        "loaded": outcomes,
        "resaved": resaved,
        "soffice": soffice_misnamed(),
    }


def summary(result: dict[str, Any]) -> str:
    loaded = result["loaded"]
    recorded = sum(o.recorded for o in loaded)
    resaved = " (1 re-saved by LibreOffice)" if result["resaved"] else ""
    if result.get("soffice"):
        resaved = f" (LibreOffice skipped: {result['soffice']})"
    bad = [o.file for o in loaded if o.state != "loaded"]
    not_loaded = f"; not loaded: {', '.join(bad)}" if bad else ""
    return (
        f"{len(result['issued'])} for {result['meeting'].id}; {len(loaded)} filled in{resaved}, "
        f"{recorded} updates{not_loaded}"
    )
