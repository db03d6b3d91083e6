"""Checking rows many at a time: the same rules as ``RowBuilder``, column by column.

A file of 100,000 rows holds a few hundred distinct categories, dates and
numbers, so each column is converted through a cache of the values already
seen (a dictionary look-up per cell, in C) and only new spellings are parsed.
The rows are then assembled with their derived fields. The results -- values,
problems and their order -- are exactly those of ``RowBuilder.build`` row by
row (a test compares the two), only faster.

``encode`` is the importer's path for a chunk with no problem in it: it never
builds a dictionary per row. Each column is converted as above, its text
cells screened all at once (``tracker.data.screen``), the cross-field rules
(bands, date order) checked column against column, and each row's stored JSON
put together from the JSON of its values, written once per distinct value and
joined by one format string -- byte for byte what ``orjson.dumps`` gives for
the row's values (a test compares them). If anything in the chunk is wrong it
returns None and the importer builds that chunk with ``build``, which reports
every problem as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

import orjson

from tracker.data import screen
from tracker.data.fields import KEY_SEPARATOR, MAX_TEXT, CellError, RowBuilder, RowErrors
from tracker.plan.schema import DATE_PARTS

_MISSING = object()
_TEXT = {str, type(None)}
_LAST, _FIRST = {None: "~"}, {None: ""}  # an empty date: after, and before, any ISO date
_before: Callable[[Any, Any], bool] = str.__lt__
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
        self._caches: list[dict[type, dict[Any, Any]]] = [{} for _ in names]
        self._bands_seen: dict[tuple[str, Any], str | None] = {}
        self._types = {n: types[n] for n in names}
        self._key_names = list(builder.key_fields)
        self._layout = _layout(builder, set(names))
        self._fragments: dict[tuple[str, str], dict[Any, str]] = {}

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
        failed = False
        kind: Any = None
        if cached:
            distinct = set(cells)
            # Each kind of cell (text, whole number, date from a workbook) has its own cache:
            # 1, 1.0 and True are equal keys, and must not stand for one another. Text never
            # equals a number, so when the distinct values are all text (as every CSV cell
            # is) so are the cells; otherwise each cell's kind is looked at. (The readers
            # give plain str, never a subclass that could hide behind an equal str.)
            kinds = set(map(type, distinct))
            if not kinds <= _TEXT:
                kinds = set(map(type, cells))
            kinds.discard(type(None))
            if len(kinds) == 1:
                kind = kinds.pop()
            elif not kinds:
                kind = type(None)  # every cell empty
        if kind is not None:
            cache = self._caches[index].setdefault(kind, {})
            # Each value not seen yet is converted once, however often the chunk repeats it
            # (a first chunk is nearly all such values); every cell is then looked up at C
            # speed.
            fresh = distinct.difference(cache)
            if not fresh:
                return list(map(cache.__getitem__, cells)), False
            new = _converted(fresh, parse, required)
            if new is not None:
                if len(cache) + len(new) <= CACHE_LIMIT:
                    cache.update(new)
                    return list(map(cache.__getitem__, cells)), False
                return list(map(new.get, cells, map(cache.get, cells))), False
            # Some cell fails: cell by cell, so that each failing cell has its own error.
            out = list(map(cache.get, cells, repeat(_MISSING, len(cells))))
            todo: Any = (i for i, v in enumerate(out) if v is _MISSING)
        else:
            cache = {}
            out = [None] * len(cells)
            todo = range(len(cells))
        for i in todo:
            raw = cells[i]
            out[i] = value = _convert(raw, parse, required)
            if isinstance(value, CellError):
                failed = True
            elif kind is not None and len(cache) < CACHE_LIMIT:
                cache[raw] = value
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

    # --- the path of a chunk without problems ----------------------------------------

    def encode(self, rows: Sequence[Sequence[Any]]) -> tuple[list[str], list[str]] | None:
        """Each row's key and stored values as JSON, or None if any row has a problem."""
        if not rows or self._absent:
            return None
        n = len(rows)
        current: dict[str, list[Any]] = {}
        for index, cells in enumerate(zip(*rows, strict=True)):
            values = self._stored(index, cells)
            if values is None:
                return None
            current[self.names[index]] = values
        for name, band_field, limits in self._bands:
            values = current.get(name)
            if values is None:
                continue
            for value in set(values):
                if value is not None and self._band_of(name, value, limits) is None:
                    return None
            seen = self._bands_seen
            band_of = {v: seen[(name, v)] for v in set(values) if v is not None}
            computed = list(map(band_of.get, values))
            given = current.get(band_field)
            if given is None or given.count(None) == n:
                current[band_field] = computed
                continue
            for g, c in zip(given, computed, strict=True):
                if g is not None and c is not None and g != c:
                    return None
            current[band_field] = [
                g if c is None else c for g, c in zip(given, computed, strict=True)
            ]
        for name, earliest in self._order:
            later, earlier = current.get(name), current.get(earliest)
            if later is None or earlier is None:
                continue
            # ISO dates compare as text; an empty date (None) compares as never earlier.
            if any(map(_before, map(_LAST.get, later, later), map(_FIRST.get, earlier, earlier))):
                return None
        return self._keys(current, n), self._json(current, n)

    def keys(self, rows: Sequence[Sequence[Any]]) -> list[str] | None:
        """Each row's key alone, converted as ``encode`` converts it, or None if a key cell
        does not convert (for a file checked before: see ``tracker.data.fingerprint``)."""
        if not rows:
            return []
        current: dict[str, list[Any]] = {}
        for index, name in enumerate(self.names):
            if name not in self._key_names:
                continue
            values = self._stored(index, [row[index] for row in rows])
            if values is None:
                return None
            current[name] = values
        return self._keys(current, len(rows))

    def _stored(self, index: int, cells: Sequence[Any]) -> list[Any] | None:
        """One column's stored values (text screened all at once, others converted through
        the caches), or None if any cell fails: the chunk is then built row by row."""
        if self._types[self.names[index]] == "text":
            texts = self._texts(cells)
            if texts is not None:
                return texts
        converted, failed = self._column(index, cells)
        return None if failed else converted

    def _texts(self, cells: Sequence[Any]) -> list[str] | None:
        """A text column's stored values when no cell needs a closer look, else None."""
        if set(map(type, cells)) != {str}:
            return None
        texts = list(map(str.strip, cells))
        if "" in texts or not screen.column_clear(texts, MAX_TEXT):
            return None
        return texts

    def _keys(self, current: dict[str, list[Any]], n: int) -> list[str]:
        parts: list[list[str]] = []
        for name in self._key_names:
            values = current.get(name)
            if values is None:
                parts.append([""] * n)
            elif self._types[name] == "integer" or None in values:
                parts.append(["" if v is None else str(v) for v in values])
            else:
                parts.append(values)
        if len(parts) == 1:
            return parts[0]
        return list(map(KEY_SEPARATOR.join, zip(*parts, strict=True)))

    def _json(self, current: dict[str, list[Any]], n: int) -> list[str]:
        """Each row's values as ``orjson.dumps`` writes them: its pieces joined."""
        columns: list[list[str]] = []
        constant = "{"  # text between the columns that vary, carried to the next one
        for source, keys, make in self._layout:
            comma = "" if constant == "{" else ","
            values = current.get(source)
            if values is None:
                constant += comma + make(None)
                continue
            if self._types.get(source) == "text" and keys == (source,):
                if None not in values and screen.plain_json(values):
                    columns += [[f'{constant}{comma}{_json_key(source)}:"'] * n, values]
                    constant = '"'
                else:
                    columns += [[constant + comma] * n, [make(v) for v in values]]
                    constant = ""
                continue
            # The text before the column is folded into its fragments: one list, not two,
            # for every row's pieces to be joined.
            prefix = constant + comma
            cache = self._fragments.setdefault((keys[0], prefix), {})
            if len(cache) > CACHE_LIMIT:
                cache.clear()
            for value in set(values).difference(cache):
                cache[value] = prefix + make(value)
            columns.append(list(map(cache.__getitem__, values)))
            constant = ""
        columns.append([constant + "}"] * n)
        return list(map("".join, zip(*columns, strict=True)))


def _convert(raw: Any, parse: Callable[[Any], Any], required: str | None) -> Any:
    """A cell's value (a blank one is None), or the CellError that says why it has none."""
    if raw is None or (raw.__class__ is str and not raw.strip()):
        return CellError(required) if required else None
    try:
        return parse(raw)
    except CellError as exc:
        return exc


def _converted(
    spellings: set[Any], parse: Callable[[Any], Any], required: str | None
) -> dict[Any, Any] | None:
    """Each spelling's value, or None if any of them fails to convert."""
    values = {raw: _convert(raw, parse, required) for raw in spellings}
    return None if any(isinstance(v, CellError) for v in values.values()) else values


def _json_key(name: str) -> str:
    return orjson.dumps(name).decode()


Fragment = Callable[[Any], str]


def _layout(builder: RowBuilder, present: set[str]) -> list[tuple[str, tuple[str, ...], Fragment]]:
    """The stored keys in order, grouped by the column they come from.

    Each entry is (source field, its stored keys, a function from the source's
    value to the JSON of those keys): a field itself; the four derived fields of
    a date (day, month, quarter, year); the group of a category.
    """

    def plain(name: str) -> Fragment:
        key = _json_key(name)
        return lambda value: f"{key}:{orjson.dumps(value).decode()}"

    def dated(name: str) -> tuple[tuple[str, ...], Fragment]:
        keys = tuple(f"{name}_{part}" for part in DATE_PARTS)
        joined = ",".join(f"{_json_key(k)}:{{}}" for k in keys)  # one slot per part's JSON
        empty = joined.format(*["null"] * len(keys))
        dumps = orjson.dumps

        def make(iso: Any) -> str:
            if iso is None:
                return empty
            day, month, quarter, year = builder._period_parts(iso)
            return joined.format(
                dumps(day).decode(), dumps(month).decode(), dumps(quarter).decode(),
                dumps(year).decode(),
            )  # fmt: skip

        return keys, make

    def grouped(name: str, lookup: dict[str, str]) -> Fragment:
        key = _json_key(f"{name}_group")
        return lambda value: (
            f"{key}:{orjson.dumps(None if value is None else lookup[value]).decode()}"
        )

    layout: list[tuple[str, tuple[str, ...], Fragment]] = []
    derived: dict[str, tuple[str, tuple[str, ...], Fragment]] = {}
    for name in builder._date_fields:
        keys, make = dated(name)
        derived[keys[0]] = (name, keys, make)
    for name, lookup in builder._groups.items():
        derived[f"{name}_group"] = (name, (f"{name}_group",), grouped(name, lookup))
    skip: set[str] = set()
    for key in builder._template:
        if key in skip:
            continue
        if key in derived:
            entry = derived[key]
            skip.update(entry[1])
            layout.append(entry)
        else:
            layout.append((key, (key,), plain(key)))
    return layout
