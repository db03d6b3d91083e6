""" "Today", read once at the edge: the command line and the jobs call this, nothing else does.

Every service and rule below the edge takes its date as an argument (``as_of``,
``today``), so a report can be rerun for any date and tests never depend on the
day they run. The date is the one where the partnership works (the plan's
timezone), not the server's: a job at 00:30 in London runs on the London date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today_in(timezone: str) -> date:
    """Today's date in ``timezone`` (an IANA name such as Europe/London)."""
    return datetime.now(ZoneInfo(timezone)).date()
