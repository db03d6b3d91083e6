"""One scheduler at a time: a file lock on SQLite, an advisory lock on PostgreSQL."""

from __future__ import annotations

import pytest

from tracker.schedule.lock import SchedulerRunningError, lock_path, scheduler_lock


def test_a_second_scheduler_is_refused_until_the_first_stops(engine) -> None:
    with scheduler_lock(engine):
        with (
            pytest.raises(SchedulerRunningError, match="already running") as caught,
            scheduler_lock(engine),
        ):
            pass  # pragma: no cover
        assert "stop it first" in str(caught.value)
        if engine.dialect.name == "sqlite":
            assert "process" in lock_path(engine).read_text()
    with scheduler_lock(engine):  # released: the next one may start
        pass
