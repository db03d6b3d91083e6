"""The header row of a data file: which column holds which declared field, or why none.

Identifying columns are refused first (``tracker.privacy``), whatever else is
wrong; then headings found below a title row are refused with the row they
are on; then every declared required field must be present, with no
duplicate, unknown or derived columns (unless ``--ignore-extra``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.data.fields import normalise_header, shown
from tracker.data.table import Table, UnreadableFileError
from tracker.errors import DataFileError, Problem
from tracker.plan.schema import Dataset
from tracker.privacy import identifying_kind, refusal


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


HEADER_SEARCH = 10  # rows below the first looked at for headings put under a title


def refuse_title_rows(table: Table, head: list[tuple[int, list[Any]]], dataset: Dataset) -> None:
    """Refuse a file whose column headings sit below a title or notes, saying which row.

    A report title ("Prevent referrals Q1 2020/21 - OFFICIAL") above the headings
    is common in exported sheets. Guessing where the data starts could import
    the notes as data, so the file is refused with the row the headings are on.
    """
    names: dict[str, str] = {}
    for f in dataset.fields:
        names[normalise_header(f.name)] = f.name
        if f.label:
            names.setdefault(normalise_header(f.label), f.name)
    required = {f.name for f in dataset.fields if f.required}

    def found(cells: list[Any]) -> set[str]:
        return {
            names[h]
            for h in (normalise_header(c) for c in cells if isinstance(c, str))
            if h in names
        }

    if required <= found(table.headers):
        return
    for line, cells in head[:HEADER_SEARCH]:
        if required <= found(cells):
            first = " ".join(str(h) for h in table.headers if h)
            raise UnreadableFileError(
                table.file,
                f"has its column headings on row {line}, not on row {table.header_line} "
                f"(which reads {shown(first)})",
                hint=f"delete the row{'s' if line - table.header_line > 1 else ''} above the "
                "headings (a title or notes) so that the headings are the first row, "
                "then import the file again",
            )


@dataclass
class Columns:
    """Which column of the file holds which declared field."""

    positions: list[tuple[str, int]]  # (field name, column index)
    ignored: list[str]
    unnamed: list[int]  # columns with no header: any value in them is an error


def map_columns(
    file: str, line: int, headers: list[str], dataset: Dataset, ignore_extra: bool
) -> Columns:
    problems: list[Problem] = []
    identifying = [(h, identifying_kind(h)) for h in headers if h]
    for header, kind in identifying:
        if kind:
            problems.append(Problem(file, line, refusal(header, kind)))
    if problems:
        raise DataFileError(
            file,
            problems,
            hint="remove the identifying columns from the file, export it again and import that",
        )
    lookup: dict[str, str] = {}
    for f in dataset.fields:
        lookup[normalise_header(f.name)] = f.name
        if f.label:
            lookup.setdefault(normalise_header(f.label), f.name)
    derived = {normalise_header(n): n for n in dataset.derived_names()}
    seen: dict[str, int] = {}
    positions: list[tuple[str, int]] = []
    ignored: list[str] = []
    unnamed: list[int] = []
    fields = ", ".join(f.name for f in dataset.fields)
    for index, header in enumerate(headers):
        if not header:
            unnamed.append(index)
            continue
        name = lookup.get(normalise_header(header))
        if name is None:
            if ignore_extra:
                ignored.append(header)
            elif normalise_header(header) in derived:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"column {shown(header)} is worked out by tracker itself; remove it "
                        "or import with --ignore-extra",
                    )
                )
            else:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"column {shown(header)} is not a field of {dataset.name} (its fields are "
                        f"{fields}); remove it or import with --ignore-extra",
                    )
                )
            continue
        if name in seen:
            first = seen[name]
            problems.append(
                Problem(
                    file,
                    line,
                    f"columns {column_letter(first)} {shown(headers[first])} and "
                    f"{column_letter(index)} {shown(header)} are both {name}; keep one",
                )
            )
            continue
        seen[name] = index
        positions.append((name, index))
    for f in dataset.fields:
        if f.required and f.name not in seen:
            problems.append(
                Problem(
                    file,
                    line,
                    f"required column {f.name} is missing; add a column headed '{f.name}'",
                )
            )
    if not positions and not problems:
        problems.append(
            Problem(file, line, f"no column is a field of {dataset.name} (its fields are {fields})")
        )
    if problems:
        raise DataFileError(
            file, problems, hint="correct the header row and import the whole file again"
        )
    return Columns(positions=positions, ignored=ignored, unnamed=unnamed)
