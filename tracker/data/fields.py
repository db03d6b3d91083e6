"""From a cell in someone's spreadsheet to the canonical value tracker stores.

The people who prepare referral and training data type dates in several ways,
spell categories their own way and leave cells blank. Every cell passes
through here on import so that what is stored is always the same shape (see
notes/data-contract.md): a date is an ISO string, an integer an int, a
category its canonical value (never the alias), text a stripped string, and
blank is null. Each row also gets its derived fields -- the day number,
month, financial quarter and year of every date, the roll-up group of a
category, the band of an integer -- so summaries and KPIs group in SQL.

Dates (decided deliberately; ambiguous input is an error, never a guess):

* accepted: ISO ``2020-04-01``, UK day-first ``01/04/2020``, ``1/4/2020``,
  ``01.04.2020`` and ``01-04-2020`` (a time after either, as Excel writes a
  date-time column to CSV -- ``01/04/2020 14:35`` -- is ignored), the day and
  month name ``1 April 2020`` / ``1-Apr-2020``, and date cells from Excel;
* refused as ambiguous: any two-digit year (``04/01/20``: which century, and is
  it day or month first?) and year-first with slashes or dots (``2020/04/01``,
  read year-day-month in some systems and year-month-day in others);
* refused: a plain number in a date column (an Excel date serial without a
  date format is indistinguishable from a typo), impossible dates (31/02/2020,
  or the US order 04/13/2020) and years outside 1900-2100.

Integers: ``12``, ``'12'``, ``12.0``, ``'12.0'`` and ``'1,200'`` are accepted;
``12.5``, ``'twelve'`` and TRUE/FALSE are not. Categories match the value or
any alias ignoring case and surrounding or repeated spaces. An Excel error
value (``#N/A``, ``#REF!``...) in any column is an error, never a value. A date
field declaring ``not_before: F`` (decided_on, not before received_on) may not
be earlier than field F in the same row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from tracker.periods import parse_date, period_of
from tracker.plan.schema import DataField, Dataset
from tracker.privacy import identifying_value
from tracker.usertext import has_bidi_control

KEY_SEPARATOR = "\x1f"
MAX_TEXT = 500
_MIN_YEAR, _MAX_YEAR = 1900, 2100
# Dates more than this many years before the strategy starts are refused as typos (1920
# for 2020); ten years leaves room for the baselines KPIs compare with.
EARLIEST_YEARS = 10

_SPACES = re.compile(r"\s+")
_HEADER_JUNK = re.compile(r"[^0-9a-z]+")
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?)?"
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME + "$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$|^\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2}$")
_YEAR_FIRST_SLASH = re.compile(r"^\d{4}[/.]\d{1,2}[/.]\d{1,2}$")
_MONTH_NAME = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ -]([A-Za-z]{3,9})\.?,?[ -](\d{4})$")
_INTEGER = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_LARGEST = 2**63 - 1  # what a database integer column holds
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}

DATE_FORMS = "DD/MM/YYYY or YYYY-MM-DD"

# Excel's error values, as a workbook holds them and as Excel writes them to CSV.
EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#DIV/0!",
        "#REF!",
        "#NAME?",
        "#VALUE!",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#GETTING_DATA",
        "#UNKNOWN!",
    }
)


def _excel_error(name: str, raw: Any) -> CellError | None:
    """A CellError when ``raw`` is an Excel error value (#N/A from a failed look-up...)."""
    if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
        return CellError(
            f"{name} {shown(raw.strip())} is an Excel error from a formula, not a value; "
            "correct the formula or type the value"
        )
    return None


class CellError(Exception):
    """A cell's value is not allowed; the message names the field, the value and what is."""


def normalise_header(text: Any) -> str:
    """A header as compared with field names and labels: no case, spaces or punctuation."""
    return _HEADER_JUNK.sub("", str(text).casefold())


def normalise_value(text: str) -> str:
    """A category spelling as compared with values and aliases."""
    return _SPACES.sub(" ", text).strip().casefold()


def shown(value: Any) -> str:
    """A value quoted for a message, shortened if long -- unless it looks identifying.

    Messages reach terminals, logs and emails: a postcode typed into a district cell, or
    an NHS number into an age, is named by its kind and never repeated.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return f"'{value.isoformat()}'"
    kind = identifying_value(str(value))
    if kind is not None:
        return f"[{kind}, not repeated here]"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("\r", " ").replace("\n", " ")
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"


# --- dates -----------------------------------------------------------------------


def _check_year(name: str, raw: Any, day: date) -> date:
    if not _MIN_YEAR <= day.year <= _MAX_YEAR:
        raise CellError(
            f"{name} {shown(raw)} is outside the years {_MIN_YEAR} to {_MAX_YEAR}; check the year"
        )
    return day


def parse_date_cell(name: str, raw: Any) -> date:
    """The date in a cell, or CellError saying why it is not one (see the module notes)."""
    if isinstance(raw, datetime):
        return _check_year(name, raw, raw.date())
    if isinstance(raw, date):
        return _check_year(name, raw, raw)
    if isinstance(raw, bool | time | timedelta):
        raise CellError(f"{name} {shown(raw)} is not a date; write it as {DATE_FORMS}")
    if isinstance(raw, int | float):
        raise CellError(
            f"{name} {shown(raw)} is a number, not a date; format the column as a date "
            f"in the spreadsheet or write it as {DATE_FORMS}"
        )
    if raw.__class__ is str and len(raw) == 10:  # 2020-04-01 or 01/04/2020, as most files
        day = _plain_date(raw)
        if day is not None:
            return _check_year(name, raw, day)
    text = str(raw).strip()
    error = _excel_error(name, text)
    if error:
        raise error
    if _TWO_DIGIT_YEAR.match(text):
        raise CellError(
            f"{name} {shown(raw)} has a two-digit year, which is ambiguous; "
            f"write it as {DATE_FORMS}"
        )
    if _YEAR_FIRST_SLASH.match(text):
        raise CellError(
            f"{name} {shown(raw)} is ambiguous (year first with slashes); write it as {DATE_FORMS}"
        )
    m = _ISO_DATE.match(text)
    if m:
        return _real_date(name, raw, text[: m.end(3)])
    m = _DAY_FIRST.match(text)
    if m:
        return _real_date(name, raw, f"{m.group(1)}/{m.group(2)}/{m.group(3)}")
    m = _MONTH_NAME.match(text)
    if m and m.group(2).casefold() in _MONTHS:
        d, mo, y = int(m.group(1)), _MONTHS[m.group(2).casefold()], int(m.group(3))
        return _real_date(name, raw, f"{d}/{mo}/{y}")
    raise CellError(f"{name} {shown(raw)} is not a date; write it as {DATE_FORMS}")


def _plain_date(text: str) -> date | None:
    """The date of ten characters written YYYY-MM-DD or DD/MM/YYYY, or None for any other text
    (or no such day): the rules below then decide, and say what is wrong."""
    try:
        if text[4] == "-" == text[7] and (text[:4] + text[5:7] + text[8:]).isdecimal():
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        if text[2] == "/" == text[5] and (text[:2] + text[3:5] + text[6:]).isdecimal():
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        pass
    return None


def _real_date(name: str, raw: Any, text: str) -> date:
    from tracker.errors import InvalidValueError

    try:
        day = parse_date(text, what=name)
    except InvalidValueError:
        raise CellError(
            f"{name} {shown(raw)} is not a real date; dates are read day first ({DATE_FORMS})"
        ) from None
    return _check_year(name, raw, day)


# --- integers and text ------------------------------------------------------------


def parse_integer_cell(name: str, raw: Any) -> int:
    """A whole number from a cell: 12, 12.0, '12', '12.0' or '1,200'."""
    if isinstance(raw, bool):
        raise CellError(f"{name} {shown(raw)} is not a whole number")
    if isinstance(raw, int | float) and not -_LARGEST <= raw <= _LARGEST:
        raise CellError(f"{name} {shown(raw)} is too large to be a whole number here")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(f"{name} {shown(raw)} is not a whole number")
    text = str(raw).strip()
    if len(text) > 24:  # int() refuses 4,300+ digits; nothing counted here needs 19
        raise CellError(f"{name} {shown(raw)} is too large to be a whole number here")
    if _INTEGER.match(text):
        return int(text.split(".")[0])
    if _THOUSANDS.match(text):
        return int(text.replace(",", ""))
    raise _excel_error(name, text) or CellError(f"{name} {shown(raw)} is not a whole number")


def text_of(raw: Any) -> str:
    """A cell as text: numbers without a trailing .0, dates in ISO form."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime) and raw.time() == time(0):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip()


# --- compiled fields --------------------------------------------------------------

Parser = Callable[[Any], Any]


def allowed_values(field: DataField) -> str:
    return ", ".join(v.value for v in field.values or [])


def _category_parser(field: DataField) -> Parser:
    lookup: dict[str, str] = {}
    for v in field.values or []:
        for spelling in (v.value, *v.aliases):
            lookup[normalise_value(spelling)] = v.value
    allowed = allowed_values(field)
    name = field.name

    seen: dict[str, str] = {}  # spellings met so far, exactly as written

    def parse(raw: Any) -> str:
        if raw.__class__ is str:
            found = seen.get(raw)
            if found is not None:
                return found
            key = normalise_value(raw)
        elif isinstance(raw, bool):
            key = "true" if raw else "false"
        else:
            key = normalise_value(text_of(raw))
        found = lookup.get(key)
        if found is None:
            raise _excel_error(name, raw) or CellError(
                f"{name} {shown(raw)} is not one of {allowed}"
            )
        if raw.__class__ is str and len(seen) < 10_000:
            seen[raw] = found
        return found

    return parse


def _integer_parser(field: DataField) -> Parser:
    name, low, high = field.name, field.min, field.max

    def parse(raw: Any) -> int:
        value = parse_integer_cell(name, raw)
        if low is not None and value < low:
            raise CellError(f"{name} {shown(value)} is below the minimum {low}")
        if high is not None and value > high:
            raise CellError(f"{name} {shown(value)} is above the maximum {high}")
        return value

    return parse


def _date_parser(
    field: DataField, latest: date | None = None, earliest: date | None = None
) -> Parser:
    name = field.name
    cache: dict[Any, str | CellError] = {}
    floor = _earliest_allowed(earliest)

    def parse(raw: Any) -> str:
        try:
            found = cache[raw]
        except (KeyError, TypeError):
            try:
                day = parse_date_cell(name, raw)
                found = day.isoformat()
                if latest is not None and day > latest:
                    found = CellError(
                        f"{name} {found} is in the future (today is {latest.isoformat()}); "
                        "check the date"
                    )
                elif floor is not None and day < floor:
                    found = CellError(
                        f"{name} {found} is more than {EARLIEST_YEARS} years before the "
                        f"strategy starts ({earliest}); check the year"
                    )
            except CellError as exc:
                found = exc
            if len(cache) < 100_000:
                cache[raw] = found
        if isinstance(found, CellError):
            raise CellError(str(found))
        return found

    return parse


def _text_parser(field: DataField) -> Parser:
    name = field.name

    def parse(raw: Any) -> str:
        text = raw.strip() if isinstance(raw, str) else text_of(raw)
        if len(text) > MAX_TEXT:
            raise CellError(f"{name} is longer than {MAX_TEXT} characters; shorten it")
        if text[:1] == "#" and text.upper() in EXCEL_ERRORS:
            raise CellError(str(_excel_error(name, text)))
        if has_bidi_control(text):
            raise CellError(
                f"{name} holds a bidi control character (U+202A-U+202E or U+2066-U+2069), "
                "which can make text display reversed; remove it"
            )
        kind = identifying_value(text)
        if kind:
            # The value itself is not repeated: error lists end up in emails and logs.
            raise CellError(
                f"{name} holds what looks like {kind}; identifying data must not be "
                "imported: remove it"
            )
        return text

    return parse


_PARSERS: dict[str, Callable[[DataField], Parser]] = {
    "category": _category_parser,
    "integer": _integer_parser,
    "date": _date_parser,
    "text": _text_parser,
}


def field_parser(
    field: DataField, *, latest: date | None = None, earliest: date | None = None
) -> Parser:
    """A function from a non-blank cell to the field's canonical value (raises CellError).

    Dates after ``latest`` (today, or the as-of date) are refused, and so are dates
    more than ``EARLIEST_YEARS`` years before ``earliest`` (the strategy's start).
    """
    if field.type == "date":
        return _date_parser(field, latest, earliest)
    return _PARSERS[field.type](field)


def _earliest_allowed(start: date | None) -> date | None:
    if start is None:
        return None
    return date(start.year - EARLIEST_YEARS, 1, 1)


def _required_message(field: DataField) -> str:
    if field.type == "category":
        return f"{field.name} is empty but required; give one of {allowed_values(field)}"
    if field.type == "date":
        return f"{field.name} is empty but required; give a date as {DATE_FORMS}"
    if field.type == "integer":
        return f"{field.name} is empty but required; give a whole number"
    return f"{field.name} is empty but required"


@dataclass(frozen=True)
class _Compiled:
    name: str
    parse: Parser
    required_message: str | None


Build = Callable[[Sequence[Any]], dict[str, Any]]


class RowBuilder:
    """Turns the cells of one row into the stored values of a data set (data-contract.md).

    ``build`` takes the cells by field name (fields missing from the file may be
    absent); ``for_columns(names)`` gives a faster function taking the cells of
    just those fields, in that order, as the importer reads them. Either returns
    the values dict with every declared and derived field, or raises
    ``RowErrors`` listing every problem in the row.
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        financial_year_start_month: int = 4,
        latest: date | None = None,
        earliest: date | None = None,
    ) -> None:
        self.dataset = dataset
        self.start_month = financial_year_start_month
        self.fields = list(dataset.fields)
        self._compiled = {
            f.name: _Compiled(
                f.name,
                field_parser(f, latest=latest, earliest=earliest),
                _required_message(f) if f.required else None,
            )
            for f in self.fields
        }
        self._date_fields = [f.name for f in self.fields if f.type == "date"]
        self._periods: dict[str, tuple[int, str, str, str]] = {}
        self._months: dict[tuple[int, int], tuple[str, str, str]] = {}
        self._groups = {
            f.name: {v.value: v.group or v.value for v in f.values or []}
            for f in self.fields
            if f.type == "category" and any(v.group for v in f.values or [])
        }
        self._bands = [
            (f.name, f.band_field, [(b.label, b.max) for b in f.bands])
            for f in self.fields
            if f.type == "integer" and f.bands and f.band_field
        ]
        self._order = [
            (f.name, f.not_before)
            for f in self.fields
            if f.type == "date" and f.not_before and f.not_before != f.name
        ]
        self.key_fields = list(dataset.key)
        self._template: dict[str, Any] = dict.fromkeys(
            [*(f.name for f in self.fields), *self.dataset.derived_names()]
        )
        self._all = self.for_columns([f.name for f in self.fields])

    def _period_parts(self, iso: str) -> tuple[int, str, str, str]:
        parts = self._periods.get(iso)
        if parts is None:
            day = date.fromisoformat(iso)
            labels = self._months.get((day.year, day.month))
            if labels is None:  # a few hundred months hold the thousands of dates
                labels = (
                    f"{day.year}-{day.month:02d}",
                    period_of(day, "quarter", self.start_month).label,
                    period_of(day, "year", self.start_month).label,
                )
                self._months[(day.year, day.month)] = labels
            parts = (day.toordinal(), *labels)
            self._periods[iso] = parts
        return parts

    def build(self, cells: dict[str, Any]) -> dict[str, Any]:
        return self._all([cells.get(f.name) for f in self.fields])

    def for_columns(self, names: Sequence[str]) -> Build:
        """A function from the cells of fields ``names`` (in that order) to the stored values.

        Required fields not in ``names`` are reported missing in every row, so
        callers check the columns first.
        """
        compiled = [self._compiled[n] for n in names]
        absent = [
            (c.name, c.required_message)
            for c in self._compiled.values()
            if c.name not in set(names) and c.required_message
        ]
        template = self._template
        bands = self._bands
        dates = [
            (n, f"{n}_day", f"{n}_month", f"{n}_quarter", f"{n}_year") for n in self._date_fields
        ]
        groups = [(n, f"{n}_group", g) for n, g in self._groups.items()]
        order = self._order
        period_parts = self._period_parts
        periods = self._periods

        def build(cells: Sequence[Any]) -> dict[str, Any]:
            values = template.copy()
            problems: list[tuple[str, str]] = list(absent) if absent else []
            for c, raw in zip(compiled, cells, strict=True):
                if raw is None or (raw.__class__ is str and not raw.strip()):
                    if c.required_message:
                        problems.append((c.name, c.required_message))
                    continue
                try:
                    values[c.name] = c.parse(raw)
                except CellError as exc:
                    problems.append((c.name, str(exc)))
            for name, band_field, limits in bands:
                value = values[name]
                if value is None:
                    continue
                band = next((label for label, top in limits if top is None or value <= top), None)
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
                            f"{band_field} '{given}' does not match {name} {value}, which is "
                            f"in '{band}'; correct one of them or leave {band_field} empty",
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
                raise RowErrors(problems, values)
            for name, day, month, quarter, year in dates:
                iso = values[name]
                if iso is not None:
                    parts = periods.get(iso) or period_parts(iso)
                    values[day], values[month], values[quarter], values[year] = parts
            for name, group, lookup in groups:
                value = values[name]
                if value is not None:
                    values[group] = lookup[value]
            return values

        return build

    def key_of(self, values: dict[str, Any]) -> str:
        """The row's unique key: its key fields' stored values joined with \\x1f."""
        return KEY_SEPARATOR.join(
            "" if values[k] is None else str(values[k]) for k in self.key_fields
        )


class RowErrors(Exception):
    """Every problem in one row, as (field name, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], values: dict[str, Any]) -> None:
        self.problems = problems
        self.values = values  # what could be read (fields with problems are None)
        super().__init__("; ".join(m for _, m in problems))
