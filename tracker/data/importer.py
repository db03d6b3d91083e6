"""Importing a referral or training file: every row checked, then all stored or none.

A file is opened (``tracker.data.readers``; a CSV is streamed), its header
checked (``tracker.data.columns``: identifying columns refused, headings under
a title row refused with the row they are on, every declared required field
present, no duplicate or unknown columns), and its rows checked in chunks of
``CHUNK`` (``tracker.data.rows``) and staged in a temporary table
(``tracker.data.staging``). Every problem is reported with the file name, the
row number the user sees, the column, the value and what is allowed; after
``MAX_PROBLEMS`` the check stops and says so, so that a file that is wrong
throughout is refused in seconds. If there is any problem, nothing is written.

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
Progress is reported through a callback the caller passes in (the CLI draws
a bar); this module prints nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.collector import collector_paused
from tracker.data.columns import (
    HEADER_SEARCH,
    Columns,
    column_letter,
    map_columns,
    refuse_title_rows,
)
from tracker.data.fields import KEY_SEPARATOR, RowBuilder
from tracker.data.readers import check_is_a_file, open_table
from tracker.data.table import Table, UnreadableFileError
from tracker.errors import DataFileError, Problem, TrackerError
from tracker.plan.lookup import find_dataset
from tracker.plan.schema import Dataset, Plan, PlanData

MAX_PROBLEMS = 200  # problems listed; checking stops once this many are found
SAMPLE = 10  # changes shown by a dry run (and kept in the result)
CHUNK = 10_000  # rows checked and staged at a time

# progress(description, done, total): called now and then during a long import
Progress = Callable[[str, int, int], None]


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
    # False when the same file was imported before under the same rules, so its rows were
    # not checked one by one again (tracker.data.fingerprint); its header always is.
    rows_checked: bool = True

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
            "rows_checked": self.rows_checked,
            "changes": [c.to_json() for c in self.changes],
        }


# --- checking ---------------------------------------------------------------------


@dataclass
class _Checker:
    """Checks rows chunk by chunk, staging each good row; collects the problems."""

    file: str
    dataset: Dataset
    builder: RowBuilder
    columns: Columns
    width: int
    problems: list[Problem] = field(default_factory=list)
    stray: dict[int, int] = field(default_factory=dict)  # column with values, no header
    rows: int = 0
    stopped_at: int | None = None  # the line checking stopped after too many problems
    trusted: bool = False  # checked before, as it is (tracker.data.fingerprint): keys only
    withdrawn: frozenset[str] = frozenset()  # for a trusted file: the keys withdrawn
    withdrawn_in_file: int = 0  # ... and how many of them the file holds

    def __post_init__(self) -> None:
        from tracker.data.rows import ChunkBuilder

        names = [name for name, _ in self.columns.positions]
        self.chunk = ChunkBuilder(self.builder, names)
        indexes = [index for _, index in self.columns.positions]
        pick = itemgetter(*indexes)
        self.pick: Callable[[list[Any]], Any] = (
            (lambda cells: (pick(cells),)) if len(indexes) == 1 else pick
        )
        # Every column used, in the declared order (as a template writes them): the rows
        # are passed on as they are, not copied cell by cell.
        self.as_read = indexes == list(range(self.width))
        self.key_names = list(self.dataset.key)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def _blank(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    def check(
        self, chunks: Iterator[tuple[list[int], list[list[Any]]]], stage: Any, tick: Any
    ) -> None:
        for lines, rows in chunks:
            if not rows:
                continue
            rows = self._fit(lines, rows)
            as_read = self.as_read and set(map(len, rows)) == {self.width}
            self._flush(lines, rows if as_read else list(map(self.pick, rows)), stage)
            tick(self.rows)
            if self.stopped_at is not None:
                return

    def _fit(self, lines: list[int], rows: list[list[Any]]) -> list[list[Any]]:
        """Rows padded to the header's width; values beyond it or under no header noted."""
        width, stray = self.width, self.stray
        if set(map(len, rows)) != {width}:
            fitted = []
            for line, cells in zip(lines, rows, strict=True):
                if len(cells) < width:
                    cells = [*cells, *([None] * (width - len(cells)))]
                elif len(cells) > width:
                    for index in range(width, len(cells)):
                        if index not in stray and not self._blank(cells[index]):
                            stray[index] = line
                fitted.append(cells)
            rows = fitted
        for index in self.columns.unnamed:
            if index in stray:
                continue
            for line, cell in zip(lines, map(itemgetter(index), rows), strict=True):
                if not self._blank(cell):
                    stray[index] = line
                    break
        return rows

    def _flush(self, lines: list[int], cells: list[Any], stage: Any) -> None:
        from tracker.data.fields import RowErrors
        from tracker.data.staging import dumps

        self.rows += len(lines)
        if self.trusted:  # its rows are held as they are: only which keys it holds matters
            keys = self.chunk.keys(cells)
            if keys is None:
                raise _CheckAgain
            if self.withdrawn:
                self.withdrawn_in_file += sum(map(self.withdrawn.__contains__, keys))
            return
        encoded = self.chunk.encode(cells)
        if encoded is not None:
            keys_of_rows, stored = encoded
            if self.problems:  # only the keys are needed now, for the duplicate check
                stage.add(list(zip(lines, keys_of_rows, [None] * len(lines), strict=True)))
            else:
                stage.add(list(zip(lines, keys_of_rows, stored, strict=True)))
            return
        staged: list[tuple[int, str, str | None]] = []
        key_of = self.builder.key_of
        keys = self.key_names
        for line, result in zip(lines, self.chunk.build(cells), strict=True):
            if isinstance(result, RowErrors):
                for _, message in result.problems:
                    self.problem(line, message)
                values = result.values
                if all(values[k] is not None for k in keys):
                    staged.append((line, key_of(values), None))  # for the duplicate check
                if len(self.problems) >= MAX_PROBLEMS:
                    self.stopped_at = line
                    break
            elif self.problems:
                staged.append((line, key_of(result), None))
            else:
                staged.append((line, key_of(result), dumps(result)))
        stage.add(staged)

    def finish(self, stage: Any) -> None:
        """Add duplicate keys and stray columns to the problems; raise if there are any."""
        key_names = " and ".join(self.dataset.key)
        optional = [
            f.name for f in self.dataset.fields if f.name in self.dataset.key and not f.required
        ]
        keep = (
            f"keep one of them, or give each its own {optional[0]}"
            if optional
            else f"keep one of them, or correct the {key_names} of the other"
        )
        duplicates = []  # a file checked before has none, and stages nothing
        if not self.trusted:
            stage.index()
            duplicates = stage.duplicates(MAX_PROBLEMS)
        for line, key, first in duplicates:
            shown_key = key.replace(KEY_SEPARATOR, " / ").rstrip(" /")
            self.problem(
                line,
                f"this row has the same {key_names} as row {first} ({shown_key}); {keep}",
            )
        more = 0
        if len(duplicates) == MAX_PROBLEMS:
            more = stage.count_duplicates() - len(duplicates)
        self.problems.sort(key=lambda p: p.line or 0)  # stable: a row's own problems first
        for index, line in sorted(self.stray.items()):
            self.problem(
                line,
                f"column {column_letter(index)} has values but no header; "
                "give it a header or delete the column",
            )
        if not self.problems:
            return
        total = len(self.problems) + more
        listed = self.problems[:MAX_PROBLEMS]
        hint = None
        if self.stopped_at is not None:
            hint = (
                f"checking stopped at row {self.stopped_at} after {MAX_PROBLEMS} problems, so "
                "the rest of the file was not checked; correct the rows listed (is it the "
                "right file for this data set?) and import the whole file again"
            )
        raise DataFileError(self.file, listed, total=total, hint=hint)


# --- importing --------------------------------------------------------------------


def _file_state(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a file is written or replaced (device, inode, size, time)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _open(
    path: Path, sheet: str | None, dataset: Dataset, ignore_extra: bool
) -> tuple[Table, Columns, Any]:
    table = open_table(path, sheet=sheet)
    rows = iter(table.rows)
    head = list(islice(rows, HEADER_SEARCH))
    try:
        refuse_title_rows(table, head, dataset)
        columns = map_columns(table.file, table.header_line, table.headers, dataset, ignore_extra)
    except TrackerError as exc:
        _close(table.rows)
        others = [s for s in table.sheets if s != table.sheet]
        if sheet is None and others and exc.hint:
            exc.hint += (
                f" (this is sheet '{table.sheet}'; to read another, use --sheet with one of "
                f"{', '.join(repr(s) for s in others)})"
            )
        raise
    if not head:
        raise UnreadableFileError(
            table.file,
            "has a header row but no data rows",
            hint="add the data below the header row and import the file again",
        )
    return table, columns, _chunks(head, table.rows, rows)


def _chunks(
    head: list[tuple[int, list[Any]]], source: Any, rows: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[list[int], list[list[Any]]]]:
    """The rows in chunks of up to ``CHUNK`` as (lines, cells): a CSV's read at C speed."""
    yield list(map(itemgetter(0), head)), list(map(itemgetter(1), head))
    read = getattr(source, "chunk", None)
    while True:
        if read is not None:
            lines, cells = read(CHUNK)
            if not lines and not cells:
                if source.done:
                    return
                continue
        else:
            batch = list(islice(rows, CHUNK))
            if not batch:
                return
            lines, cells = list(map(itemgetter(0), batch)), list(map(itemgetter(1), batch))
        yield lines, cells


def _close(rows: Any) -> None:
    close = getattr(rows, "close", None)
    if close is not None:
        close()


def import_file(
    engine: Engine,
    plan: Plan | PlanData,
    dataset: str,
    path: Path,
    *,
    sheet: str | None = None,
    dry_run: bool = False,
    ignore_extra: bool = False,
    recheck: bool = False,
    by: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of ``path`` and store them all in ``dataset``, or nothing.

    Raises DataFileError listing the problems (file:row: message) when any row
    is invalid, and UnreadableFileError when the file itself cannot be read.
    ``today`` (the as-of date, in the plan's timezone) refuses dates after it.
    A file imported before as it is, under the same rules, has only its keys read
    (``tracker.data.fingerprint``) unless ``recheck``.
    """
    _check_file_name(path)
    check_is_a_file(Path(path))  # before its contents are hashed (_file_state)
    with collector_paused():  # tracker.collector: millions of short-lived objects
        try:
            return _import_file(
                engine, plan, dataset, path, sheet, dry_run, ignore_extra, by, today, progress,
                trust=not recheck,
            )  # fmt: skip
        except _CheckAgain:  # not as it was when checked before after all: check every row
            return _import_file(
                engine, plan, dataset, path, sheet, dry_run, ignore_extra, by, today, progress,
                trust=False,
            )  # fmt: skip


def _check_file_name(path: Path) -> None:
    """Refuse a file whose name holds identifying data: the name is stored with the import."""
    from tracker.errors import InvalidValueError
    from tracker.privacy import identifying_value

    kind = identifying_value(path.name.replace("_", " "))
    if kind:
        raise InvalidValueError(
            f"the file's name holds what looks like {kind}; tracker stores the name of each "
            "file imported and never stores identifying data, so nothing was imported",
            hint="rename the file (for example referrals-2021-01.csv) and import it again",
        )


class _CheckAgain(Exception):
    """A file taken as checked before turned out not to be: check all its rows instead."""


def _import_file(
    engine: Engine,
    plan: Plan | PlanData,
    dataset: str,
    path: Path,
    sheet: str | None,
    dry_run: bool,
    ignore_extra: bool,
    by: str | None,
    today: date | None,
    progress: Progress | None,
    trust: bool = True,
) -> ImportResult:
    from tracker.data.fingerprint import check_digest, checked_before
    from tracker.data.staging import record_import, staged
    from tracker.db.stamps import utcnow

    started = time.perf_counter()
    declared = find_dataset(plan, dataset)
    path = Path(path)
    # The file as hashed must be the file as read: if it changes while it is read (a sync
    # tool replacing it), its rows are neither trusted nor recorded under the digest.
    state = _file_state(path)
    sha256 = _sha256(path) if state is not None else ""
    table, columns, rows = _open(path, sheet, declared, ignore_extra)
    builder = RowBuilder(
        declared,
        financial_year_start_month=plan.plan.financial_year_start_month,
        latest=today,
        earliest=plan.plan.start,
    )
    report = progress or (lambda description, done, total: None)
    size, position = table.size, table.position

    def tick(done: int) -> None:
        if position is not None and size:
            report(f"checking {table.file}", int(position()), int(size))
        else:
            report(f"checking {table.file}", done, done)

    checker = _Checker(table.file, declared, builder, columns, len(table.headers))
    digest = check_digest(sha256=sha256, sheet=table.sheet, dataset=declared, plan=plan)
    try:
        with staged(engine, declared.name) as stage:
            latest = stage.latest_check()
            withdrawn = stage.withdrawn_keys() if trust else None
            checker.trusted = withdrawn is not None and checked_before(latest, digest, today)
            checker.withdrawn = withdrawn or frozenset()
            try:
                checker.check(rows, stage, tick)
            finally:
                _close(table.rows)
            if state is None or _file_state(path) != state:
                if checker.trusted:
                    raise _CheckAgain
                digest = None  # checked as read, but what was read is not what was hashed
                sha256 = sha256 or _sha256(path)
            checker.finish(stage)
            # From here to the commit, one import into the data set at a time: the write lock
            # (SQLite), an advisory lock on the data set (PostgreSQL).
            stage.lock()
            # Held as that import left it still?
            if checker.trusted and (
                stage.latest_check(locked=True) != latest
                or stage.withdrawn_count() != len(checker.withdrawn)
            ):
                raise _CheckAgain
            result = ImportResult(
                dataset=declared.name,
                file=table.file,
                sha256=sha256,
                rows=checker.rows,
                added=0,
                updated=0,
                unchanged=0,
                not_in_file=0,
                dry_run=dry_run,
                sheet=table.sheet,
                ignored_columns=columns.ignored,
                rows_checked=not checker.trusted,
            )
            report(f"comparing {table.file}", 0, 1)
            diff = (
                stage.vouched(checker.rows, checker.withdrawn_in_file)
                if checker.trusted
                else stage.difference(SAMPLE)
            )
            if diff is None:  # the records held do not add up to the file: check it all
                raise _CheckAgain
            result.added = diff.added
            result.updated = diff.updated
            result.unchanged = diff.unchanged
            result.not_in_file = diff.not_in_file
            declared_names = [f.name for f in declared.fields]
            result.changes = [Change(k, "added") for k in diff.sample_added] + [
                Change(key, "updated", _diff(declared_names, old, new))
                for _, _, key, old, new in diff.changed
            ]
            if not dry_run and not result.no_changes:
                now = utcnow()
                import_id = record_import(
                    stage.connection,
                    dataset=declared.name,
                    filename=result.file,
                    sha256=result.sha256,
                    imported_at=now,
                    by=by,
                    rows=result.rows,
                    added=result.added,
                    updated=result.updated,
                    unchanged=result.unchanged,
                    check_digest=digest,
                    checked_through=today,
                )
                result.import_id = import_id
                report(f"storing {table.file}", 0, 1)
                stage.apply(import_id=import_id, now=now)
                stage.connection.commit()
            elif not dry_run and not checker.trusted and latest is not None and digest:
                stage.vouch(latest[0], digest, today)  # checked, nothing differs: next time too
                stage.connection.commit()
    except _integrity_errors() as exc:
        raise TrackerError(
            f"another import into {declared.name} ran at the same time; nothing was changed",
            hint="run the import again",
        ) from exc
    result.seconds = time.perf_counter() - started
    return result


def _integrity_errors() -> type[Exception]:
    from sqlalchemy.exc import IntegrityError

    return IntegrityError


def _diff(declared: list[str], old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    changed = {k: (old.get(k), new.get(k)) for k in declared if old.get(k) != new.get(k)}
    if not changed:
        keys = list(dict.fromkeys([*new, *old]))
        changed = {k: (old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)}
    return changed
