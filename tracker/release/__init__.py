"""Releases: computing what an output may show, protecting it, and recording it in the ledger.

``publish`` is the one way figures leave the tracker (docs/disclosure.md).
The pure parts live in ``tracker.disclosure``; this package is the thin layer
that counts in the database and reads and writes the release ledger.
"""

from tracker.release.service import publish

__all__ = ["publish"]
