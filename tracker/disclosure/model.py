"""What a distributed output may show: the published tables and KPI figures of one release.

These are the types the pack, the review and the emails are built from. They
hold only what a reader may see: a count, or ``None`` for a suppressed count,
which every output shows as ``MARKER`` (``[c]``, "confidential", as UK
official statistics write it) whatever the reason it is hidden. A period with
no data at all is shown as ``NO_DATA`` (``[x]``, "not available"), never as a
row of zeros. Nothing here touches the database: ``tracker.release.publish``
computes a ``Publication`` and records it in the release ledger.

Interface (stable; docs/disclosure.md describes it for builders):

* ``Publication.tables``: one ``PublishedTable`` per declared table, in the
  order the plan declares them. ``PublishedTable.rows`` run in the declared
  order of the row field's values (groups before their members when the
  table shows a hierarchy), then the "Total" row; ``PublishedRow.cells`` has
  one entry per ``column_labels`` (``None`` = suppressed) and ``total`` is the
  row's total over the window (``total_label``).
* ``Publication.kpi_cells``: every released figure of every declared KPI,
  one ``PublishedKpi`` per (KPI, period); ``value`` ``None`` means hidden:
  show ``MARKER``, give no rating, arrow or projection for it.
* ``Publication.notes``: sentences every distributed output prints with the
  figures (how suppression works and the threshold in force).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

MARKER = "[c]"
"""How every suppressed figure is shown, primary or secondary alike."""
NO_DATA = "[x]"
"""How a period with no data at all is shown (not a row of zeros)."""

Channel = Literal["pack", "email", "review", "export"]
CHANNELS: tuple[Channel, ...] = ("pack", "email", "review", "export")


def shown(value: int | float | None) -> str:
    """A released figure as text: the number, or the marker when it is suppressed."""
    if value is None:
        return MARKER
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@dataclass(frozen=True)
class PublishedRow:
    """One row of a published table. ``None`` is a suppressed count."""

    label: str
    cells: tuple[int | None, ...]
    total: int | None
    kind: Literal["value", "group", "member", "total"] = "value"
    """``group`` rows are roll-ups whose ``member`` rows follow them; ``total`` is the last row."""

    def shown_cells(self, missing: tuple[bool, ...] = ()) -> tuple[str, ...]:
        """Each cell as text; a column with no data (``missing``) shows ``NO_DATA``."""
        out = []
        for i, value in enumerate(self.cells):
            out.append(NO_DATA if i < len(missing) and missing[i] else shown(value))
        return tuple(out)


@dataclass(frozen=True)
class PublishedTable:
    """A declared table as it may be distributed."""

    key: str
    dataset: str
    title: str
    row_label: str
    column_labels: tuple[str, ...]
    rows: tuple[PublishedRow, ...]
    notes: tuple[str, ...]
    total_label: str = "Total"
    missing: tuple[bool, ...] = ()
    """Per column: True when the data set has no rows at all in that period (``NO_DATA``)."""

    def row(self, label: str) -> PublishedRow:
        return next(r for r in self.rows if r.label == label)

    @property
    def hidden(self) -> int:
        """How many figures of the table are suppressed."""
        return sum((c is None) for r in self.rows for c in (*r.cells, r.total))


@dataclass(frozen=True)
class PublishedKpi:
    """One released KPI figure: ``value`` None when it is hidden (show ``MARKER``, no rating)."""

    kpi_id: str
    period: str
    value: float | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        return shown(self.value)


@dataclass(frozen=True)
class Publication:
    """Everything one release may show, and the ledger entry it was recorded as."""

    as_of: date
    channel: Channel
    reference: str
    tables: tuple[PublishedTable, ...]
    kpi_cells: tuple[PublishedKpi, ...]
    notes: tuple[str, ...]
    threshold: int
    release_id: int | None
    """The ledger's id of this release; None when it was computed without recording."""

    def table(self, key: str) -> PublishedTable:
        return next(t for t in self.tables if t.key == key)

    def kpi(self, kpi_id: str, period: str) -> PublishedKpi | None:
        """The released figure of a KPI for a period, or None if it was not released."""
        return next((k for k in self.kpi_cells if k.kpi_id == kpi_id and k.period == period), None)

    def kpi_hidden(self, kpi_id: str, period: str) -> bool:
        cell = self.kpi(kpi_id, period)
        return cell is not None and cell.hidden


def suppression_notes(threshold: int) -> tuple[str, ...]:
    """The notes every distributed output carries: how suppression works, never why a cell is."""
    return (
        f"Figures shown as {MARKER} are confidential: counts from 1 to {threshold - 1} "
        f"(the suppression threshold is {threshold}) are not published, and further figures "
        "are withheld so that no hidden count can be worked out from this or any earlier "
        "release.",
        f"{NO_DATA}: no data for that period.",
    )


# --- stored form (the ledger keeps each release's publication, to show it again) -------


def publication_to_json(pub: Publication) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(pub)
    data["as_of"] = pub.as_of.isoformat()
    return data


def publication_from_json(data: Mapping[str, Any], *, release_id: int | None) -> Publication:
    tables = tuple(
        PublishedTable(
            key=t["key"],
            dataset=t["dataset"],
            title=t["title"],
            row_label=t["row_label"],
            column_labels=tuple(t["column_labels"]),
            rows=tuple(
                PublishedRow(r["label"], tuple(r["cells"]), r["total"], r["kind"])
                for r in t["rows"]
            ),
            notes=tuple(t["notes"]),
            total_label=t["total_label"],
            missing=tuple(t["missing"]),
        )
        for t in data["tables"]
    )
    return Publication(
        as_of=date.fromisoformat(data["as_of"]),
        channel=data["channel"],
        reference=data["reference"],
        tables=tables,
        kpi_cells=tuple(
            PublishedKpi(k["kpi_id"], k["period"], k["value"]) for k in data["kpi_cells"]
        ),
        notes=tuple(data["notes"]),
        threshold=data["threshold"],
        release_id=release_id,
    )
