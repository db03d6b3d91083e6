"""Checking rows many at a time: the same rules as ``RowBuilder``, column by column.

A file of 100,000 rows holds a few hundred distinct categories, dates and
numbers, so each column is converted through a cache of the values already
seen (a dictionary look-up per cell, in C) and only new spellings are parsed.
The rows are then assembled with their derived fields. The results -- values,
problems and their order -- are exactly those of ``RowBuilder.build`` row by
row (a test compares the two), only faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any

from tracker.data.fields import CellError, RowBuilder, RowErrors

_MISSING = object()
CACHE_LIMIT = 50_000  # distinct values remembered per column


class ChunkBuilder:
    """Builds the stored values of many rows whose cells are those of fields ``names``."""

    def __init__(self, builder: RowBuilder, names: Sequence[str]) -> None:
        self.names = list(names)
        present = set(names)
        self._absent = [
            (c.name, c.required_message)
            for c in builder._compiled.values()
            if c.name not in present and c.required_message
        ]
        types = {f.name: f.type for f in builder.fields}
        self._columns = [
            (
                n,
                builder._compiled[n].parse,
                builder._compiled[n].required_message,
                types[n] != "text",  # text (a reference) is unique per row: no cache
            )
            for n in names
        ]
        self._template = builder._template
        self._bands = builder._bands
        self._dates = [
            (n, f"{n}_day", f"{n}_month", f"{n}_quarter", f"{n}_year") for n in builder._date_fields
        ]
        self._groups = [(n, f"{n}_group", g) for n, g in builder._groups.items()]
        self._order = builder._order
        self._period_parts = builder._period_parts
        self._periods = builder._periods
        self._caches: list[dict[Any, Any]] = [{} for _ in names]
        self._bands_seen: dict[tuple[str, Any], str | None] = {}

    def _band_of(self, name: str, value: Any, limits: list[tuple[str, Any]]) -> str | None:
        """The band label of ``value`` (remembered: a data set holds few distinct ages)."""
        key = (name, value)
        try:
            return self._bands_seen[key]
        except KeyError:
            band = next((label for label, top in limits if top is None or value <= top), None)
            self._bands_seen[key] = band
            return band

    def _column(self, index: int, cells: Sequence[Any]) -> tuple[list[Any], bool]:
        """The converted cells of one column (a value, None or a CellError), and if any failed."""
        _, parse, required, cached = self._columns[index]
        cache = self._caches[index]
        failed = False
        if cached:
            # Every cell looked up at C speed; only the ones not seen yet are converted.
            # Only text is cached (1, 1.0 and True are equal keys but not equal cells), so
            # a number or date cell from a workbook is always a miss.
            out = list(map(cache.get, cells, repeat(_MISSING, len(cells))))
            if _MISSING not in out:
                return out, False
            todo: Any = (i for i, v in enumerate(out) if v is _MISSING)
        else:
            out = [None] * len(cells)
            todo = range(len(cells))
        for i in todo:
            raw = cells[i]
            if raw is None or (raw.__class__ is str and not raw.strip()):
                if required:
                    out[i] = CellError(required)
                    failed = True
                    continue
                value: Any = None
            else:
                try:
                    value = parse(raw)
                except CellError as exc:
                    out[i] = exc
                    failed = True
                    continue
            if cached and raw.__class__ is str and len(cache) < CACHE_LIMIT:
                cache[raw] = value
            out[i] = value
        return out, failed

    def build(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any] | RowErrors]:
        """For each row (its cells of ``names``, in order): its values, or its RowErrors."""
        if not rows:
            return []
        columns: list[list[Any]] = []
        failed = False
        for index, cells in enumerate(zip(*rows, strict=True)):
            converted, bad = self._column(index, cells)
            columns.append(converted)
            failed = failed or bad
        names = self.names
        template = self._template
        bands, dates, groups, order = self._bands, self._dates, self._groups, self._order
        periods, period_parts = self._periods, self._period_parts
        absent = self._absent
        simple = not failed and not bands and not order and not absent
        band_of = self._band_of
        results: list[dict[str, Any] | RowErrors] = []
        append = results.append
        for cells in zip(*columns, strict=True):
            values = template.copy()
            if not failed:
                values.update(zip(names, cells, strict=True))
            if simple:
                problems: list[tuple[str, str]] = []
            else:
                problems = list(absent)
                if failed:
                    for name, cell in zip(names, cells, strict=True):
                        if cell.__class__ is CellError:
                            problems.append((name, str(cell)))
                        else:
                            values[name] = cell
                for name, band_field, limits in bands:
                    value = values[name]
                    if value is None:
                        continue
                    band = band_of(name, value, limits)
                    if band is None:
                        problems.append((name, f"{name} {value} is in no band of {band_field}"))
                        continue
                    given = values[band_field]
                    if given is None:
                        values[band_field] = band
                    elif given != band:
                        problems.append(
                            (
                                band_field,
                                f"{band_field} '{given}' does not match {name} {value}, which "
                                f"is in '{band}'; correct one of them or leave {band_field} "
                                "empty",
                            )
                        )
                for name, earliest in order:
                    later, earlier = values[name], values[earliest]
                    if later is not None and earlier is not None and later < earlier:
                        problems.append(
                            (
                                name,
                                f"{name} {later} is before {earliest} {earlier}; "
                                "correct whichever date is wrong",
                            )
                        )
                if problems:
                    append(RowErrors(problems, values))
                    continue
            for name, day, month, quarter, year in dates:
                iso = values[name]
                if iso is not None:
                    parts = periods.get(iso) or period_parts(iso)
                    values[day], values[month], values[quarter], values[year] = parts
            for name, group, lookup in groups:
                value = values[name]
                if value is not None:
                    values[group] = lookup[value]
            append(values)
        return results
