"""The words of ``tracker rag explain`` and ``tracker rag overrides``: plain lines of text.

The services (``tracker.explain``, ``tracker.overrides``) return values; these
turn them into the lines the terminal shows (``render_lines`` wraps them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.explain import plain
from tracker.rag.actions import ActionRating, day_text, label

if TYPE_CHECKING:
    from tracker.explain import Explanation
    from tracker.overrides import OverrideRecord, OverridesReport


def explanation_lines(e: Explanation) -> list[str]:
    """The explanation as plain lines of text, as the terminal shows it."""
    kinds = {"action": "action", "kpi": "KPI", "objective": "objective"}
    lines = [
        f"{e.id} ({kinds[e.kind]}): {e.title}",
        f"As of {day_text(e.as_of)}: {e.sentence}",
        f"Rule: {e.rating.rule}",
    ]
    r = e.rating
    if isinstance(r, ActionRating):
        if r.computed is not None and r.rule in ("override", "owner_view"):
            c = r.computed
            lines.append(f"Computed by the rules: {label(c.rating)} ({c.rule}): {c.reason}")
        lines.append(f"Owner's own rating: {r.self_rag or 'none given'}")
        if r.override is not None:
            o = r.override
            lines.append(
                f"Override: {o.rating} by {o.by}, from {day_text(o.starts)} until "
                f"{day_text(o.until)}: {o.reason}"
            )
        lines.extend(f"Flag: {f.reason}" for f in r.flags)
    lines.append("Inputs:")
    for key, value in plain(dict(e.rating.inputs)).items():
        lines.append(f"  {key}: {_text(value)}")
    if e.previous is None:
        lines.append("Previous pack: none before this date")
    else:
        p = e.previous
        moved = "unchanged" if p.rating.rating == e.rating.rating else "changed since then"
        lines.append(
            f"At the previous pack ({p.meeting}, as of {day_text(p.as_of)}, {p.source}): "
            f"{label(p.rating.rating)}: {p.rating.reason} [{moved}]"
        )
    return lines


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value) or "none"
    return str(value)


def overrides_lines(report: OverridesReport) -> list[str]:
    """The overrides as plain lines of text: those in force, then those lapsed."""

    def line(o: OverrideRecord) -> str:
        return (
            f"  {o.action_id} {o.rag.upper()} from {day_text(o.starts)} until "
            f"{day_text(o.until)} by {o.by}: {o.reason}"
        )

    lines = [f"Overrides as of {day_text(report.as_of)}"]
    lines.append(f"In force ({len(report.in_force)}):")
    lines += [line(o) for o in report.in_force] or ["  none"]
    lines.append(f"Lapsed ({len(report.lapsed)}):")
    lines += [line(o) for o in report.lapsed] or ["  none"]
    return lines
