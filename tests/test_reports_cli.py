"""``tracker pack``, ``tracker pack list`` and ``tracker review`` from the command line."""

from __future__ import annotations

import json


def test_pack_writes_records_and_lists(sqlite_cli) -> None:
    result = sqlite_cli("pack", "--meeting", "SG-2019-12")
    assert result.exit_code == 0, result.output
    path = sqlite_cli.workspace / "outputs" / "packs" / "pack-SG-2019-12-as-of-2019-11-30.xlsx"
    lines = result.output.splitlines()
    assert lines[0] == f"Pack for SG-2019-12 as of 2019-11-30: {path}"
    assert lines[1].startswith("SHA-256 ") and lines[1].endswith("(record 1)")
    assert lines[3].endswith(" exceptions; no earlier pack recorded")
    assert path.exists()
    again = sqlite_cli("pack", "--meeting", "sg-2019-12", "--format", "json")
    assert again.exit_code == 0, again.output
    document = json.loads(again.output)
    assert document["sha256"] == lines[1].split()[1]
    # the same file again: no second record, and the command says so
    assert document["record"] == 1 and document["meeting"] == "SG-2019-12"
    assert document["new_record"] is False
    text = sqlite_cli("pack", "--meeting", "SG-2019-12")
    said = " ".join(text.output.split())
    assert "(the same file as record 1: nothing in it changed, no new record)" in said
    listed = sqlite_cli("pack", "list", "--format", "json")
    assert [(r["id"], r["replaces"]) for r in json.loads(listed.output)] == [(1, None)]
    table = sqlite_cli("pack", "list")
    assert "SG-2019-12" in table.output and document["sha256"][:12] in table.output


def test_pack_mistakes_are_one_line(sqlite_cli) -> None:
    result = sqlite_cli("pack", "--meeting", "SG-2099")
    assert result.exit_code == 1
    assert result.output.startswith("error: no meeting 'SG-2099' in the plan: use one of")
    assert len(result.output.splitlines()) == 1
    bad = sqlite_cli("pack", "--as-of", "31/02/2020")
    assert bad.exit_code == 1 and bad.output.startswith("error: --as-of '31/02/2020'")
    # a day the strategy cannot speak for is refused before anything is written or recorded
    early = sqlite_cli("pack", "--as-of", "2019-01-01")
    assert early.exit_code == 1
    assert early.output == (
        "error: --as-of 2019-01-01 is before the strategy starts (2019-10-01): "
        "give a date from 2019-10-01 on\n"
    )
    ahead = sqlite_cli("pack", "--as-of", "2099-01-01")
    assert ahead.exit_code == 1 and len(ahead.output.splitlines()) == 1
    assert ahead.output.startswith("error: --as-of 2099-01-01 is after today")
    late = sqlite_cli("pack", "--meeting", "SG-2020-06", "--as-of", "2020-08-01")
    assert late.exit_code == 1 and len(late.output.splitlines()) == 1
    assert "cannot be as of 2020-08-01, after its meeting" in late.output
    review = sqlite_cli("review", "--as-of", "2018-12-31")
    assert review.exit_code == 1 and "before the strategy starts" in review.output
    assert sqlite_cli("pack", "list").output.startswith("No pack has been compiled yet")
    assert not (sqlite_cli.workspace / "outputs").exists() or not any(
        (sqlite_cli.workspace / "outputs").iterdir()
    )


def test_review_writes_workbook_and_paper(sqlite_cli, tmp_path) -> None:
    out = tmp_path / "review"
    result = sqlite_cli("review", "--as-of", "2020-06-30", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["path"] == str(out / "review-as-of-2020-06-30.xlsx")
    assert document["paper"] == str(out / "review-paper-as-of-2020-06-30.docx")
    assert sorted(p.name for p in out.iterdir()) == [
        "review-as-of-2020-06-30.xlsx",
        "review-paper-as-of-2020-06-30.docx",
    ]
