"""Writing report files so that no half-written file ever carries the final name.

Each file is written to a hidden temporary name in the same folder, flushed to
disk, and renamed over the final name only when every file of the set is
complete (the review is a workbook and a paper: both or neither). A failure
removes the temporary files and leaves any earlier version in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tracker.errors import WorkspaceError


def write_files(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file atomically (temp name, fsync, rename); returns the final paths."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((Path(name), path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, path in temps:
            os.replace(temp, path)
    except OSError as exc:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
        where = next(iter(files), Path("."))
        raise WorkspaceError(
            f"cannot write {where} ({exc.strerror or exc})",
            hint="choose a folder you may write to with --out DIR, and check the disk is not full",
        ) from None
    return [path for _, path in temps]
