"""Tables that fit the terminal, and a stacked layout for when one cannot.

Rich shrinks a table that is too wide by narrowing its widest columns, below the
length of their longest word if need be, and crops columns that may not wrap:
at 60 columns a reason read "no update sinc" and a KPI name "assessm / ents".
So every table the CLI prints goes through ``fit_table``: each column is given
a fixed width of at least its longest word (all of its text when it may not
wrap), and the room left goes to the columns that are narrowest, until each
has all it needs or the room is used up (a column's ``ratio`` weights its share).
When even the longest words do not fit side by side, the renderer prints the
same rows as records instead (``print_records``): one line per field, a label
on the left and the value wrapped at word boundaries on the right. Only a
single token longer than the whole line (a long path or address) is folded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# A record: (label, value) pairs; the first pair names the row (an id and a title).
Record = Sequence[tuple[str, Any]]
INDENT = 2  # a record's fields sit this far in from its heading line


def fit_table(console: Any, table: Any, *, width: int | None = None) -> bool:
    """Fix the widths of ``table``'s columns so it fits ``console`` (or ``width``) whole.

    Returns False, leaving the table as it was, when the columns' longest words
    (and the whole text of columns that may not wrap) need more room than there is.
    """
    from rich.measure import Measurement

    # Rich's own measures of borders and padding, so the sums match how it draws the table.
    try:
        borders, padding = table._extra_width, table._get_padding_width
    except AttributeError:  # a Rich without them: records, which never crop, are safe
        return False
    available = (console.width if width is None else width) - borders
    options = console.options.update_width(max(available, 1))
    lows: list[int] = []
    highs: list[int] = []
    pads: list[int] = []
    for index, column in enumerate(table.columns):
        pad = padding(index)
        cells = [column.header, *column.cells]
        if column.width is not None:
            low = high = column.width
        else:
            sizes = [Measurement.get(console, options, cell) for cell in cells]
            high = max((s.maximum for s in sizes), default=1)
            low = high if column.no_wrap else max((s.minimum for s in sizes), default=1)
            if column.min_width is not None:
                low, high = max(low, column.min_width), max(high, column.min_width)
        lows.append(low + pad)
        highs.append(high + pad)
        pads.append(pad)
    if sum(lows) > available:
        return False
    weights = [column.ratio or 1 for column in table.columns]
    widths = _share(lows, highs, weights, available)
    for column, width, pad in zip(table.columns, widths, pads, strict=True):
        column.width = max(width - pad, 1)
    return True


def _share(lows: list[int], highs: list[int], weights: list[int], available: int) -> list[int]:
    """Widths from ``lows`` towards ``highs`` within ``available``, narrowest column first.

    Like water filling a row of jars: a column that needs little gets all it needs,
    and the long texts share what is left (in proportion to their columns' ``ratio``).
    """
    if sum(highs) <= available:
        return list(highs)
    widths = list(lows)
    for _ in range(available - sum(lows)):
        growing = [i for i, w in enumerate(widths) if w < highs[i]]
        if not growing:
            break
        widths[min(growing, key=lambda i: widths[i] / weights[i])] += 1
    return widths


def print_records(console: Any, records: Iterable[Record], *, title: Any = None) -> None:
    """Rows as records: the first field as a heading line, then a label and value a line.

    Values wrap at word boundaries beside their labels; a blank line separates records.
    """
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    if title is not None:
        console.print(title if isinstance(title, Text) else Text(str(title)))
    for n, (first, *fields) in enumerate(records):
        if n:
            console.print()
        name, value = first
        console.print(Text.assemble((name, "bold"), " ", _text(value)))
        if not fields:
            continue
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", overflow="fold", ratio=1)
        grid.add_column(overflow="fold", ratio=4)  # fold only a token longer than the line
        for label, field in fields:
            grid.add_row(Text(label), _text(field))
        fit_table(console, grid, width=console.width - INDENT)  # else Rich folds the longest
        console.print(Padding(grid, (0, 0, 0, INDENT), expand=False))


def _text(value: Any) -> Any:
    from rich.text import Text

    return Text(value) if isinstance(value, str) else value


def print_table_or_records(
    console: Any, table: Any, records: Iterable[Record], *, title: Any = None
) -> None:
    """``table`` when it fits the terminal without breaking a word, else the same as records."""
    if fit_table(console, table):
        console.print(table)
    else:
        print_records(console, records, title=title)


def print_lines(console: Any, lines: Iterable[str]) -> None:
    """Plain lines wrapped at word boundaries, each continuation under its own first word."""
    from rich.padding import Padding
    from rich.text import Text

    for line in lines:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        if not text:
            console.print()
        elif indent:
            console.print(Padding(Text(text), (0, 0, 0, indent), expand=False))
        else:
            console.print(Text(text))


# A shell word: quoted runs kept whole, so a wrapped command still pastes as one.
_SHELL_WORD = r"""(?:"[^"]*"|'[^']*'|[^\s"'])+"""


def command_lines(command: str, width: int, indent: int = 0) -> list[str]:
    """``command`` folded at word boundaries into lines that end with `` \\``, as a shell continues.

    A quoted argument is never split, so the lines pasted into a shell run the
    command as written. A single word wider than the line is left whole on a line
    of its own (the terminal folds it).
    """
    import re

    words = re.findall(_SHELL_WORD, command)
    lines: list[str] = []
    current = " " * indent
    for word in words:
        first = current.strip() == ""
        candidate = current + word if first else f"{current} {word}"
        if len(candidate) + 2 <= width or first:  # room for " \\" after it
            current = candidate
        else:
            lines.append(current + " \\")
            current = " " * (indent + 4) + word
    lines.append(current)
    return lines


def print_commands(console: Any, lines: Iterable[str]) -> None:
    """Commands to try (``tracker ...``) folded as a shell continues them; other lines wrapped."""
    from rich.text import Text

    for line in lines:
        text = line.lstrip(" ")
        if not text.startswith("tracker "):
            print_lines(console, [line])
            continue
        for part in command_lines(text, console.width, len(line) - len(text)):
            console.print(Text(part), soft_wrap=False)
