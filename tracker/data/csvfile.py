"""Reading an untrusted CSV file as a stream of numbered rows, in bounded memory.

The encoding is UTF-8 (with or without the byte-order mark Excel writes for
"CSV UTF-8"), UTF-16 with a byte-order mark (Excel's "Unicode text"), or else
Windows-1252 (Excel's plain "CSV" on a UK Windows PC); bytes that are neither
are refused rather than guessed. The whole file is checked for the encoding in
one streaming pass before any row is read, so a stray byte near the end is
found before anything is imported. The delimiter (comma, semicolon or tab) is
the one that splits the header line into the most columns. Row numbers are
physical line numbers with the header as line 1, so a quoted cell that spans
lines does not throw them out.

A quote left open swallows the rest of the file into one cell; when the last
row of a file runs to its end across several lines and read strictly it ends
inside a quote, the file is refused with the line the quote starts on.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from tracker.data.table import Table, UnreadableFileError, split_header

MAX_CSV_BYTES = 500 * 1024 * 1024
HEAD = 1 << 16
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def _export_hint() -> str:
    return "export the data from the spreadsheet as 'CSV UTF-8' and import that"


def _valid(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes in ``encoding`` (streamed; nothing is kept)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(name: str, path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00
        encodings = ["utf-32"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        if b"\x00" in head:
            raise UnreadableFileError(
                name,
                "does not look like a text CSV file (it contains binary data)",
                hint=_export_hint(),
            )
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        if _valid(path, encoding):
            return encoding
    raise UnreadableFileError(
        name,
        "is not in a text encoding tracker recognises (UTF-8 or Windows-1252)",
        hint=_export_hint(),
    )


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever splits the first non-blank line into most columns."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_count = ",", 0
    for delimiter in (",", ";", "\t"):
        try:
            count = len(next(csv.reader([first], delimiter=delimiter)))
        except (csv.Error, StopIteration):
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read, for a progress bar over a streamed file."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb", buffering=0)
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer) or 0
        self.count += n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def _unclosed_quote(name: str, line: int) -> UnreadableFileError:
    return UnreadableFileError(
        name,
        f"has an unclosed quote starting on line {line} (everything after it would be read as "
        "one cell)",
        hint='add the closing " on that line, or export the file again',
    )


def _one_long_cell(path: Path, encoding: str, line: int) -> bool:
    """Whether physical line ``line`` is itself over the csv field limit with its quotes closed.

    Told apart from a quote left open, which also makes a cell over the limit but only by
    running on over the lines after it.
    """
    limit = csv.field_size_limit()
    with path.open(encoding=encoding, newline="") as fh:
        for _ in range(line - 1):
            fh.readline()
        text = fh.readline(4 * limit)
    return len(text) > limit and text.count('"') % 2 == 0


def _ends_inside_quote(path: Path, encoding: str, delimiter: str, line: int) -> bool:
    """Whether the file, read strictly from physical line ``line``, ends inside a quote."""
    with path.open(encoding=encoding, newline="") as fh:
        for _ in range(line - 1):
            if not fh.readline():
                return False
        try:
            for _ in csv.reader(fh, delimiter=delimiter, strict=True):
                pass
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
    return False


def open_csv(path: Path) -> Table:
    """The header of a CSV file, and its non-blank rows as a stream (``Table.rows``)."""
    name = path.name
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise UnreadableFileError(
            name,
            f"is {size // (1024 * 1024)} MB, more than tracker imports in one file "
            f"({MAX_CSV_BYTES // (1024 * 1024)} MB)",
            hint="split it into smaller files and import each",
        )
    with path.open("rb") as fh:
        head = fh.read(HEAD)
    if not head.strip() and size <= HEAD:
        raise UnreadableFileError(
            name, "is empty", hint="export the data again with its header row"
        )
    if head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC):
        raise UnreadableFileError(
            name,
            "is a spreadsheet workbook, not a CSV file",
            hint="give it the extension .xlsx if it is one, or export it as CSV",
        )
    encoding = _encoding(name, path, head)
    head_text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    delimiter = _sniff_delimiter(head_text)
    raw = _Counting(path)
    text = io.TextIOWrapper(io.BufferedReader(raw, HEAD), encoding=encoding, newline="")
    rows = CsvRows(name, path, encoding, delimiter, text)
    try:
        header_line, headers = split_header(name, rows.all_rows())
    except BaseException:
        rows.close()
        raise
    return Table(
        file=name,
        header_line=header_line,
        headers=headers,
        rows=rows,
        encoding=encoding,
        delimiter=delimiter,
        size=size,
        position=lambda: raw.count,
    )


class CsvRows:
    """A CSV file's rows as a stream: one at a time (blank rows skipped), or many at a time.

    ``chunk`` is the importer's way in: it reads up to ``size`` rows with the csv
    module at C speed and works out their line numbers from the reader's count,
    without a Python generator per row.
    """

    def __init__(self, name: str, path: Path, encoding: str, delimiter: str, text: Any) -> None:
        self.name, self.path, self.encoding, self.delimiter = name, path, encoding, delimiter
        self._text = text
        self._reader = csv.reader(text, delimiter=delimiter)
        self._line = 1  # the physical line the next row starts on
        self._last_spanned: int | None = None  # the last row read, when it ran over lines
        self.done = False

    def _error(self, exc: csv.Error) -> UnreadableFileError:
        if "field larger than field limit" in str(exc):
            if _one_long_cell(self.path, self.encoding, self._line):
                return UnreadableFileError(
                    f"{self.name}:{self._line}",
                    f"has a cell of more than {csv.field_size_limit():,} characters, far more "
                    "than any column tracker imports",
                    hint="remove the long text from that row, or export the file again",
                )
            return _unclosed_quote(self.name, self._line)
        return UnreadableFileError(
            f"{self.name}:{self._reader.line_num}",
            f"cannot be read as CSV ({exc})",
            hint="check the quotes on that line, or export the file again",
        )

    def _finish(self) -> None:
        """At the end of the file: refuse it if its last row ends inside a quote."""
        self.done = True
        self.close()
        last = self._last_spanned
        if last is not None and _ends_inside_quote(self.path, self.encoding, self.delimiter, last):
            raise _unclosed_quote(self.name, last)

    def all_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every row, blank ones too, with the line it starts on."""
        reader = self._reader
        while not self.done:
            try:
                cells = next(reader)
            except StopIteration:
                self._finish()
                return
            except csv.Error as exc:
                self.close()
                raise self._error(exc) from None
            line = self._line
            self._last_spanned = line if reader.line_num > line else None
            self._line = reader.line_num + 1
            yield line, cells

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """The rows that are not blank, one at a time."""
        for line, cells in self.all_rows():
            for c in cells:
                if c and not c.isspace():
                    yield line, cells
                    break

    def chunk(self, size: int) -> tuple[list[int], list[list[str]]]:
        """Up to ``size`` rows that are not blank, and their lines; empty at the end."""
        if self.done:
            return [], []
        reader = self._reader
        rows: list[list[str]] = []
        ends: list[int] = []
        append, end = rows.append, ends.append
        try:
            for cells in islice(reader, size):
                append(cells)
                end(reader.line_num)
        except csv.Error as exc:
            if ends:
                self._line = ends[-1] + 1
            self.close()
            raise self._error(exc) from None
        if rows:
            lines = [self._line, *map((1).__add__, ends[:-1])]
            self._last_spanned = lines[-1] if ends[-1] > lines[-1] else None
            self._line = ends[-1] + 1
        else:
            lines = []
        if len(rows) < size:
            self._finish()
        joined = list(map("".join, rows))
        if "" in joined or True in map(str.isspace, joined):
            kept = [i for i, j in enumerate(joined) if j and not j.isspace()]
            lines, rows = [lines[i] for i in kept], [rows[i] for i in kept]
        return lines, rows

    def close(self) -> None:
        self._text.close()


def read_csv(path: Path) -> Table:
    """The header and every non-blank row of a CSV file, in memory (small files, tests)."""
    table = open_csv(path)
    table.rows = list(table.rows)
    return table
