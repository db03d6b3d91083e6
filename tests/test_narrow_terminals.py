"""Narrow terminals: every table the CLI prints keeps every word, whole, within the width.

The real CLI runs on the demo workspace with COLUMNS at 40, 60 and 80. Each
check takes the words a command's JSON (or the database) says must be shown,
and looks for each one, whole, among the words of the printed output: a
cropped reason ("no update sinc") or a word folded across lines ("assessm" /
"ents") is missing from them. No line may be wider than the terminal.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

WIDTHS = (40, 60, 80, 100)
AS_OF = "2020-12-31"


@pytest.fixture(scope="module")
def demo_ws(demo_build: Path) -> Path:
    """The session's demo workspace: these tests only read it."""
    return demo_build


def run(folder: Path, width: int | None, *args: str) -> str:
    from cli import app

    env = {"NO_COLOR": "1", "TRACKER_USER": "", "TRACKER_WORKSPACE": "", "TRACKER_DATABASE_URL": ""}
    env["COLUMNS"] = str(width or 200)
    result = CliRunner().invoke(app, [*args, "-w", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(folder: Path, *args: str) -> Any:
    return json.loads(run(folder, None, *args, "--format", "json"))


def assert_fits(out: str, width: int) -> None:
    wide = [line for line in out.splitlines() if cell_len(line) > width]
    assert not wide, f"{len(wide)} lines wider than {width} columns, e.g. {wide[0]!r}"


PUNCTUATION = "()[]{};:,.'\"…"


def words(text: str) -> list[str]:
    """The words of ``text``, without the punctuation around them ("(worst" is "worst")."""
    return [w.strip(PUNCTUATION) or w for w in text.split()]


def assert_words(out: str, *texts: str) -> None:
    """Every word of ``texts`` is a whole word of ``out`` (lines joined), as often as in them.

    Counting matters: "assessments" folded in one cell ("assessm" / "ents") may still
    be whole in another, so each text's words must all be there, each time it is shown.
    """
    shown = Counter(words(out))
    wanted = Counter(w for text in texts for w in words(text))
    missing = {w: n - shown[w] for w, n in wanted.items() if shown[w] < n}
    assert not missing, f"words not shown whole (how many times short): {missing}"


def fitted(ws: Path, width: int, *args: str) -> tuple[str, Any]:
    """The command's output at ``width``, checked to fit it, and the same command's JSON."""
    out = run(ws, width, *args)
    assert_fits(out, width)
    return out, as_json(ws, *args)


@pytest.mark.parametrize("width", WIDTHS)
def test_status_keeps_every_reason_and_note(demo_ws: Path, width: int) -> None:
    from tracker.render.status import NOTE_LIMIT
    from tracker.wording import shorten as shorten_at_word

    out, doc = fitted(demo_ws, width, "status", "--as-of", AS_OF)
    shown: list[str] = []
    for obj in doc["objectives"]:
        shown += [obj["short_title"], obj["rag_reason"]]
        for a in obj["actions"]:
            shown += [a["id"], a["title"], a["owner_role"], a["rag_reason"]]
            shown += [flag["reason"] for flag in a["flags"]]
            if a["last_update"]:
                shown.append(shorten_at_word(a["last_update"]["note"] or "", NOTE_LIMIT))
    assert_words(out, *shown)
    if any(
        len(a["last_update"]["note"] or "") > NOTE_LIMIT
        for obj in doc["objectives"]
        for a in obj["actions"]
        if a["last_update"]
    ):
        assert "'tracker history ACTION_ID' shows them in full" in " ".join(out.split())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("action", ["SO3.2", "SO1.3"])
def test_history_keeps_every_note(demo_ws: Path, width: int, action: str) -> None:
    out, doc = fitted(demo_ws, width, "history", action)
    assert doc["updates"]
    shown = [text for u in doc["updates"] for text in (u["on"], u["note"] or "", u["source"])]
    if width >= 60:  # an address is one token: at 40 columns it is folded
        shown += [u["by"] for u in doc["updates"]]
    assert_words(out, *shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_kpi_show_breaks_no_word(demo_ws: Path, width: int) -> None:
    from tracker.figures import fmt_value

    out, doc = fitted(demo_ws, width, "kpi", "show", "--as-of", AS_OF)
    shown = ["Why each KPI has its rating:"]
    for k in doc["kpis"]:
        shown += [k["id"], k["name"], k["rag_reason"], k["period"] or "", k["rag"].upper()]
        if isinstance(k["value"], int | float):  # the value and its unit: "2 assessments"
            shown.append(fmt_value(k["value"], k["unit"]))
    assert_words(out, *shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_kpi_history_keeps_every_reason(demo_ws: Path, width: int) -> None:
    out, doc = fitted(demo_ws, width, "kpi", "history", "KPI3.1", "--as-of", AS_OF)
    periods = doc["periods"]
    assert periods
    assert_words(out, *(text for p in periods for text in (p["period"], p["rag_reason"])))


@pytest.mark.parametrize("width", WIDTHS)
def test_data_summary_keeps_labels_and_notes(demo_ws: Path, width: int) -> None:
    args = ("data", "summary", "referrals", "--by", "sector_group", "--period", "quarter")
    out, doc = fitted(demo_ws, width, *args)
    labels = [str(row[f]) for row in doc["rows"] for f in doc["by"] if row[f] is not None]
    assert_words(out, *labels, "Percentages are of the rows where sector (group) is known")


@pytest.mark.parametrize("width", WIDTHS)
def test_declared_table_keeps_labels_and_notes(demo_ws: Path, width: int) -> None:
    args = ("data", "summary", "--table", "referrals-by-sector-group")
    out, doc = fitted(demo_ws, width, *args)
    assert_words(out, doc["title"], *doc["notes"], *(row["label"] for row in doc["rows"]))
    assert_words(out, *doc["columns"])


@pytest.mark.parametrize("width", WIDTHS)
def test_pack_list_fits(demo_ws: Path, width: int) -> None:
    out, doc = fitted(demo_ws, width, "pack", "list")
    records = doc["packs"] if isinstance(doc, dict) else doc
    assert records
    shown = [text for r in records for text in (r["as_of"], r["sha256"][:12], r["kind"])]
    if width >= 60:  # a file name is one token: at 40 columns it is folded
        shown += [r["file"] for r in records]
    assert_words(out, *shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_rag_overrides_wrap_at_words(demo_ws: Path, width: int) -> None:
    out, doc = fitted(demo_ws, width, "rag", "overrides", "--as-of", AS_OF)
    assert doc["in_force"]
    assert_words(out, *(text for o in doc["in_force"] for text in (o["action"], o["reason"])))


@pytest.mark.parametrize("width", WIDTHS)
def test_rag_explain_wraps_at_words(demo_ws: Path, width: int) -> None:
    out, doc = fitted(demo_ws, width, "rag", "explain", "SO3.1", "--as-of", AS_OF)
    assert_words(out, doc["title"], doc["sentence"])


@pytest.mark.parametrize("width", WIDTHS)
def test_schedule_show_keeps_every_dispatch(demo_ws: Path, width: int) -> None:
    args = ("schedule", "show", "--meeting", "SG-2019-12")
    out, doc = fitted(demo_ws, width, *args)
    assert doc["dispatches"]
    shown = []
    for d in doc["dispatches"]:
        shown += [d["meeting"], d["state"]]
        if width >= 60:  # an address is one token: at 40 columns it may be folded
            shown += d["recipients"]
        if d.get("note") and d["state"] in ("skipped", "missed"):
            shown.append(d["note"])
    assert any(d["state"] == "skipped" for d in doc["dispatches"])
    assert_words(out, *shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_outbox_lists_fit(demo_ws: Path, width: int) -> None:
    out, doc = fitted(demo_ws, width, "outbox", "list")
    assert_words(out, *(text for m in doc["messages"] for text in (m["subject"], m["kind"])))
    sent = run(demo_ws, width, "outbox", "sent")
    assert_fits(sent, width)


def test_fit_table_keeps_longest_words_whole() -> None:
    """Rich alone narrows the widest column below its longest word; fit_table does not."""
    from rich.console import Console
    from rich.table import Table

    from tracker.render.layout import fit_table

    table = Table()
    table.add_column("Name")
    table.add_column("Reason")
    table.add_row("Community tension assessments", "short")
    table.add_row("x", "a reason with words " * 3)
    console = Console(width=40, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    assert fit_table(console, table)
    console.print(table)
    out = console.export_text()
    assert_fits(out, 40)
    assert_words(out, "Community tension assessments")
    too_narrow = Console(width=18, file=console.file)
    assert not fit_table(too_narrow, Table("Name", "Reason", "Third"))  # headings alone


@pytest.mark.parametrize("width", WIDTHS)
def test_returns_status_fits(demo_ws: Path, width: int) -> None:
    args = ("returns", "status", "--as-of", AS_OF)
    out, doc = fitted(demo_ws, width, *args)
    assert doc["owners"]
    shown = [o["state"].upper() for o in doc["owners"]]
    if width >= 60:  # addresses and return ids are single tokens: at 40 one may be folded
        shown += [text for o in doc["owners"] for text in (o["owner"], o["return"])]
    assert_words(out, doc["meeting"]["title"], *shown)


def test_demo_output_fits_60_columns(tmp_path: Path) -> None:
    from cli import app

    env = {"NO_COLOR": "1", "COLUMNS": "60", "TRACKER_USER": "", "TRACKER_WORKSPACE": ""}
    env["TRACKER_DATABASE_URL"] = ""
    env["TRACKER_SOFFICE"] = ""  # the output's width is the point, not LibreOffice's re-save
    result = CliRunner().invoke(app, ["demo", str(tmp_path / "demo")], env=env)
    assert result.exit_code == 0, result.output
    assert_fits(result.stdout, 60)
    assert_words(result.stdout, "tracker update SO3.1", '"Two more workshops booked"')
    # a command to try continues as a shell would, its quoted note never split
    assert any(line.rstrip().endswith(" \\") for line in result.stdout.splitlines())
    assert '"Two more workshops booked"' in result.stdout


@pytest.mark.parametrize("width", WIDTHS)
def test_a_folded_command_pastes_as_the_same_command(width: int) -> None:
    import shlex

    from tracker.render.layout import command_lines

    command = (
        "tracker update SO3.1 -w /home/officer/demo-workspace --status in_progress "
        '--progress 80 --note "Two more workshops booked" --by prevent.coordinator@example.org'
    )
    lines = command_lines(command, width, indent=2)
    assert all(len(line) <= width for line in lines)
    assert all(line.endswith(" \\") for line in lines[:-1])
    # a shell drops each backslash-newline pair, then splits the words
    pasted = shlex.split("\n".join(lines).replace("\\\n", ""))
    assert pasted == shlex.split(command)
