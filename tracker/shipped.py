"""Files shipped with the package: the example plan and the default templates.

In a wheel they live in ``tracker/shipped/`` (pyproject force-includes them);
in a source checkout they are the top-level ``objectives.yaml`` and
``templates/``. This module hides the difference.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _find(name: str) -> Path:
    for base in (_PACKAGE / "shipped", _CHECKOUT):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"shipped file {name} is missing from the installation")


def example_plan() -> Path:
    """The shipped plan: the Northamptonshire Prevent strategy 2019-2021."""
    return _find("objectives.yaml")


def default_templates() -> Path:
    """The folder of default Jinja2 templates (a workspace may override any of them)."""
    return _find("templates")
