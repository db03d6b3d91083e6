"""Disclosure control: no combination of distributed outputs reveals a small count.

Referral data concerns vulnerable people, often children, and a local
partnership sees a few dozen referrals a year, so nearly every detailed count
is small. Everything distributed comes from the publications declared in the
plan, protected together and against every earlier release
(docs/disclosure.md states the guarantee and what it does not cover):

* ``model``: what a release may show (``Publication``, ``PublishedTable``,
  ``PublishedRow``, ``PublishedKpi``) and the one marker, ``MARKER`` (``[c]``);
* ``layout``: the cells of every declared table and KPI as of a date;
* ``linear``: released counts as sums of unknowns, and the audit (LP bounds);
* ``protect``: secondary suppression until the audit passes;
* ``table`` (with ``network``): the older one-table protection, still used for
  analyst views, which are labelled not for distribution.

``tracker.release.publish`` is the service that counts, protects and records.
Nothing in this package touches the database or the terminal.
"""

from tracker.disclosure.model import (
    MARKER,
    NO_DATA,
    Publication,
    PublishedKpi,
    PublishedRow,
    PublishedTable,
    shown,
    suppression_notes,
)
from tracker.disclosure.table import (
    PRIMARY,
    SECONDARY,
    SECONDARY_LABEL,
    DisclosureError,
    Key,
    Kind,
    Level,
    TableSuppression,
    footnote,
    is_small,
    show_total,
    shown_count,
    small_label,
    suppress_cells,
    suppress_series,
    suppress_table,
)

__all__ = [
    "MARKER",
    "NO_DATA",
    "PRIMARY",
    "SECONDARY",
    "SECONDARY_LABEL",
    "DisclosureError",
    "Key",
    "Kind",
    "Level",
    "Publication",
    "PublishedKpi",
    "PublishedRow",
    "PublishedTable",
    "TableSuppression",
    "footnote",
    "is_small",
    "show_total",
    "shown",
    "shown_count",
    "small_label",
    "suppress_cells",
    "suppress_series",
    "suppress_table",
    "suppression_notes",
]
