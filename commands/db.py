"""``tracker db``: administer the database schema."""

from __future__ import annotations

import typer

from commands.common import group
from commands.common import settings as make_settings
from commands.options import DatabaseOpt, WorkspaceOpt

app = group("Administer the database schema.")


@app.command("upgrade")
def db_upgrade(workspace: WorkspaceOpt = None, database: DatabaseOpt = None) -> None:
    """Apply pending schema migrations (commands also do this on start).

    \b
    Examples:
      tracker db upgrade
      tracker db upgrade --database postgresql+psycopg://tracker@dbhost/prevent
    """
    from tracker.db.migrate import upgrade
    from tracker.workspace import open_workspace

    # Opened like every other command (the same checks of folder and URL), but the schema
    # is brought up to date here, so the revisions before and after can be reported.
    with open_workspace(make_settings(workspace, database), migrate=False) as ws:
        before, after = upgrade(ws.engine)
    if before == after:
        typer.echo(f"database schema is up to date (revision {after})")
    else:
        typer.echo(f"database schema upgraded from {before or 'empty'} to {after}")
