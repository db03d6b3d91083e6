"""Disclosure control: small numbers are never shown in anything distributed.

Referral counts by district or month can be small enough to identify a child.
In every output meant for distribution, counts from 1 to threshold-1 are shown
as ``<threshold`` (``<5`` by default, set by ``plan.suppression_threshold``);
zero is shown as 0.
"""

from __future__ import annotations


def is_small(count: float | int | None, threshold: int) -> bool:
    """True for counts that must be hidden: more than zero and below the threshold."""
    return count is not None and 0 < count < threshold


def small_label(threshold: int) -> str:
    """How a hidden count is shown."""
    return f"<{threshold}"
