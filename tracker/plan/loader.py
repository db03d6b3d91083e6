"""Reading ``objectives.yaml`` into a ``Plan``, reporting every problem with its line.

YAML is composed into nodes first so each value keeps the line it came from;
pydantic then checks types and forms, and ``tracker.plan.validate`` checks
references. All problems are gathered and returned together, each as
``FILE:LINE: message`` ending with what to fix, so an officer can correct the
whole file in one pass.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from tracker.errors import PlanError, Problem
from tracker.plan.lines import LineMap, Path_
from tracker.plan.names import clean, describe, union_member
from tracker.plan.schema import Plan
from tracker.plan.text import check_text
from tracker.plan.validate import cross_check


@dataclass(frozen=True)
class ParsedPlan:
    plan: Plan
    lines: LineMap
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# A plan has a few thousand values; far more means aliases multiplying one another
# (a "billion laughs" file), which would exhaust memory.
MAX_NODES = 200_000


class _TooBig(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Loop(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Composer:
    """Turn a YAML node tree into plain data plus a line map, noting duplicate keys."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")
        self._nodes = 0
        self._open: set[int] = set()  # collections being built: an alias to one is a loop

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(node.start_mark.line + 1)
        if isinstance(node, yaml.CollectionNode):
            if id(node) in self._open:
                raise _Loop(node.start_mark.line + 1)
            self._open.add(id(node))
            try:
                return self._collection(node, path)
            finally:
                self._open.discard(id(node))
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError):
            # e.g. 2019-13-01 looks like a date but is not one: keep the text so the
            # schema check reports it against its field with the usual message.
            return node.value

    def _collection(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = str(key)
                if key in result:
                    self.problems.append(
                        Problem(
                            self.file,
                            key_node.start_mark.line + 1,
                            f"key '{key}' appears twice in the same block; keep one of them",
                        )
                    )
                    continue
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, index)))
            return items
        return None


# The shipped plan is about 30 KB; a plan file this large is not a plan.
MAX_PLAN_BYTES = 5_000_000


def read_plan_text(path: Path) -> str:
    def fail(message: str) -> PlanError:
        return PlanError(str(path), [Problem(str(path), None, message)])

    try:
        if path.is_dir():
            raise fail("is a folder, not a file; give the path of the plan file (objectives.yaml)")
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            raise fail(
                f"is {size / 1_000_000:.0f} MB, far too large for a plan (the shipped plan is "
                "about 30 KB); check you named the right file"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("file not found; check the path, or run 'tracker init' to create one") from None
    except PermissionError:
        raise fail("cannot be read: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc}); check the path") from exc
    if b"\0" in data:
        raise fail("is a binary file, not YAML text; give the path of the plan file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PlanError(
            str(path),
            [
                Problem(
                    str(path),
                    line,
                    f"byte {data[exc.start]:#04x} is not UTF-8 text; save the file as UTF-8 "
                    "(in Excel or Notepad: Save As, encoding UTF-8)",
                )
            ],
        ) from None


def _compose(text: str) -> Any:
    """The YAML node tree: by libyaml where it is installed (fifteen times faster; every
    command that loads a plan parses it), and on any error, or any tab, by PyYAML's own
    parser, whose verdicts, messages and marks are the ones tracker reports."""
    fast = getattr(yaml, "CSafeLoader", None)
    # libyaml accepts a tab after a colon, which PyYAML refuses: such a plan goes to PyYAML,
    # so it is read (or refused) alike wherever tracker runs, with or without libyaml.
    if fast is not None and "\t" not in text:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


# Blocks inside blocks, as deep as any plan goes: the shipped plan nests six deep.
MAX_DEPTH = 64


def _too_deep(text: str) -> int | None:
    """The line where blocks first nest deeper than MAX_DEPTH (by the event stream, which
    PyYAML reads without recursion), else None."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH and event.start_mark is not None:
                    return int(event.start_mark.line) + 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def parse_plan(
    text: str, *, file: str = "objectives.yaml"
) -> tuple[Plan | None, LineMap, list[Problem]]:
    """Parse and validate plan text; returns the plan (None if invalid), the line map, problems."""
    try:
        return _parse_plan(text, file)
    except RecursionError:  # nesting deeper than the parser and the schema check can follow
        message = (
            f"blocks are nested more than {MAX_DEPTH} deep here, which no plan needs; "
            "check the indentation and the [ ] and { } brackets"
        )
        return None, LineMap({}), [Problem(file, _too_deep(text), message)]


def _parse_plan(text: str, file: str) -> tuple[Plan | None, LineMap, list[Problem]]:
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        return (
            None,
            LineMap({}),
            [Problem(file, line, f"YAML syntax error: {what}; check indentation and quoting here")],
        )
    except yaml.reader.ReaderError as exc:  # a character YAML may not hold, e.g. U+FFFE
        line = text.count("\n", 0, exc.position) + 1
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return (
            None,
            LineMap({}),
            [
                Problem(
                    file,
                    line,
                    f"YAML syntax error: {character} is not allowed in a YAML file; remove it "
                    "(it may have been pasted in with the text)",
                )
            ],
        )
    except yaml.YAMLError as exc:
        what = " ".join(str(exc).split())  # one line, whatever the parser wrote
        return None, LineMap({}), [Problem(file, None, f"YAML syntax error: {what}")]
    if node is None:
        message = (
            "the file is empty; start from the shipped plan "
            "('tracker init DIR' writes one) and edit it"
        )
        return None, LineMap({}), [Problem(file, 1, message)]
    if not isinstance(node, yaml.MappingNode):
        found = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
        message = (
            f"the plan is {found}; it must be sections 'plan:', 'owners:', 'distribution:', "
            "'objectives:'..., each starting at the left margin"
        )
        return None, LineMap({}), [Problem(file, node.start_mark.line + 1, message)]
    composer = _Composer(file)
    try:
        data = composer.build(node, ())
    except _TooBig as exc:
        message = (
            f"the plan has more than {MAX_NODES:,} values (aliases repeating one another?); "
            "write the plan out without multiplying aliases"
        )
        return None, LineMap({}), [Problem(file, exc.line, message)]
    except _Loop as exc:
        message = "this alias refers to a block that contains it; remove the loop"
        return None, LineMap({}), [Problem(file, exc.line, message)]
    lines = LineMap(composer.lines)
    problems = [*composer.problems, *check_text(data, lines, file)]
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems.extend(_schema_problems(exc, lines, file, data))
        try:
            reported = [clean(err["loc"], data) for err in exc.errors(include_url=False)]
            unvalidated = construct_unvalidated(Plan, data)
            problems.extend(cross_check(unvalidated, lines, file, reported=reported))
        except (TypeError, AttributeError, KeyError, ValueError):
            pass  # a shape the cross-checks cannot follow; the schema problems say what to fix
        return None, lines, _sorted(problems)
    problems.extend(cross_check(plan, lines, file))
    return (plan if not problems else None), lines, _sorted(problems)


def load_plan(path: Path) -> ParsedPlan:
    """The validated plan at ``path``, or PlanError listing every problem."""
    text = read_plan_text(path)
    plan, lines, problems = parse_plan(text, file=str(path))
    if problems or plan is None:
        raise PlanError(str(path), problems)
    return ParsedPlan(plan=plan, lines=lines, text=text)


def check_plan(path: Path) -> list[Problem]:
    """Every problem in the plan at ``path`` (empty when it is valid)."""
    try:
        text = read_plan_text(path)
    except PlanError as exc:
        return exc.problems
    return parse_plan(text, file=str(path))[2]


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


# --- turning pydantic's errors into sentences ------------------------------------------


def _schema_problems(exc: ValidationError, lines: LineMap, file: str, data: Any) -> list[Problem]:
    problems = []
    seen: set[tuple[int | None, str]] = set()
    for err in _one_member_per_union(exc.errors(include_url=False), data):
        loc = clean(err["loc"], data)
        message = _message(err, loc, data)
        line = lines.line(loc)
        if (line, message) in seen:
            continue
        seen.add((line, message))
        problems.append(Problem(file, line, message))
    return problems


def _one_member_per_union(errors: list[Any], data: Any) -> list[Any]:
    """A value that fits no member of a union (``kpis: all`` or a list of ids) fails each
    member; report only the member that got furthest into the value (a list whose entry
    is wrong, rather than 'not all'), so each mistake is told once."""
    best: dict[tuple[Any, ...], tuple[int, str]] = {}
    for err in errors:
        found = union_member(err["loc"], data)
        if found is not None:
            at, member = found
            depth = len(err["loc"])
            if at not in best or depth > best[at][0]:
                best[at] = (depth, member)
    kept = []
    for err in errors:
        found = union_member(err["loc"], data)
        if found is None or best[found[0]][1] == found[1]:
            kept.append(err)
    return kept


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Keys allowed in the block at ``loc`` (walking the Plan model)."""
    model: Any = Plan
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        inner = _inner_model(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return annotation


def _message(err: Any, loc: tuple[Any, ...], data: Any) -> str:
    """One sentence for one pydantic error at ``loc`` (a path of the file's keys and indexes)."""
    kind = err["type"]
    name = str(loc[-1]) if loc else "value"
    key = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
    where = describe(loc, data)
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        block = f"{describe(loc[:-1], data)}: " if len(loc) > 1 else ""
        return f"{block}unknown key '{name}'; remove it or correct its spelling{hint}"
    if kind == "missing":
        block = describe(loc[:-1], data) if len(loc) > 1 else "the top level"
        return f"{block}: required key '{name}' is missing; add it"
    if kind.startswith("date") or kind == "date_from_datetime_parsing":
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return f"{where}: '{value}' is not a real date (no such day); correct it"
        return f"{where}: '{value}' is not a date; write dates as YYYY-MM-DD"
    if kind == "value_error" and "email" in err["msg"].lower():
        return f"{where}: '{value}' is not a valid email address; correct it"
    if kind == "string_pattern_mismatch":
        return f"{where}: '{value}' is not a valid {_pattern_name(key)}; correct it"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{where}: '{value}' is not allowed; use one of {expected}"
    if kind == "too_short":
        return f"{where}: must not be empty; add at least one entry"
    if kind == "string_too_short":
        return f"{where}: must not be empty; write a value"
    ctx = err.get("ctx") or {}
    shown = _shown(value)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{where}: {shown} is not a whole number; write a whole number such as 4"
    if kind in ("float_parsing", "float_type"):
        return f"{where}: {shown} is not a number; write a number such as 10 or 2.5"
    if kind in ("bool_parsing", "bool_type"):
        return f"{where}: {shown} is not true or false; write true or false"
    if kind in ("string_type", "str_type"):
        return f"{where}: {shown} is not text; write text (put it in quotes if need be)"
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return (
            f"{where}: expected a block of 'key: value' lines, found {shown}; "
            "indent the keys under it"
        )
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{where}: expected a list (lines starting with '- '), found {shown}; make it a list"
    bounds = {
        "greater_than_equal": ("ge", "at least"),
        "greater_than": ("gt", "more than"),
        "less_than_equal": ("le", "at most"),
        "less_than": ("lt", "less than"),
    }
    if kind in bounds:
        key, relation = bounds[kind]
        limit = ctx.get(key)
        limit_text = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"{where}: must be {relation} {limit_text} (found {shown}); correct it"
    if kind == "string_too_long":
        return f"{where}: is longer than {ctx.get('max_length')} characters; shorten it"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if ";" in msg:  # our own validators already say what to do
        return f"{where}: {msg}"
    return f"{where}: {msg} (found {shown}); correct it"


def _shown(value: Any) -> str:
    """A value as quoted in a message: short, and 'nothing' for an empty value."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a block of keys"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return f"'{text if len(text) <= 60 else text[:57] + '...'}'"


def _pattern_name(name: str) -> str:
    return {
        "id": "id here (objectives SO1, actions SO1.2, KPIs KPI1.1, owners lower-case-with-dashes)",
        "owner": "owner id (lower-case letters, digits and dashes, as in the owners list)",
        "lead": "owner id (lower-case letters, digits and dashes, as in the owners list)",
        "objective": "objective id such as SO1",
        "kpis": "KPI id such as KPI1.1",
        "headline_kpis": "KPI id such as KPI1.1",
    }.get(name, f"{name} (lower-case letters, digits, dashes and underscores)")


def construct_unvalidated(model: Any, data: Any) -> Any:
    """Build ``model`` from ``data`` without validation, nested models included.

    Used only to cross-check a plan that failed its schema checks, so that
    reference and date problems are reported alongside the type problems.
    Values of the wrong shape are left as they are; the cross-checks skip them.
    """
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or not isinstance(data, dict):
        return data
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name not in data:
            continue
        inner = _inner_model(field.annotation)
        raw = data[name]
        if isinstance(raw, list):
            values[name] = [construct_unvalidated(inner, item) for item in raw]
        elif isinstance(raw, dict) and _is_mapping(field.annotation):  # e.g. cycle.meetings
            values[name] = {k: construct_unvalidated(inner, v) for k, v in raw.items()}
        else:
            values[name] = construct_unvalidated(inner, raw)
    return model.model_construct(**values)


def _is_mapping(annotation: Any) -> bool:
    """A ``dict[...]`` field (possibly optional), whose values are items keyed by name."""
    if get_origin(annotation) is dict:
        return True
    return any(get_origin(arg) is dict for arg in get_args(annotation))
