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
SETTINGS_FILE = "tracker.toml"  # the workspace's own settings (its database URL)
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

    # One place for each kind of file, whether the officer or the scheduler compiles it.
    @property
    def packs(self) -> Path:
        """Where Steering Group packs are written: outputs/packs/."""
        return self.outputs / "packs"

    @property
    def reviews(self) -> Path:
        """Where the review workbook and paper are written: outputs/review/."""
        return self.outputs / "review"

    def returns_for(self, meeting_id: str) -> Path:
        """Where the return workbooks for one meeting are written: outputs/returns/MEETING/."""
        return self.outputs / "returns" / meeting_id

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
        """Options win over environment variables, which win over the workspace's tracker.toml.

        The workspace defaults to the current folder; the database to the SQLite file in it.
        """
        env = os.environ if environ is None else environ
        ws = (workspace or Path(env.get(ENV_WORKSPACE) or ".")).expanduser().resolve()
        return cls(
            workspace=ws,
            database_url=database_url or env.get(ENV_DATABASE) or stored_database_url(ws),
            user=user or env.get(ENV_USER) or None,
        )


def stored_database_url(workspace: Path) -> str | None:
    """The database URL saved in the workspace's tracker.toml by 'tracker init --database'."""
    path = workspace / SETTINGS_FILE
    if not path.is_file():
        return None
    import tomllib

    from tracker.errors import WorkspaceError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WorkspaceError(
            f"{path} cannot be read ({exc})",
            hint='correct it (it holds one line: database = "URL") or delete it',
        ) from None
    url = data.get("database")
    if url is not None and not isinstance(url, str):
        raise WorkspaceError(
            f"{path}: database must be a URL in quotes",
            hint='write it as database = "postgresql+psycopg://user@host/dbname"',
        )
    return url or None


def write_database_url(workspace: Path, url: str) -> Path:
    """Save ``url`` (without any password) as the workspace's database."""
    from sqlalchemy.engine import URL, make_url

    u = make_url(url)
    safe = URL.create(
        u.drivername, u.username, None, u.host, u.port, u.database, u.query
    ).render_as_string(hide_password=False)
    path = workspace / SETTINGS_FILE
    quoted = safe.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(
        "# Settings of this tracker workspace, written by 'tracker init'.\n"
        "# The database every command uses unless --database or TRACKER_DATABASE_URL says\n"
        "# otherwise. Passwords are never stored here: use PGPASSWORD or ~/.pgpass.\n"
        f'database = "{quoted}"\n',
        encoding="utf-8",
    )
    return path
