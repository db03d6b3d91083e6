"""Naming a place in the plan file the way its reader does: by the item's id.

Pydantic locates a problem by a path of keys and list indexes
(``objectives[0].actions[4].owner``), which means nothing to an officer editing
the file. Every plan message names the item instead (``action SO1.5 owner``),
beside the file and line. An item whose id is missing or is itself the
problem is named by its place among its siblings (``the 5th action of
objective SO1``). Keys of sections that are blocks rather than lists keep
their dotted names (``plan.timezone``, ``rag.objectives.red_share``).

Works on the raw data read from YAML (dicts and lists) and on plan models
alike, so the schema messages and the cross-checks name items the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

# Lists of items, by their path of keys: (the item's name, the key that identifies it,
# whether its id alone names it or it is named within its parent).
ITEMS: dict[tuple[str, ...], tuple[str, str, bool]] = {
    ("owners",): ("owner", "id", True),
    ("meetings",): ("meeting", "id", True),
    ("objectives",): ("objective", "id", True),
    ("objectives", "actions"): ("action", "id", True),
    ("objectives", "actions", "milestones"): ("milestone", "date", False),
    ("kpis",): ("KPI", "id", True),
    ("datasets",): ("data set", "name", True),
    ("datasets", "fields"): ("field", "name", False),
    ("datasets", "fields", "values"): ("value", "value", False),
    ("datasets", "fields", "bands"): ("band", "label", False),
    ("publications", "tables"): ("published table", "key", True),
    ("cycle", "closures"): ("closure", "date", True),
}

# Pydantic puts the member of a union it tried in the path (`str`, `list[constrained-str]`,
# `literal['all']`); plan keys are plain words, so these never name a key of the file.
_UNION_MEMBER = re.compile(r"[\[\]'()-]|^(str|int|float|bool|none)$")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 21st..."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _child(node: Any, key: str | int) -> Any:
    if isinstance(key, int):
        in_range = isinstance(node, list | tuple) and 0 <= key < len(node)
        return node[key] if in_range else None
    if isinstance(node, dict):
        return node.get(key)
    return getattr(node, key, None) if isinstance(node, BaseModel) else None


def _has(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, BaseModel) and key in type(node).model_fields


def _ident(entry: Any, key: str) -> str | None:
    value = _child(entry, key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, date):
        return value.isoformat()
    return None


def _is_union_member(node: Any, part: Any) -> bool:
    return isinstance(part, str) and not _has(node, part) and bool(_UNION_MEMBER.search(part))


def clean(loc: Sequence[Any], data: Any) -> tuple[str | int, ...]:
    """``loc`` without the union members pydantic adds: a path of the file's keys and indexes."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if _is_union_member(node, part):
            continue
        out.append(part)
        node = _child(node, part)
    return tuple(out)


def union_member(loc: Sequence[Any], data: Any) -> tuple[tuple[Any, ...], str] | None:
    """Where ``loc`` enters a union and which member pydantic tried there, or None."""
    node = data
    for n, part in enumerate(loc):
        if _is_union_member(node, part):
            return tuple(loc[:n]), part
        node = _child(node, part)
    return None


def describe(loc: Sequence[Any], data: Any) -> str:
    """The place ``loc`` in ``data`` (the plan), named by item ids: ``action SO1.5 owner``."""
    path = clean(loc, data)
    name = ""  # the innermost item named so far, e.g. "action SO1.5"
    keys: list[str] = []  # keys below that item (or from the top of the file)
    schema: list[str] = []  # the path's keys alone: which kind of list an index is in
    node = data
    for n, part in enumerate(path):
        if isinstance(part, int):
            entry = _child(node, part)
            item = ITEMS.get(tuple(schema))
            if item is not None:
                kind, id_key, standalone = item
                ident = _ident(entry, id_key)
                naming_the_id = n + 1 < len(path) and path[n + 1] == id_key
                if ident is not None and not naming_the_id:
                    name = f"{kind} {ident}" if standalone or not name else f"{name} {kind} {ident}"
                else:
                    place = f"the {ordinal(part + 1)} {kind}"
                    name = f"{place} of {name}" if name else place
                keys = []
            # an entry of a list of values (addresses, KPI ids, days): the list names it,
            # and the message quotes the value
            node = entry
            continue
        schema.append(part)
        keys.append(part)
        node = _child(node, part)
    if name and keys:
        if _names_id(path, keys):
            return f"the {keys[0]} of {name}"
        return f"{name} {'.'.join(keys)}"
    return name or ".".join(keys) or "the file"


def _names_id(path: tuple[str | int, ...], keys: list[str]) -> bool:
    """The place is the identifying key of its item (the item was named by its position)."""
    if len(keys) != 1 or len(path) < 2 or not isinstance(path[-2], int):
        return False
    schema = tuple(p for p in path[:-2] if isinstance(p, str))
    item = ITEMS.get(schema)
    return item is not None and item[1] == keys[0]
