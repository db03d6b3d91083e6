"""The limits, defaults and thresholds the docs state are the ones the code applies.

Each row names a document, a pattern that captures one number the document states, and the
constant (or field default or bound) in the code it describes. A row whose pattern no longer
matches fails too: rewording a limit in the docs means updating its row here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

REPO = Path(__file__).parent.parent
WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}


def _default(model: type[BaseModel], name: str) -> Any:
    field = model.model_fields[name]
    return field.get_default(call_default_factory=True)


def _bound(model: type[BaseModel], name: str, kind: str) -> Any:
    """The ge/le bound of a field, wherever pydantic keeps it (on the field or its type)."""
    field = model.model_fields[name]
    metadata = list(field.metadata)
    for arg in getattr(field.annotation, "__args__", ()) or ():
        metadata += getattr(arg, "__metadata__", ())
        metadata += getattr(getattr(arg, "__args__", (None,))[0], "__metadata__", ())
    metadata += getattr(field.annotation, "__metadata__", ())
    for item in metadata:
        for meta in getattr(item, "metadata", [item]):
            if getattr(meta, kind, None) is not None:
                return getattr(meta, kind)
    raise AssertionError(f"{model.__name__}.{name} has no {kind} bound")


def _values() -> dict[str, Any]:
    from tracker.data import fields, importer, readers
    from tracker.db import engine
    from tracker.kpi import values
    from tracker.mail.build import SMTP_LINE_LIMIT
    from tracker.mail.config import MailSettings
    from tracker.plan import cycle, loader, pack, publications, rag_settings, schema
    from tracker.plan.loader import load_plan
    from tracker.returns.layout import BY_KEY
    from tracker.schedule import dispatch
    from tracker.usertext import NOTE_MAX

    plan = load_plan(REPO / "objectives.yaml").plan
    training = plan.dataset("training")
    assert training is not None
    attendees = next(f for f in training.fields if f.name == "attendees")
    now = datetime(2020, 6, 1, 9, tzinfo=UTC)
    retries = [dispatch.retry_at(n, now, "Europe/London") for n in range(1, 5)]
    return {
        "note": NOTE_MAX,
        "text cell": fields.MAX_TEXT,
        "import problems": importer.MAX_PROBLEMS,
        "earliest years": fields.EARLIEST_YEARS,
        "workbook MB": readers.MAX_UNCOMPRESSED // (1024 * 1024),
        "narrative": BY_KEY["narrative"].limit,
        "next steps": BY_KEY["next_steps"].limit,
        "risks": BY_KEY["risks"].limit,
        "mail timeout": MailSettings().timeout,
        "smtp line": SMTP_LINE_LIMIT,
        "busy seconds": engine.SQLITE_BUSY_TIMEOUT_MS // 1000,
        "requests": cycle.DEFAULT_REQUESTS,
        "deadline": cycle.DEFAULT_DEADLINE,
        "chaser": cycle.DEFAULT_CHASERS[0],
        "pack": cycle.DEFAULT_PACK,
        "review": cycle.DEFAULT_REVIEW,
        "deadline hour": cycle.DEFAULT_DEADLINE_TIME.hour,
        "cycle days min": _bound(cycle.CycleSettings, "requests", "ge"),
        "cycle days max": _bound(cycle.CycleSettings, "requests", "le"),
        "retry minutes": [round((r - now) / timedelta(minutes=1)) if r else None for r in retries],
        "attempts": dispatch.MAX_ATTEMPTS,
        "plan MB": loader.MAX_PLAN_BYTES // 1_000_000,
        "plan values": loader.MAX_NODES,
        "fy start": _default(schema.PlanSettings, "financial_year_start_month"),
        "threshold": _default(schema.PlanSettings, "suppression_threshold"),
        "lowest threshold": publications.LOWEST_UNACKNOWLEDGED_THRESHOLD,
        "amber behind": rag_settings.DEFAULT_AMBER_BEHIND,
        "red behind": rag_settings.DEFAULT_RED_BEHIND,
        "share": rag_settings.DEFAULT_SHARE,
        "cutoff days": _default(pack.PackSettings, "cutoff_days"),
        "cutoff days min": _bound(pack.PackSettings, "cutoff_days", "ge"),
        "cutoff days max": _bound(pack.PackSettings, "cutoff_days", "le"),
        "tolerance": _default(schema.Kpi, "tolerance"),
        "target factor": values.TARGET_FACTOR,
        "ceiling": values.CEILING,
        "attendees min": attendees.min,
    }


# (document, pattern capturing the number(s), the value in the code)
STATED: list[tuple[str, str, str]] = [
    ("docs/kpis.md", r"note is at most ([\d,]+) characters", "note"),
    ("docs/json.md", r"note \(at most ([\d,]+) characters", "note"),
    ("docs/json.md", r"the note is longer than ([\d,]+)\s+characters", "note"),
    ("docs/data.md", r"\*\*Text\*\*: surrounding spaces are removed; at most ([\d,]+)",
     "text cell"),
    ("docs/data.md", r"stops after (\d+) problems", "import problems"),
    ("docs/data.md", r"more than \*\*(\d+) years before the strategy starts", "earliest years"),
    ("docs/data.md", r"(\w+) years leaves room", "earliest years"),
    ("docs/data.md", r"unpack to more than (\d+) MB", "workbook MB"),
    ("docs/data.md", r"`attendees` \| yes \| the number of people trained, at least (\d+)",
     "attendees min"),
    ("docs/returns.md", r"\*\*Narrative\*\*: [^(]*\(up to ([\d,]+)", "narrative"),
    ("docs/returns.md", r"\*\*Next steps\*\*: [^(]*\(up to ([\d,]+)", "next steps"),
    ("docs/returns.md", r"\*\*Risks[^(]*\(up to ([\d,]+)", "risks"),
    ("docs/email.md", r"\| `timeout` \| (\d+) \|", "mail timeout"),
    ("docs/email.md", r"timeout = (\d+) ", "mail timeout"),
    ("docs/email.md", r"No line over (\d+) characters", "smtp line"),
    ("docs/officer-guide.md", r"waits up to (\d+) seconds", "busy seconds"),
    ("docs/scheduler.md", r"\| return request \| (\d+) working days before", "requests"),
    ("docs/scheduler.md", r"\| return deadline \| (\d+) working days before", "deadline"),
    ("docs/scheduler.md", r"\| return deadline \| \d+ working days before, (\d+):00",
     "deadline hour"),
    ("docs/scheduler.md", r"\| chaser \| (\d+) working days before", "chaser"),
    ("docs/scheduler.md", r"\| pack \| (\d+) working days before", "pack"),
    ("docs/scheduler.md", r"\| review \| (\d+) working days before the review", "review"),
    ("docs/scheduler.md", r"after (\w+)\s+attempts it waits", "attempts"),
    ("docs/plan.md", r"\| `requests` \| `(\d+)` \|", "requests"),
    ("docs/plan.md", r"\| `deadline` \| `(\d+)` \|", "deadline"),
    ("docs/plan.md", r"\| `chasers` \| `\[(\d+)\]` \|", "chaser"),
    ("docs/plan.md", r"\| `pack` \| `(\d+)` \|", "pack"),
    ("docs/plan.md", r"\| `review` \| `(\d+)` \|", "review"),
    ("docs/plan.md", r"\| `deadline_time` \| `\"(\d+):00\"` \|", "deadline hour"),
    ("docs/plan.md", r"whole number of working days from (\d+) to \d+", "cycle days min"),
    ("docs/plan.md", r"whole number of working days from \d+ to (\d+)", "cycle days max"),
    ("docs/plan.md", r"of at most (\d+) MB", "plan MB"),
    ("docs/plan.md", r"beyond ([\d,]+) values", "plan values"),
    ("docs/plan.md", r"\| `financial_year_start_month` \| default `(\d+)`", "fy start"),
    ("docs/plan.md", r"\| `suppression_threshold` \| default `(\d+)`", "threshold"),
    ("docs/plan.md", r"below (\d+) needs `publications: low_threshold_acknowledged`",
     "lowest threshold"),
    ("docs/plan.md", r"`suppression_threshold` below (\d+) is acceptable", "lowest threshold"),
    ("docs/plan.md", r"\| `amber_behind` \| `(\d+)` \|", "amber behind"),
    ("docs/plan.md", r"\| `red_behind` \| `(\d+)` \|", "red behind"),
    ("docs/plan.md", r"\| `objectives.red_share`, `amber_share` \| `(\d+)`, `\d+`", "share"),
    ("docs/plan.md", r"\| `objectives.red_share`, `amber_share` \| `\d+`, `(\d+)`", "share"),
    ("docs/plan.md", r"\| `cutoff_days` \| `(\d+)` \|", "cutoff days"),
    ("docs/plan.md", r"`cutoff: days_before` \((\d+) to \d+\)", "cutoff days min"),
    ("docs/plan.md", r"`cutoff: days_before` \(\d+ to (\d+)\)", "cutoff days max"),
    ("docs/rag.md", r"amber_behind: (\d+) ", "amber behind"),
    ("docs/rag.md", r"red_behind: (\d+) ", "red behind"),
    ("docs/rag.md", r"amber_share: (\d+) ", "share"),
    ("docs/disclosure.md", r"`plan.suppression_threshold` \(default (\d+)\)", "threshold"),
    ("docs/disclosure.md", r"A threshold below (\d+) is refused", "lowest threshold"),
    ("docs/disclosure.md", r"than the suppression threshold, (\d+) by default", "threshold"),
    ("docs/disclosure.md", r"than the threshold \((\d+) by default\)", "threshold"),
    ("docs/packs.md", r"`cutoff_days: (\d+)`", "cutoff days"),
    ("docs/kpis.md", r"tolerance: (\d+) .*\(default \d+\)", "tolerance"),
    ("docs/kpis.md", r"tolerance: \d+ .*\(default (\d+)\)", "tolerance"),
    ("docs/kpis.md", r"at most \*\*([\d,]+) times the KPI's target\*\*", "target factor"),
    ("docs/kpis.md", r"or at most\s+\*\*([\d,]+)\*\* when the KPI has no target", "ceiling"),
    ("README.md", r"by default (\d+), \d+, \d+ and \d+ working days before", "requests"),
    ("README.md", r"by default \d+, (\d+), \d+ and \d+ working days before", "deadline"),
    ("README.md", r"by default \d+, \d+, (\d+) and \d+ working days before", "chaser"),
    ("README.md", r"by default \d+, \d+, \d+ and (\d+) working days before", "pack"),
]  # fmt: skip


def _number(text: str) -> float:
    text = text.replace(",", "").lower()
    return float(WORDS[text]) if text in WORDS else float(text)


@pytest.fixture(scope="module")
def code_values() -> dict[str, Any]:
    return _values()


@pytest.mark.parametrize(("doc", "pattern", "name"), STATED, ids=[f"{d}:{n}" for d, _, n in STATED])
def test_a_limit_the_docs_state_is_the_codes(doc: str, pattern: str, name: str, code_values):
    text = (REPO / doc).read_text(encoding="utf-8")
    found = re.findall(pattern, text)
    assert found, f"{doc} no longer states {name} as /{pattern}/: update this test's row"
    expected = code_values[name]
    for stated in found:
        assert _number(stated) == expected, (
            f"{doc} says {stated} for {name}; the code has {expected}"
        )


def test_the_retry_intervals_the_scheduler_docs_state(code_values) -> None:
    text = (REPO / "docs/scheduler.md").read_text(encoding="utf-8")
    match = re.search(
        r"tried again after (\d+) minutes, (\d+) hour, (\d+) hours and (\d+) hours", text
    )
    assert match, "docs/scheduler.md no longer lists the retry intervals"
    stated = [int(match[1]), int(match[2]) * 60, int(match[3]) * 60, int(match[4]) * 60]
    assert stated == code_values["retry minutes"]


def test_every_note_limit_in_the_docs_is_the_same() -> None:
    """Wherever a document speaks of a note's length, it gives the one limit."""
    from tracker.usertext import NOTE_MAX

    seen = 0
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for stated in re.findall(r"note[^.;|]{0,40}?(?:at most|longer than|up to) ([\d,]+)", text):
            assert _number(stated) == NOTE_MAX, f"{path.name}: a note limit of {stated}"
            seen += 1
    assert seen >= 3  # kpis.md and json.md (twice) state it


def _words() -> dict[str, Any]:
    from tests.test_layers import MAX_LINES
    from tracker.plan import cycle, pack, publications, rag_settings, schema

    def text(value: Any) -> str:
        return value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)

    table = publications.TableDeclaration
    return {
        "timezone": _default(schema.PlanSettings, "timezone"),
        "region": _default(schema.PlanSettings, "working_days_region"),
        "time": text(cycle.DEFAULT_TIME),
        "marking": _default(pack.PackSettings, "marking"),
        "cutoff": _default(pack.PackSettings, "cutoff"),
        "rule": _default(rag_settings.ObjectiveRollUp, "rule"),
        "include": ", ".join(_default(rag_settings.ObjectiveRollUp, "include")),
        "hierarchy": str(_default(table, "hierarchy")).lower(),
        "columns": _default(table, "columns"),
        "window": _default(table, "window"),
        "published kpis": _default(publications.Publications, "kpis"),
        "file lines": str(MAX_LINES),
    }


# Defaults that are words (or a time), stated in the docs: (document, pattern, the default)
STATED_WORDS: list[tuple[str, str, str]] = [
    ("docs/plan.md", r"\| `timezone` \| default `([^`]+)`", "timezone"),
    ("docs/plan.md", r"\| `working_days_region` \| default `([^`]+)`", "region"),
    ("docs/plan.md", r"\| `time` \| `\"([^\"]+)\"` \|", "time"),
    ("docs/plan.md", r"\| `marking` \| `([^`]+)` \|", "marking"),
    ("docs/packs.md", r"`pack.marking`, default ([A-Z-]+)\)", "marking"),
    ("docs/plan.md", r"\| `cutoff` \| `([^`]+)` \|", "cutoff"),
    ("docs/plan.md", r"\| `objectives.rule` \| `([^`]+)` \|", "rule"),
    ("docs/rag.md", r"`(\w+)` \(the default\)", "rule"),
    ("docs/plan.md", r"\| `objectives.include` \| `\[([^\]]+)\]` \|", "include"),
    ("docs/plan.md", r"\| `tables\[\].hierarchy` \| default `(\w+)`", "hierarchy"),
    ("docs/plan.md", r"\| `tables\[\].columns` \| [^|]*`(\w+)` \(default\)", "columns"),
    ("docs/plan.md", r"\| `tables\[\].window` \| `(\w+)` \(default", "window"),
    ("docs/disclosure.md", r"`window: (\w+)` \(the default\)", "window"),
    ("docs/plan.md", r"\| `kpis` \| `(\w+)` \(default\)", "published kpis"),
    ("docs/design.md", r"No source file over (\d+) lines", "file lines"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("doc", "pattern", "name"), STATED_WORDS, ids=[f"{d}:{n}" for d, _, n in STATED_WORDS]
)
def test_a_default_the_docs_state_is_the_codes(doc: str, pattern: str, name: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    found = re.findall(pattern, text)
    assert found, f"{doc} no longer states {name} as /{pattern}/: update this test's row"
    expected = _words()[name]
    assert set(found) == {expected}, f"{doc} says {found} for {name}; the code has {expected!r}"
