"""Reading ``objectives.yaml`` into a ``Plan``, reporting every problem with its line.

YAML is composed into nodes first so each value keeps the line it came from;
pydantic then checks types and forms, and ``tracker.plan.validate`` checks
references. All problems are gathered and returned together, each as
``FILE:LINE: message`` ending with what to fix, so an officer can correct the
whole file in one pass.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tracker.errors import PlanError, Problem
from tracker.plan.schema import Plan

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LineMap:
    """Where each value of the document starts, by its path of keys and indexes."""

    lines: dict[Path_, int]

    def line(self, path: Sequence[str | int]) -> int | None:
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


@dataclass(frozen=True)
class ParsedPlan:
    plan: Plan
    lines: LineMap
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class _Composer:
    """Turn a YAML node tree into plain data plus a line map, noting duplicate keys."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
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
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, yaml.constructor.ConstructorError):
            # e.g. 2019-13-01 looks like a date but is not one: keep the text so the
            # schema check reports it against its field with the usual message.
            return node.value


def read_plan_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(
            str(path),
            [Problem(str(path), None, "file not found; run 'tracker init' to create one")],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(
            str(path), [Problem(str(path), None, f"cannot be read ({exc}); save it as UTF-8 text")]
        ) from exc


def parse_plan(
    text: str, *, file: str = "objectives.yaml"
) -> tuple[Plan | None, LineMap, list[Problem]]:
    """Parse and validate plan text; returns the plan (None if invalid), the line map, problems."""
    from tracker.plan.validate import cross_check

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        return (
            None,
            LineMap({}),
            [Problem(file, line, f"YAML syntax error: {what}; check indentation and quoting here")],
        )
    except yaml.YAMLError as exc:
        return None, LineMap({}), [Problem(file, None, f"YAML syntax error: {exc}")]
    if node is None or not isinstance(node, yaml.MappingNode):
        return (
            None,
            LineMap({}),
            [
                Problem(
                    file, 1, "the plan must be a YAML mapping with keys plan, owners, objectives..."
                )
            ],
        )
    composer = _Composer(file)
    data = composer.build(node, ())
    lines = LineMap(composer.lines)
    problems = list(composer.problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        problems.extend(_schema_problems(exc, lines, file))
        problems.extend(cross_check(construct_unvalidated(Plan, data), lines, file))
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


def _schema_problems(exc: ValidationError, lines: LineMap, file: str) -> list[Problem]:
    problems = []
    seen: set[tuple[int | None, str]] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        message = _message(err, loc)
        line = lines.line(loc)
        if (line, message) in seen:
            continue
        seen.add((line, message))
        problems.append(Problem(file, line, message))
    return problems


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) if isinstance(p, str) else f"[{p}]" for p in loc]
    return ".".join(parts).replace(".[", "[") or "the file"


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


def _message(err: Any, loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    name = str(loc[-1]) if loc else "value"
    where = _where(loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return f"unknown key '{name}'; remove it or correct its spelling{hint}"
    if kind == "missing":
        return f"{where}: required key '{name}' is missing; add it"
    if kind.startswith("date") or kind == "date_from_datetime_parsing":
        return f"{where}: '{value}' is not a date; write dates as YYYY-MM-DD"
    if kind == "value_error" and "email" in err["msg"].lower():
        return f"{where}: '{value}' is not a valid email address; correct it"
    if kind == "string_pattern_mismatch":
        return f"{where}: '{value}' is not a valid {_pattern_name(name)}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{where}: '{value}' is not allowed; use one of {expected}"
    if kind == "too_short":
        return f"{where}: must not be empty; add at least one entry"
    if kind == "string_too_short":
        return f"{where}: must not be empty; write a value"
    msg = err["msg"].removeprefix("Value error, ")
    shown = "" if isinstance(value, dict | list) else f" (got '{value}')"
    return f"{where}: {msg}{shown}; correct it"


def _pattern_name(name: str) -> str:
    return {
        "id": "id here (objectives SO1, actions SO1.2, KPIs KPI1.1, owners lower-case-with-dashes)",
        "owner": "owner id (lower-case letters, digits and dashes, as in the owners list)",
        "lead": "owner id (lower-case letters, digits and dashes, as in the owners list)",
        "objective": "objective id such as SO1",
    }.get(name, f"{name} (letters, digits and dashes)")


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
        else:
            values[name] = construct_unvalidated(inner, raw)
    return model.model_construct(**values)
