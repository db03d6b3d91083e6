"""Importing a referral or training file: every row checked, then all stored or none.

A file is read (``tracker.data.readers``), its headers checked -- headings
under a title row refused with the row they are on, identifying
columns refused (``tracker.privacy``), every declared required field
present, no duplicate or unknown columns -- and every row turned into its
stored values (``tracker.data.fields``). Every problem in the file is
collected and reported together with the file name, the row number the user
sees, the column, the value and what is allowed; if there is any, nothing is
written.

A valid file is then applied in one transaction against the records already
held, matched by the data set's key: new rows are inserted, changed rows
updated with their previous values kept in ``data_record_change``, unchanged
rows left alone, and one ``data_import`` row records the file (name only, its
SHA-256, the counts and who imported it). Records the file does not mention
are left as they are -- a file may be a quarter's extract -- and counted in
the result. Importing a file that changes nothing writes nothing at all, not
even a ``data_import`` row: the audit trail records changes, and there were
none. ``dry_run`` does all the checking and comparing and writes nothing.

Columns ignored with ``ignore_extra`` are never stored: only declared fields
are read from a row, so an ignored column's cells are not even looked at.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.data.fields import KEY_SEPARATOR, RowBuilder, RowErrors, normalise_header, shown
from tracker.data.readers import Table, UnreadableFileError, read_table
from tracker.errors import DataFileError, Problem, TrackerError
from tracker.plan.lookup import find_dataset
from tracker.plan.schema import Dataset, Plan
from tracker.privacy import identifying_kind, refusal

MAX_LISTED = 200  # problems listed in full; the rest are counted
SAMPLE = 10  # changes shown by a dry run (and kept in the result)
BATCH = 5_000  # rows per executemany, so the progress bar moves
PROGRESS_FROM = 5_000  # rows: smaller files import too fast to need a progress bar


@dataclass
class Change:
    """One row that is (or would be) added or updated, for the sample shown to the user."""

    key: str
    change: str  # added | updated
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (old, new)

    def shown_key(self) -> str:
        return self.key.replace(KEY_SEPARATOR, " / ")

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key.split(KEY_SEPARATOR),
            "change": self.change,
            "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()},
        }


@dataclass
class ImportResult:
    dataset: str
    file: str
    sha256: str
    rows: int
    added: int
    updated: int
    unchanged: int
    not_in_file: int
    dry_run: bool
    import_id: int | None = None
    sheet: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def no_changes(self) -> bool:
        return self.added == 0 and self.updated == 0

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "file": self.file,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "not_in_file": self.not_in_file,
            "no_changes": self.no_changes,
            "import_id": self.import_id,
            "ignored_columns": self.ignored_columns,
            "changes": [c.to_json() for c in self.changes],
        }


# --- progress ---------------------------------------------------------------------


class _Progress:
    """A Rich progress bar on stderr for long imports at a terminal; otherwise nothing."""

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._task: Any = None
        if not enabled:
            return
        from tracker.console import make_console

        console = make_console(stderr=True)
        if not console.is_terminal:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self._bar.start()

    def stage(self, description: str, total: int) -> None:
        if self._bar is not None:
            if self._task is not None:
                self._bar.remove_task(self._task)
            self._task = self._bar.add_task(description, total=total)

    def advance(self, n: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


# --- checking ---------------------------------------------------------------------


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


HEADER_SEARCH = 10  # rows below the first looked at for headings put under a title


def _refuse_title_rows(table: Table, dataset: Dataset) -> None:
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
    for line, cells in table.rows[:HEADER_SEARCH]:
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
class _Columns:
    """Which column of the file holds which declared field."""

    positions: list[tuple[str, int]]  # (field name, column index)
    ignored: list[str]
    unnamed: list[int]  # columns with no header: any value in them is an error


def _map_columns(
    file: str, line: int, headers: list[str], dataset: Dataset, ignore_extra: bool
) -> _Columns:
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
                        f"column '{header}' is worked out by tracker itself; remove it "
                        "or import with --ignore-extra",
                    )
                )
            else:
                problems.append(
                    Problem(
                        file,
                        line,
                        f"column '{header}' is not a field of {dataset.name} (its fields are "
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
                    f"columns {_column_letter(first)} '{headers[first]}' and "
                    f"{_column_letter(index)} '{header}' are both {name}; keep one",
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
    return _Columns(positions=positions, ignored=ignored, unnamed=unnamed)


@dataclass
class _Checked:
    records: dict[str, dict[str, Any]]  # key -> stored values, in file order
    rows: int


def _check_rows(
    table: Table, builder: RowBuilder, columns: _Columns, dataset: Dataset, progress: _Progress
) -> _Checked:
    file = table.file
    names = [name for name, _ in columns.positions]
    indexes = [index for _, index in columns.positions]
    width = len(table.headers)
    unnamed = columns.unnamed
    problems: list[Problem] = []
    total = 0
    stray: dict[int, int] = {}  # column index with a value but no header -> first line
    first_line: dict[str, int] = {}
    records: dict[str, dict[str, Any]] = {}
    key_names = " and ".join(dataset.key)
    optional_keys = [f.name for f in dataset.fields if f.name in dataset.key and not f.required]
    duplicate_hint = (
        f"keep one of them, or give each its own {optional_keys[0]}"
        if optional_keys
        else f"keep one of them, or correct the {key_names} of the other"
    )

    def problem(line: int, message: str) -> None:
        nonlocal total
        total += 1
        if len(problems) < MAX_LISTED:
            problems.append(Problem(file, line, message))

    build = builder.for_columns(names)
    pick = itemgetter(*indexes)
    single = len(indexes) == 1
    key_of = builder.key_of
    progress.stage(f"checking {file}", len(table.rows))
    for n, (line, cells) in enumerate(table.rows, start=1):
        if n % 2000 == 0:
            progress.advance(2000)
        if len(cells) != width:
            if len(cells) < width:
                cells = [*cells, *([None] * (width - len(cells)))]
            else:
                for index in range(width, len(cells)):
                    value = cells[index]
                    if index not in stray and not (
                        value is None or (isinstance(value, str) and not value.strip())
                    ):
                        stray[index] = line
        for index in unnamed:
            value = cells[index]
            if index not in stray and not (
                value is None or (isinstance(value, str) and not value.strip())
            ):
                stray[index] = line
        try:
            values = build((pick(cells),) if single else pick(cells))
        except RowErrors as exc:
            for _, message in exc.problems:
                problem(line, message)
            if any(exc.values[k] is None for k in dataset.key):
                continue
            values, failed = exc.values, True
        else:
            failed = False
        key = key_of(values)
        earlier = first_line.get(key)
        if earlier is not None:
            problem(
                line,
                f"this row has the same {key_names} as row {earlier} "
                f"({key.replace(KEY_SEPARATOR, ' / ').rstrip(' /')}); {duplicate_hint}",
            )
            continue
        first_line[key] = line
        if not failed:
            records[key] = values
    progress.advance(len(table.rows) % 2000)
    for index, line in sorted(stray.items()):
        problem(
            line,
            f"column {_column_letter(index)} has values but no header; "
            "give it a header or delete the column",
        )
    if total:
        raise DataFileError(file, problems, total=total)
    return _Checked(records=records, rows=len(table.rows))


# --- applying ---------------------------------------------------------------------


def _diff(declared: list[str], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changed = {k: (old.get(k), new.get(k)) for k in declared if old.get(k) != new.get(k)}
    if not changed:
        keys = list(dict.fromkeys([*new, *old]))
        changed = {k: (old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)}
    return changed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    engine: Engine,
    plan: Plan,
    dataset: str,
    path: Path,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    ignore_extra: bool = False,
    by: str | None = None,
    progress: bool = True,
) -> ImportResult:
    """Check every row of ``path`` and store them all in ``dataset``, or nothing.

    Raises DataFileError listing every problem (file:row: message) when any row
    is invalid, and UnreadableFileError when the file itself cannot be read.
    """
    started = time.perf_counter()
    declared = find_dataset(plan, dataset)
    path = Path(path)
    table = read_table(path, sheet=sheet)
    file = table.file
    try:
        _refuse_title_rows(table, declared)
        columns = _map_columns(file, table.header_line, table.headers, declared, ignore_extra)
    except TrackerError as exc:
        others = [s for s in table.sheets if s != table.sheet]
        if sheet is None and others and exc.hint:
            exc.hint += (
                f" (this is sheet '{table.sheet}'; to read another, use --sheet with one of "
                f"{', '.join(repr(s) for s in others)})"
            )
        raise
    if not table.rows:
        raise UnreadableFileError(
            file,
            "has a header row but no data rows",
            hint="add the data below the header row and import the file again",
        )
    builder = RowBuilder(declared, financial_year_start_month=plan.plan.financial_year_start_month)
    bar = _Progress(progress and sys.stderr is not None and len(table.rows) >= PROGRESS_FROM)
    try:
        checked = _check_rows(table, builder, columns, declared, bar)
        sheet_read = table.sheet  # the worksheet actually read (None for a CSV)
        del table  # the raw cells are no longer needed
        result = ImportResult(
            dataset=declared.name,
            file=file,
            sha256=_sha256(path),
            rows=checked.rows,
            added=0,
            updated=0,
            unchanged=0,
            not_in_file=0,
            dry_run=dry_run,
            sheet=sheet_read,
            ignored_columns=columns.ignored,
        )
        _apply(engine, declared, checked, result, by=by, progress=bar)
    finally:
        bar.close()
    result.seconds = time.perf_counter() - started
    return result


def _apply(
    engine: Engine,
    dataset: Dataset,
    checked: _Checked,
    result: ImportResult,
    *,
    by: str | None,
    progress: _Progress,
) -> None:
    from sqlalchemy import insert, select
    from sqlalchemy.exc import IntegrityError

    from tracker.db.engine import transaction
    from tracker.db.models import DataImport, DataRecord, utcnow

    records_t = DataRecord.__table__  # type: ignore[attr-defined]
    imports_t = DataImport.__table__  # type: ignore[attr-defined]
    declared = [f.name for f in dataset.fields]

    try:
        with transaction(engine) as session:
            existing: dict[str, tuple[int, dict[str, Any]]] = {
                key: (rid, values)
                for rid, key, values in session.execute(
                    select(records_t.c.id, records_t.c.key, records_t.c["values"]).where(
                        records_t.c.dataset == dataset.name
                    )
                )
            }
            added: list[tuple[str, dict[str, Any]]] = []
            updated: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = []
            for key, values in checked.records.items():
                found = existing.get(key)
                if found is None:
                    added.append((key, values))
                elif found[1] != values:
                    updated.append((key, found[0], found[1], values))
            result.added = len(added)
            result.updated = len(updated)
            result.unchanged = len(checked.records) - len(added) - len(updated)
            result.not_in_file = sum(1 for k in existing if k not in checked.records)
            result.changes = [Change(k, "added") for k, _ in added[:SAMPLE]] + [
                Change(k, "updated", _diff(declared, old, new))
                for k, _, old, new in updated[:SAMPLE]
            ]
            if result.dry_run or result.no_changes:
                return  # nothing to write: not even a data_import row
            now = utcnow()
            inserted: Any = session.execute(
                insert(imports_t).values(
                    dataset=dataset.name,
                    filename=result.file,
                    sha256=result.sha256,
                    imported_at=now,
                    by=by,
                    rows=result.rows,
                    added=result.added,
                    updated=result.updated,
                    unchanged=result.unchanged,
                )
            )
            import_id = int(inserted.inserted_primary_key[0])
            result.import_id = import_id
            progress.stage(f"storing {result.file}", len(added) + len(updated))
            writer = _Writer(session, import_id, now)
            for start in range(0, len(added), BATCH):
                batch_added = added[start : start + BATCH]
                writer.insert_records(dataset.name, batch_added)
                progress.advance(len(batch_added))
            for start in range(0, len(updated), BATCH):
                batch_updated = [
                    (rid, old, new) for _, rid, old, new in updated[start : start + BATCH]
                ]
                writer.update_records(batch_updated)
                progress.advance(len(batch_updated))
    except IntegrityError:
        raise TrackerError(
            f"another import into {dataset.name} ran at the same time; nothing was changed",
            hint="run the import again",
        ) from None


class _Writer:
    """Bulk writes of one import, inside its transaction.

    PostgreSQL gets COPY (psycopg sends an executemany row by row, several
    times slower), and updates through a temporary table dropped at commit;
    every other database gets executemany, which SQLite runs in C.
    """

    def __init__(self, session: Any, import_id: int, now: Any) -> None:
        from tracker.db.models import DataRecord, DataRecordChange

        self.session = session
        self.import_id = import_id
        self.now = now
        self.records = DataRecord.__table__  # type: ignore[attr-defined]
        self.changes = DataRecordChange.__table__  # type: ignore[attr-defined]
        self.connection = session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"

    def _copy(self, table: str, columns: tuple[str, ...], rows: Any) -> None:
        quote = self.connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in columns)
        driver = self.connection.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def insert_records(self, dataset: str, rows: list[tuple[str, dict[str, Any]]]) -> None:
        from sqlalchemy import insert

        if self.postgresql:
            self._copy(
                self.records.name,
                ("dataset", "key", "values", "import_id", "updated_at"),
                ((dataset, k, json.dumps(v), self.import_id, self.now) for k, v in rows),
            )
            return
        self.session.execute(
            insert(self.records),
            [
                {
                    "dataset": dataset,
                    "key": key,
                    "values": values,
                    "import_id": self.import_id,
                    "updated_at": self.now,
                }
                for key, values in rows
            ],
        )

    def update_records(self, rows: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
        """Keep each record's old values in data_record_change, then store the new ones."""
        from sqlalchemy import bindparam, insert, text, update

        if self.postgresql:
            self._copy(
                self.changes.name,
                ("record_id", "import_id", "old_values", "changed_at"),
                ((rid, self.import_id, json.dumps(old), self.now) for rid, old, _ in rows),
            )
            self.session.execute(
                text(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS tracker_import_update "
                    "(id integer PRIMARY KEY, new_values jsonb NOT NULL) ON COMMIT DROP"
                )
            )
            self.session.execute(text("TRUNCATE tracker_import_update"))
            self._copy(
                "tracker_import_update",
                ("id", "new_values"),
                ((rid, json.dumps(new)) for rid, _, new in rows),
            )
            self.session.execute(
                text(
                    'UPDATE data_record SET "values" = u.new_values, import_id = :import_id, '
                    "updated_at = :now FROM tracker_import_update u WHERE data_record.id = u.id"
                ),
                {"import_id": self.import_id, "now": self.now},
            )
            return
        self.session.execute(
            insert(self.changes),
            [
                {
                    "record_id": rid,
                    "import_id": self.import_id,
                    "old_values": old,
                    "changed_at": self.now,
                }
                for rid, old, _ in rows
            ],
        )
        self.session.execute(
            update(self.records)
            .where(self.records.c.id == bindparam("record_id"))
            .values(
                {
                    self.records.c["values"]: bindparam("new_values"),
                    self.records.c.import_id: self.import_id,
                    self.records.c.updated_at: self.now,
                }
            ),
            [{"record_id": rid, "new_values": new} for rid, _, new in rows],
        )


# --- output -----------------------------------------------------------------------


def _value(value: Any) -> str:
    return "(empty)" if value is None else f"'{value}'"


def render_import(result: ImportResult) -> None:
    """The result for a person: counts, and for a dry run a sample of what would change."""
    import typer

    source = result.file + (f" (sheet '{result.sheet}')" if result.sheet else "")
    rows = f"{result.rows} row{'s' if result.rows != 1 else ''}"
    if result.dry_run:
        typer.echo(
            f"Dry run: {source} into {result.dataset}: {rows} checked, no problems; "
            f"{result.added} would be added, {result.updated} updated, "
            f"{result.unchanged} unchanged. Nothing was written."
        )
    elif result.no_changes:
        typer.echo(
            f"{source} into {result.dataset}: {rows}, all already stored as they are: "
            "no changes (nothing was written)"
        )
    else:
        typer.echo(
            f"Imported {source} into {result.dataset}: {rows}, {result.added} added, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
    if result.ignored_columns:
        typer.echo(f"  ignored columns (not stored): {', '.join(result.ignored_columns)}")
    if result.not_in_file:
        typer.echo(
            f"  {result.not_in_file} record{'s' if result.not_in_file != 1 else ''} already "
            f"held in {result.dataset} {'are' if result.not_in_file != 1 else 'is'} not in "
            "this file and left as they are"
        )
    if result.dry_run and result.changes:
        for change in result.changes:
            if change.change == "added":
                typer.echo(f"  add     {change.shown_key()}")
            else:
                parts = "; ".join(
                    f"{name} {_value(old)} -> {_value(new)}"
                    for name, (old, new) in change.fields.items()
                )
                typer.echo(f"  update  {change.shown_key()}: {parts}")
        more = result.added + result.updated - len(result.changes)
        if more > 0:
            typer.echo(f"  ... and {more} more")
