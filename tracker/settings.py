"""Settings: where the workspace is, which database to use and who is acting.

Settings are a frozen value built once at the command-line edge (from options
and environment variables) and passed in to whatever needs them. Nothing reads
the environment anywhere else, and no engine is created from settings until a
command asks for one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PLAN_FILE = "objectives.yaml"
DATABASE_FILE = "tracker.db"
OUTPUT_DIR = "outputs"
TEMPLATES_DIR = "templates"

ENV_WORKSPACE = "TRACKER_WORKSPACE"
ENV_DATABASE = "TRACKER_DATABASE_URL"
ENV_USER = "TRACKER_USER"


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to find its workspace, database and user."""

    workspace: Path
    database_url: str | None = None
    user: str | None = None

    @property
    def plan_path(self) -> Path:
        return self.workspace / PLAN_FILE

    @property
    def outputs(self) -> Path:
        return self.workspace / OUTPUT_DIR

    @property
    def templates(self) -> Path:
        return self.workspace / TEMPLATES_DIR

    @property
    def url(self) -> str:
        """The SQLAlchemy URL: the one given, or the SQLite file inside the workspace."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.workspace / DATABASE_FILE).resolve()}"

    @classmethod
    def from_env(
        cls,
        *,
        workspace: Path | None = None,
        database_url: str | None = None,
        user: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Options win over environment variables; the workspace defaults to the current folder."""
        env = os.environ if environ is None else environ
        ws = workspace or Path(env.get(ENV_WORKSPACE) or ".")
        return cls(
            workspace=ws.expanduser().resolve(),
            database_url=database_url or env.get(ENV_DATABASE) or None,
            user=user or env.get(ENV_USER) or None,
        )
