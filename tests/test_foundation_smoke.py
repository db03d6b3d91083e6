"""The base every later feature stands on: migrations, plan load, workspace init."""

from __future__ import annotations

from pathlib import Path

from tracker.db.migrate import HEAD, current_revision, head_revision, upgrade


def test_migrations_reach_head(engine) -> None:
    assert current_revision(engine) == head_revision()


def test_fast_path_head_matches_the_newest_migration(engine) -> None:
    assert head_revision() == HEAD
    assert upgrade(engine) == (HEAD, HEAD)


def test_init_then_plan_load_twice_reports_no_changes(cli) -> None:
    result = cli("plan", "load")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("no changes")


def test_init_refuses_an_existing_workspace(sqlite_cli, tmp_path: Path) -> None:
    result = sqlite_cli("init", str(sqlite_cli.workspace))
    assert result.exit_code == 1
    assert "already a workspace" in result.output


def test_migrations_match_the_models(engine) -> None:
    """Alembic owns the schema: the migrated database is exactly what the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import tracker.db.models  # noqa: F401  (registers the tables)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []
