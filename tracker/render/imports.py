"""An import's result in words, for the terminal (``tracker data import``).

The importer returns an ``ImportResult`` (counts, a sample of changes); this is
how a person reads it. ``--format json`` prints the result's own JSON instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.data.importer import ImportResult


def _value(value: Any) -> str:
    return "(empty)" if value is None else f"'{value}'"


def import_lines(result: ImportResult) -> list[str]:
    """The result for a person: counts, and for a dry run a sample of what would change."""
    lines: list[str] = []
    source = result.file + (f" (sheet '{result.sheet}')" if result.sheet else "")
    rows = f"{result.rows} row{'s' if result.rows != 1 else ''}"
    if result.dry_run:
        lines.append(
            f"Dry run: {source} into {result.dataset}: {rows} "
            f"{'checked' if result.rows_checked else 'checked before'}, no problems; "
            f"{result.added} would be added, {result.updated} updated, "
            f"{result.unchanged} unchanged. Nothing was written."
        )
    elif result.no_changes:
        lines.append(
            f"{source} into {result.dataset}: {rows}, all already stored as they are: "
            "no changes (nothing was written)"
        )
    else:
        lines.append(
            f"Imported {source} into {result.dataset}: {rows}, {result.added} added, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
    if not result.rows_checked:
        lines.append(
            "  this file was imported before, as it is, under the same rules: "
            "its rows were not checked one by one again"
        )
    if result.ignored_columns:
        lines.append(f"  ignored columns (not stored): {', '.join(result.ignored_columns)}")
    if result.not_in_file:
        lines.append(
            f"  {result.not_in_file} record{'s' if result.not_in_file != 1 else ''} already "
            f"held in {result.dataset} {'are' if result.not_in_file != 1 else 'is'} not in "
            "this file and left as they are"
        )
    if result.dry_run and result.changes:
        for change in result.changes:
            if change.change == "added":
                lines.append(f"  add     {change.shown_key()}")
            else:
                parts = "; ".join(
                    f"{name} {_value(old)} -> {_value(new)}"
                    for name, (old, new) in change.fields.items()
                )
                lines.append(f"  update  {change.shown_key()}: {parts}")
        more = result.added + result.updated - len(result.changes)
        if more > 0:
            lines.append(f"  ... and {more} more")
    return lines
