"""The base of every model of the plan file: one configuration for them all.

Every plan model forbids unknown keys (a misspelt key is reported, not
ignored), is frozen, and strips the whitespace around text. ``defer_build``:
a model's validator is built when it is first used, not when tracker starts,
so a command that reads part of the plan (``PlanData``) builds only that part.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PlanModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )
