"""A workspace: the folder holding a partnership's plan, database and outputs.

``init_workspace`` makes one (copying the shipped plan and loading it, and
creating the secret key that signs return workbooks);
``open_workspace`` is how every command gets at one: it checks the folder,
builds the engine from settings, applies pending migrations and gives access
to the plan in force (the last one loaded with ``tracker plan load``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine

from tracker.errors import WorkspaceError
from tracker.plan.schema import Plan, PlanData
from tracker.settings import (
    DATABASE_FILE,
    OUTPUT_DIR,
    PLAN_FILE,
    SETTINGS_FILE,
    TEMPLATES_DIR,
    Settings,
    stored_database_url,
    write_database_url,
)

_P = TypeVar("_P", Plan, PlanData)

TEMPLATES_README = """\
Templates placed here override tracker's defaults of the same name
(see the templates/ folder of the tracker source for the originals).
With nothing here but this file, the defaults are used.
"""


@dataclass
class Workspace:
    """An open workspace: its settings and a database engine with an up-to-date schema.

    ``created`` lists the database files opening it made (a new SQLite file): when the
    work inside ``with`` fails they are removed, so a failed command leaves nothing behind.
    """

    settings: Settings
    engine: Engine
    created: tuple[Path, ...] = ()

    def plan(self) -> Plan:
        """The plan in force: the last one loaded into the database."""
        from tracker.plan.stored import current_plan

        return self._loaded(current_plan(self.engine))

    def data_plan(self) -> PlanData:
        """The settings and data sets of the plan in force (all a data import reads)."""
        from tracker.plan.stored import current_data_plan

        return self._loaded(current_data_plan(self.engine))

    def _loaded(self, plan: _P | None) -> _P:
        if plan is None:
            raise WorkspaceError(
                "no plan has been loaded into this workspace's database",
                hint="run 'tracker plan load' first",
            )
        return plan

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close()
        if exc_type is not None:
            _remove(self.created)


def _remove(files: tuple[Path, ...]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def open_workspace(
    settings: Settings, *, migrate: bool = True, read_only: bool = False
) -> Workspace:
    """Open the workspace named by ``settings``, bringing its database schema up to date.

    ``read_only``: for commands that only read. The engine cannot write, so they work
    on a database the user may read but not change; the schema is upgraded first only
    where the user may write, and an old schema on a read-only database is reported.
    A command that changes data on a database the user may not write is refused here,
    before anything is done.
    """
    from tracker.db.engine import make_engine, may_write_sqlite, says_read_only, sqlite_file
    from tracker.db.errors import read_only_error
    from tracker.db.migrate import server_refuses_writes, upgrade

    ws = settings.workspace
    if ws.exists() and not ws.is_dir():
        raise WorkspaceError(
            f"workspace {ws} is a file, not a folder",
            hint="point --workspace (or TRACKER_WORKSPACE) at the workspace folder",
        )
    if not ws.is_dir():
        raise WorkspaceError(
            f"workspace folder {ws} does not exist",
            hint="create one with 'tracker init DIR' or point --workspace at an existing one",
        )
    if not settings.database_url and not (
        (ws / PLAN_FILE).exists() or (ws / DATABASE_FILE).exists()
    ):
        raise WorkspaceError(
            f"{ws} is not a tracker workspace (it has no {PLAN_FILE})",
            hint="run 'tracker init' here, or pass --workspace DIR or set TRACKER_WORKSPACE",
        )
    path = sqlite_file(settings.url)
    if read_only and (path is None or path.exists()):
        return _open_read_only(settings)
    if (
        path is not None
        and path.exists()
        and (says_read_only(settings.url) or not may_write_sqlite(path))
    ):
        raise read_only_error(str(path))
    created: tuple[Path, ...] = ()
    if not settings.database_url and not (ws / DATABASE_FILE).exists():
        created = tuple(ws / f"{DATABASE_FILE}{suffix}" for suffix in ("", "-wal", "-shm"))
    engine = make_engine(settings.url)
    if migrate:
        try:
            upgrade(engine)
            if server_refuses_writes(engine):
                raise read_only_error(engine.url.render_as_string(hide_password=True))
        except BaseException:
            engine.dispose()
            _remove(created)
            raise
    return Workspace(settings=settings, engine=engine, created=created)


def _open_read_only(settings: Settings) -> Workspace:
    """A workspace whose engine cannot write (its database exists, or is a server)."""
    from tracker.db.engine import make_engine, may_write_sqlite, says_read_only, sqlite_file
    from tracker.db.migrate import HEAD, check_current, stored_revision, upgrade

    url = settings.url
    engine = make_engine(url, read_only=True)
    try:
        if stored_revision(engine) != HEAD:
            path = sqlite_file(url)
            if path is None or (not says_read_only(url) and may_write_sqlite(path)):
                writer = make_engine(url)  # upgrade as any command does, where it may
                try:
                    upgrade(writer)
                finally:
                    writer.dispose()
            check_current(engine)  # an old schema it could not upgrade, said plainly
    except BaseException:
        engine.dispose()
        raise
    return Workspace(settings=settings, engine=engine)


@dataclass(frozen=True)
class InitResult:
    workspace: Path
    plan_file: Path
    database: str
    settings_file: Path | None = None  # tracker.toml, when the database is not the default


def init_workspace(settings: Settings, *, plan_source: Path | None = None) -> InitResult:
    """Create a workspace at ``settings.workspace`` with the shipped plan, and load it."""
    from tracker import shipped
    from tracker.plan.loader import load_plan
    from tracker.plan.sync import sync_plan
    from tracker.returns.manifest import create_key, key_path

    ws = settings.workspace
    if ws.exists() and not ws.is_dir():
        raise WorkspaceError(f"{ws} is a file, not a folder", hint="choose another path")
    if (ws / PLAN_FILE).exists():
        raise WorkspaceError(
            f"{ws} is already a workspace (it has {PLAN_FILE})",
            hint="use it as it is, or choose an empty folder",
        )
    source = plan_source or shipped.example_plan()
    parsed = load_plan(source)  # validate before anything is written
    existed = ws.exists()
    created: list[Path] = []
    if not settings.database_url and not (ws / DATABASE_FILE).exists():
        created += [ws / f"{DATABASE_FILE}{suffix}" for suffix in ("", "-wal", "-shm")]
    try:
        ws.mkdir(parents=True, exist_ok=True)
        for folder in (ws / TEMPLATES_DIR, ws / OUTPUT_DIR):
            if not folder.exists():
                folder.mkdir()
                created.append(folder)
        readme = ws / TEMPLATES_DIR / "README.txt"
        if not readme.exists():
            readme.write_text(TEMPLATES_README, encoding="utf-8")
        shutil.copyfile(source, ws / PLAN_FILE)
        created.append(ws / PLAN_FILE)
        if not key_path(ws).exists():  # signs return workbooks; never shown or sent anywhere
            created.append(create_key(ws))
        with open_workspace(settings) as workspace:  # checks the database URL, too
            sync_plan(workspace.engine, parsed, source=str(ws / PLAN_FILE))
        if settings.database_url and stored_database_url(ws) != settings.database_url:
            created.append(write_database_url(ws, settings.database_url))
    except OSError as exc:
        _undo(ws, existed, created)
        raise WorkspaceError(
            f"cannot create the workspace {ws} ({exc.strerror or exc})",
            hint="choose a folder you can write to, and check no file stands in the path",
        ) from None
    except BaseException:
        _undo(ws, existed, created)
        raise
    from sqlalchemy.engine import make_url

    shown = make_url(settings.url).render_as_string(hide_password=True)  # never print a password
    settings_file = ws / SETTINGS_FILE if settings.database_url else None
    return InitResult(
        workspace=ws, plan_file=ws / PLAN_FILE, database=shown, settings_file=settings_file
    )


def _undo(ws: Path, existed: bool, created: list[Path]) -> None:
    """Remove what a failed ``init_workspace`` made, so it can simply be run again."""
    if not existed:
        shutil.rmtree(ws, ignore_errors=True)
        return
    for path in reversed(created):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
