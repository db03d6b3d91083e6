"""Staging a file's rows in the database, then applying them in one transaction.

Checked rows are written as they are checked, in chunks, to a temporary table
(``import_stage``: line, key, values as JSON) on the import's own connection,
so a file of a million rows never sits in memory. Duplicate keys, and the
difference from the records already held (added, changed, unchanged, not in
the file), are then worked out in SQL; the writes are ``INSERT ... SELECT``
and ``UPDATE`` from the stage, in one transaction. Nothing is written to the
data set until every row has passed, and the temporary table vanishes with
the connection: an import stores all its rows or none.

On SQLite the stage is a TEMP table, which lives in the connection's own
temporary database and takes no lock on the data, so other commands keep
writing while a large file is checked; the write lock is taken only to apply.
On PostgreSQL the stage is loaded with COPY and values are compared as JSONB.

Values are serialised with orjson. A record stored by an earlier version (by
``json.dumps``) may differ only in spacing or escapes: such candidates are
compared again as decoded values, so they count as unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Date, DateTime, bindparam, column, insert, table, text
from sqlalchemy.engine import Connection, Engine

from tracker.db.engine import SQLITE_PAGE_SIZE

STAGE = "import_stage"
WITHDRAWN_HELD = 100_000  # withdrawn keys held in memory to re-import a file checked before
DISTINCT_HELD = 100_000  # staged keys' hashes held to show a file has no duplicate keys
CHANGED = "import_changed"


def dumps(values: dict[str, Any]) -> str:
    """A record's values as stored (compact JSON, keys in the data set's order)."""
    return orjson.dumps(values).decode()


@dataclass
class Difference:
    added: int
    updated: int
    changed: list[tuple[int, int, str, Any, Any]]  # a sample: (id, line, key, old, new)
    unchanged: int
    not_in_file: int
    sample_added: list[str]


class Stage:
    """The temporary table of one import on one connection (see the module notes)."""

    def __init__(self, connection: Connection, dataset: str) -> None:
        self.connection = connection
        self.dataset = dataset
        self.postgresql = connection.dialect.name == "postgresql"
        self.driver: Any = connection.connection.driver_connection
        self.mark = "%s" if self.postgresql else "?"  # a parameter, in the driver's SQL
        if self.postgresql:
            # Dropped by the commit or rollback that ends the import.
            for name, columns in (
                (STAGE, "line integer NOT NULL, key text NOT NULL, vals jsonb"),
                (CHANGED, "id integer PRIMARY KEY, line integer NOT NULL"),
            ):
                self._raw(f"DROP TABLE IF EXISTS {name}")
                self._raw(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
        else:
            # The connection's temporary database takes its page size when first written:
            # the stage's rows are ~500 bytes of JSON, written and read back a third faster
            # in 16 KiB pages than in the default 4 KiB, as the data's own (docs/benchmarks.md).
            self._raw(f"PRAGMA temp.page_size={SQLITE_PAGE_SIZE}")
            self.drop()
            # A file's line numbers are unique and staged in order: the line is the rowid.
            self._raw(
                f"CREATE TEMP TABLE {STAGE} (line INTEGER PRIMARY KEY, key TEXT NOT NULL, vals)"
            )
            self._raw(
                f"CREATE TEMP TABLE {CHANGED} (id INTEGER PRIMARY KEY, line INTEGER NOT NULL)"
            )
        self.rows = 0
        self.fresh = False  # set by difference(): no staged key is held yet
        # The hashes of the keys staged, while all differ and few enough to hold: with none
        # repeated there are no duplicates to look for, and a first import needs no index.
        self._distinct: set[int] | None = set()
        self._indexed = False

    def _raw(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A statement on the driver's connection (its parameters marked ``self.mark``): on
        SQLite outside any transaction before ``lock`` (the TEMP tables need none, and no
        lock is taken), on PostgreSQL in the import's one."""
        cursor = self.driver.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def _exec(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        """A statement in the import's transaction (SQLite: begun with BEGIN IMMEDIATE)."""
        return self.connection.execute(text(sql), params or {})

    def add(self, rows: Sequence[tuple[int, str, str | None]]) -> None:
        """Stage (line, key, values JSON or None for a row with problems)."""
        if not rows:
            return
        self.rows += len(rows)
        distinct = self._distinct
        if distinct is not None:
            # Hashes, not the keys (a key may be hundreds of characters): two that collide
            # only send the file to the exact search in SQL, as a key repeated does.
            distinct.update(map(hash, map(itemgetter(1), rows)))
            if len(distinct) != self.rows or self.rows > DISTINCT_HELD:
                self._distinct = None  # a key repeated, or too many to hold: SQL will say
        if self.postgresql:
            with (
                self.driver.cursor() as cursor,
                cursor.copy(f"COPY {STAGE} (line, key, vals) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        # One transaction for the chunk: row by row, each insert would be a transaction of
        # its own (2.4 times slower). Only the TEMP database is written, so no lock is taken
        # on the data.
        own = not self.driver.in_transaction
        cursor = self.driver.cursor()
        try:
            if own:
                cursor.execute("BEGIN")
            cursor.executemany(f"INSERT INTO temp.{STAGE} VALUES (?, ?, ?)", rows)
            if own:
                cursor.execute("COMMIT")
        except BaseException:
            if own and self.driver.in_transaction:
                cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def index(self) -> None:
        """Index the stage once every row is staged, before the import takes its lock.

        On SQLite a first import whose keys are all different needs none: only the
        duplicate search and the comparison with records already held use it.
        """
        if self.postgresql or self._distinct is None or self._holds_any():
            self._index()

    def _holds_any(self) -> bool:
        """Whether the data set holds any record (withdrawn or not)."""
        sql = f"SELECT 1 FROM data_record WHERE dataset = {self.mark} LIMIT 1"
        return bool(self._raw(sql, (self.dataset,)))

    def _index(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        self._raw(f"CREATE INDEX {STAGE}_key ON {STAGE} (key)")
        if self.postgresql:
            self._raw(f"CREATE INDEX {STAGE}_line ON {STAGE} (line)")
            self._raw(f"ANALYZE {STAGE}")

    def duplicates(self, limit: int) -> list[tuple[int, str, int]]:
        """(line, key, first line) of each row whose key an earlier row already has."""
        if self._distinct is not None:
            return []
        self._index()
        rows = self._raw(
            f"SELECT s.line, s.key, f.first FROM {STAGE} s JOIN (SELECT key, MIN(line) AS first "
            f"FROM {STAGE} GROUP BY key HAVING COUNT(*) > 1) f ON f.key = s.key "
            f"WHERE s.line > f.first ORDER BY s.line LIMIT {int(limit)}"
        )
        return [(int(line), str(key), int(first)) for line, key, first in rows]

    def count_duplicates(self) -> int:
        if self._distinct is not None:
            return 0
        self._index()
        (found,) = self._raw(
            f"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM {STAGE} "
            "GROUP BY key HAVING COUNT(*) > 1) d"
        )
        return int(found[0] or 0)

    def _join(self) -> str:
        return f"FROM {STAGE} s JOIN data_record r ON r.dataset = :dataset AND r.key = s.key"

    def latest_check(self, *, locked: bool = False) -> tuple[int, str | None, date | None] | None:
        """The latest recorded import into the data set: its id, and what it was checked
        against (digest and checked-through date); None before the first
        (``tracker.data.fingerprint``).

        ``locked``: read in the import's transaction, after ``lock``, so nothing can change
        it before the import ends; otherwise read without a lock, as the file is checked.
        """
        sql = (
            "SELECT id, check_digest, checked_through FROM data_import WHERE dataset = {} "
            "ORDER BY id DESC LIMIT 1"
        )
        if locked:
            found = self._exec(sql.format(":dataset"), {"dataset": self.dataset}).first()
        else:
            found = next(iter(self._raw(sql.format(self.mark), (self.dataset,))), None)
        if found is None:
            return None
        through = found[2]
        if isinstance(through, str):  # SQLite hands back text for a date read with text()
            through = date.fromisoformat(through[:10])
        return (int(found[0]), found[1], through)

    def lock(self) -> None:
        """Begin the import's transaction, holding off any other import into the data set
        until it ends: SQLite's write lock (``BEGIN IMMEDIATE``); on PostgreSQL an advisory
        lock on the data set, as nothing else orders two imports' reads and writes there."""
        if self.postgresql:
            key = int.from_bytes(hashlib.sha256(f"import {self.dataset}".encode()).digest()[:8],
                                 "big", signed=True)  # fmt: skip
            self._exec("SELECT pg_advisory_xact_lock(:key)", {"key": key})
        else:
            self._exec("SELECT 1")

    def vouch(self, import_id: int, digest: str, checked_through: date | None) -> None:
        """Mark the latest recorded import as holding what a file with ``digest`` gives.

        Called when every row of a file was checked and compared and nothing differed:
        the records held for its keys are then exactly what it gives under these rules,
        so the next import of the same file need not check its rows again. Only that
        cached digest changes; no record does.
        """
        self.connection.execute(
            text(
                "UPDATE data_import SET check_digest = :digest, checked_through = :through "
                "WHERE id = :id AND id = (SELECT MAX(id) FROM data_import WHERE dataset = :dataset)"
            ).bindparams(bindparam("through", type_=Date())),
            {
                "digest": digest,
                "through": checked_through,
                "dataset": self.dataset,
                "id": import_id,
            },
        )

    def withdrawn_keys(self, limit: int = WITHDRAWN_HELD) -> frozenset[str] | None:
        """The keys of the records withdrawn from the data set (read without a lock), or None
        when there are more than ``limit`` (too many to hold: the file is checked in full)."""
        found = self._raw(
            f"SELECT key FROM data_record WHERE dataset = {self.mark} AND withdrawn_at IS NOT "
            f"NULL LIMIT {int(limit) + 1}",
            (self.dataset,),
        )
        keys = frozenset(str(key) for (key,) in found)
        return None if len(keys) > limit else keys

    def withdrawn_count(self) -> int:
        """How many records are withdrawn, read in the import's transaction."""
        return self._count(withdrawn=True)

    def vouched(self, rows: int, withdrawn_in_file: int) -> Difference | None:
        """The difference for a file checked before and held as it is (nothing staged).

        Every key of such a file is held (records are never deleted) with the values the
        file gives, so all its rows are unchanged; what is held but not in the file is the
        records held less those of its rows that are not withdrawn. None when the records
        held cannot hold the file (fewer than its rows): it is then checked in full.
        """
        held = self._held()
        if rows - withdrawn_in_file > held:
            return None
        return Difference(
            added=0,
            updated=0,
            changed=[],
            unchanged=rows,
            not_in_file=held - (rows - withdrawn_in_file),
            sample_added=[],
        )

    def _held(self) -> int:
        """Records held and not withdrawn (counted in the index alone)."""
        return self._count(withdrawn=False)

    def _count(self, *, withdrawn: bool) -> int:
        """The data set's records withdrawn, or not, counted in the (dataset, withdrawn_at)
        index, in the import's transaction."""
        test = "IS NOT NULL" if withdrawn else "IS NULL"
        found = self._exec(
            f"SELECT COUNT(*) FROM data_record WHERE dataset = :dataset AND withdrawn_at {test}",
            {"dataset": self.dataset},
        ).scalar()
        return int(found or 0)

    def difference(self, sample: int) -> Difference:
        """How the staged rows differ from the records held (reads only; call after index)."""
        ds = {"dataset": self.dataset}
        held = self._held()
        anything = held or self._holds_any()
        # Withdrawn records stay withdrawn whatever a later file says: a file holding one
        # again leaves it as it is (counted unchanged), and one without it is no news.
        matched = matched_active = 0
        if anything:
            self._index()  # the withdrawn records are matched through it
            # Matched through the key index alone; the withdrawn (few) counted apart.
            matched = int(
                self._exec(
                    f"SELECT COUNT(*) FROM {STAGE} s WHERE EXISTS (SELECT 1 FROM data_record r "
                    "WHERE r.dataset = :dataset AND r.key = s.key)",
                    ds,
                ).scalar()
                or 0
            )
            withdrawn = int(
                self._exec(
                    "SELECT COUNT(*) FROM data_record r WHERE r.dataset = :dataset "
                    f"AND r.withdrawn_at IS NOT NULL AND EXISTS (SELECT 1 FROM {STAGE} s "
                    "WHERE s.key = r.key)",
                    ds,
                ).scalar()
                or 0
            )
            matched_active = matched - withdrawn
        self.fresh = matched == 0  # nothing held matches: every staged row is new
        if matched_active and self.postgresql:
            self._exec(
                f"INSERT INTO {CHANGED} (id, line) SELECT r.id, s.line {self._join()} "
                'WHERE r.withdrawn_at IS NULL AND r."values" <> s.vals',
                ds,
            )
        elif matched_active:
            # Same text: unchanged. Different text: compared again after SQLite's json()
            # minifies the stored text; what still differs is decoded and compared in Python.
            candidates = self._exec(
                f'SELECT r.id, s.line, r."values", s.vals {self._join()} '
                'WHERE r.withdrawn_at IS NULL AND r."values" <> s.vals '
                'AND json(r."values") <> s.vals',
                ds,
            )
            changed: list[tuple[int, int]] = []
            for rid, line, old, new in candidates:
                if json.loads(old) != json.loads(new):
                    changed.append((int(rid), int(line)))
            if changed:
                cursor = self.driver.cursor()
                try:
                    cursor.executemany(f"INSERT INTO temp.{CHANGED} VALUES (?, ?)", changed)
                finally:
                    cursor.close()
        added = self.rows - matched
        n_changed = int(self._exec(f"SELECT COUNT(*) FROM {CHANGED}").scalar() or 0)
        new_rows = (
            f"SELECT s.key FROM {STAGE} s ORDER BY s.line LIMIT :n"
            if self.fresh
            else f"SELECT s.key FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM data_record r "
            "WHERE r.dataset = :dataset AND r.key = s.key) ORDER BY s.line LIMIT :n"
        )
        sample_added = (
            [str(k) for (k,) in self._exec(new_rows, {**ds, "n": sample})] if added else []
        )
        changed_sample = [
            (int(rid), int(line), str(key), _loaded(old), _loaded(new))
            for rid, line, key, old, new in self._exec(
                f'SELECT r.id, c.line, r.key, r."values", s.vals FROM {CHANGED} c '
                "JOIN data_record r ON r.id = c.id "
                f"JOIN {STAGE} s ON s.line = c.line ORDER BY c.line LIMIT :n",
                {"n": sample},
            )
        ]
        return Difference(
            added=added,
            updated=n_changed,
            changed=changed_sample,
            unchanged=matched - n_changed,
            not_in_file=held - matched_active,
            sample_added=sample_added,
        )

    def apply(self, *, import_id: int, now: datetime) -> None:
        """Insert the new rows and update the changed ones (keeping their old values)."""
        stamp = bindparam("now", type_=DateTime(timezone=True))
        params = {"dataset": self.dataset, "import_id": import_id, "now": now}
        old = 'r."values"::json' if self.postgresql else 'r."values"'
        if not self.fresh:
            self._update_changed(stamp, params, old)
        self.connection.execute(
            text(
                'INSERT INTO data_record (dataset, key, "values", import_id, updated_at) '
                f"SELECT CAST(:dataset AS VARCHAR), s.key, s.vals, :import_id, :now FROM {STAGE} s "
                + (
                    ""
                    if self.fresh
                    else "WHERE NOT EXISTS (SELECT 1 FROM data_record r WHERE "
                    "r.dataset = :dataset AND r.key = s.key) "
                )
                + "ORDER BY s.line"
            ).bindparams(stamp),
            params,
        )

    def _update_changed(self, stamp: Any, params: dict[str, Any], old: str) -> None:
        """Keep the old values of the changed records, then store their new ones."""
        self.connection.execute(
            text(
                "INSERT INTO data_record_change (record_id, import_id, old_values, changed_at) "
                f"SELECT r.id, :import_id, {old}, :now FROM {CHANGED} c "
                "JOIN data_record r ON r.id = c.id ORDER BY c.line"
            ).bindparams(stamp),
            params,
        )
        if self.postgresql:
            update = (
                'UPDATE data_record SET "values" = s.vals, import_id = :import_id, '
                f"updated_at = :now FROM {CHANGED} c JOIN {STAGE} s ON s.line = c.line "
                "WHERE data_record.id = c.id"
            )
        else:
            update = (
                f'UPDATE data_record SET "values" = (SELECT s.vals FROM {CHANGED} c JOIN '
                f"{STAGE} s ON s.line = c.line WHERE c.id = data_record.id), "
                f"import_id = :import_id, updated_at = :now WHERE id IN (SELECT id FROM {CHANGED})"
            )
        self.connection.execute(text(update).bindparams(stamp), params)

    def drop(self) -> None:
        """Remove the SQLite TEMP tables (PostgreSQL's go with the transaction)."""
        if not self.postgresql:
            self._raw(f"DROP TABLE IF EXISTS temp.{STAGE}")
            self._raw(f"DROP TABLE IF EXISTS temp.{CHANGED}")


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@contextmanager
def staged(engine: Engine, dataset: str) -> Iterator[Stage]:
    """A connection with the import's stage on it; the caller commits, or all is undone."""
    with engine.connect() as connection:
        stage = Stage(connection, dataset)
        try:
            yield stage
        finally:
            if connection.in_transaction():
                connection.rollback()
            if not stage.postgresql:
                # Closing the connection discards its temporary database at once, where
                # dropping a stage of 100,000 rows frees its pages one by one (0.3 s).
                connection.invalidate()
            else:
                stage.driver.rollback()  # ends the transaction holding the stage


def record_import(connection: Connection, **values: Any) -> int:
    """The data_import row of an import that changes something; its id."""
    types: dict[str, Any] = {"imported_at": DateTime(timezone=True), "checked_through": Date()}
    data_import = table("data_import", column("id"), *(column(n, types.get(n)) for n in values))
    statement = insert(data_import).values(values).returning(data_import.c.id)
    return int(connection.execute(statement).scalar_one())
