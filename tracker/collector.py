"""Python's cycle collector paused for a short, allocation-heavy piece of work.

An import allocates millions of short-lived lists and tuples, and a command's
start imports SQLAlchemy and pydantic (hundreds of thousands of objects): each
burst of allocations makes the collector walk every object the process holds,
again and again. Nothing in such work keeps reference cycles alive for long;
what little garbage there is waits until the collector is back on. Only for
commands that end: never around the scheduler, which runs for weeks.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off inside, and afterwards as it was before (nesting is fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
