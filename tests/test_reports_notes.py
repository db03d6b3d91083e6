"""The owner's next steps and risks, given in a return, reach the pack's own columns.

A return stores one note per update: the narrative, then the labelled sections
(``tracker.returns.layout.compose_note``). The pack splits it back with the same
labels (``split_note``): the Actions sheet shows narrative, next steps and risks
apart, and the Exceptions sheet's mitigation is the owner's, not a placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.returns_support import ADMIN, NOW, ON, Opened, build_workspace, fill, return_file
from tracker.returns.layout import NOTE_LABELS, compose_note, split_note


@pytest.mark.parametrize(
    ("narrative", "sections"),
    [
        ("Two of three districts trained.", {"next_steps": "Final session", "risks": "Venue"}),
        ("Line one\nline two", {"risks": "Staff turnover\nand a second line"}),
        (None, {"next_steps": "Book the venue"}),
        ("Only a narrative: with a colon", {}),
    ],
)
def test_a_note_splits_back_into_what_composed_it(
    narrative: str | None, sections: dict[str, str]
) -> None:
    note = compose_note(narrative, sections)
    assert split_note(note) == (narrative, sections)


def test_a_note_without_sections_is_all_narrative() -> None:
    assert split_note(None) == (None, {})
    assert split_note("Next steps are in hand") == ("Next steps are in hand", {})
    typed = "Done.\nnext steps: call partners"  # typed by hand on the command line
    assert split_note(typed) == ("Done.", {"next_steps": "call partners"})
    assert set(NOTE_LABELS) == {"next_steps", "risks"}


def _rows(sheet: Any) -> list[dict[str, Any]]:
    rows = list(sheet.iter_rows(values_only=True))
    heads = rows[0]
    return [dict(zip(heads, r, strict=False)) for r in rows[1:]]


def test_a_loaded_returns_next_steps_and_risks_are_in_the_pack(tmp_path: Path) -> None:
    import openpyxl

    from tracker.reporting import compile_pack
    from tracker.returns.load import load_returns
    from tracker.returns.manifest import read_key
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    ws = tmp_path / "ws"
    build_workspace(ws)
    path = return_file(ws, "prevent-coordinator")
    fill(
        path,
        {
            "SO2.3": {
                "status": "In progress",
                "progress": 40,
                "rag": "Red",  # the owner's view is worse: it counts, so SO2.3 is an exception
                "narrative": "Two of three districts trained.",
                "next_steps": "- Final session booked for 9 February",
                "risks": "Venue availability",
            }
        },
    )
    with open_workspace(Settings(workspace=ws)) as w:
        plan = w.plan()
        opened = Opened(path=ws, engine=w.engine, plan=plan, key=read_key(ws))
        [loaded] = load_returns(opened.engine, plan, opened.key, [path], by=ADMIN, on=ON, now=NOW)
        assert loaded.state == "loaded", [str(p) for p in loaded.problems]
        result = compile_pack(w.engine, plan, out_dir=ws / "packs", as_of=ON, today=ON)
    book = openpyxl.load_workbook(result.path)
    actions = {r["Action"]: r for r in _rows(book["Actions"])}
    so23 = actions["SO2.3"]
    assert so23["Latest narrative"] == "Two of three districts trained."
    assert so23["Next steps"] == "- Final session booked for 9 February"
    assert so23["Risks and issues"] == "Venue availability"
    cell = next(c for c in book["Actions"][1] if c.value == "Next steps")
    typed = book["Actions"].cell(row=list(actions).index("SO2.3") + 2, column=cell.column)
    assert typed.data_type == "s"  # text that looks like a formula stays text
    exceptions = {r["Item"]: r for r in _rows(book["Exceptions"])}
    assert exceptions["SO2.3"]["Narrative"] == "Two of three districts trained."
    assert exceptions["SO2.3"]["Mitigation"] == (
        "- Final session booked for 9 February\nRisks and issues: Venue availability"
    )
    placeholder = "To be given by the owner at the meeting"
    others = [e for e in exceptions.values() if e["Type"] == "action" and e["Item"] != "SO2.3"]
    silent = [e for e in others if e["Narrative"] == "No update given"]
    assert all(e["Mitigation"] == placeholder for e in silent)
