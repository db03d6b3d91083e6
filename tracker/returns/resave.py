"""Re-saving a workbook with LibreOffice, as an owner without Excel would.

Used by the demo (one filled-in return is re-saved, to show that such a file
loads the same) and by the tests. ``soffice --convert-to`` exits 0 even when
it fails, and refuses to write into the input's own folder, so the output is
written to another folder and checked to exist. Each run gets its own
LibreOffice profile (``-env:UserInstallation``) so that runs never share or
lock one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tracker.errors import TrackerError

FILTER = "xlsx:Calc MS Excel 2007 XML"


def find_soffice() -> str | None:
    """LibreOffice's ``soffice``: ``TRACKER_SOFFICE`` if set (a path or a name on PATH; empty
    for none, so the demo does without it), else ``soffice`` or ``libreoffice`` on PATH."""
    configured = os.environ.get("TRACKER_SOFFICE")
    if configured is not None:
        return shutil.which(configured.strip()) if configured.strip() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_misnamed() -> str | None:
    """What is wrong when ``TRACKER_SOFFICE`` names a program that is not there, else None."""
    configured = os.environ.get("TRACKER_SOFFICE", "").strip()
    if configured and shutil.which(configured) is None:
        return f"TRACKER_SOFFICE names no program ('{configured}')"
    return None


def resave(paths: Sequence[Path], out_dir: Path, *, timeout: float = 180) -> list[Path]:
    """Each workbook opened and saved again as .xlsx by LibreOffice, into ``out_dir``."""
    program = find_soffice()
    if program is None:
        raise TrackerError(
            "LibreOffice (soffice) is not installed, or TRACKER_SOFFICE names no program",
            hint="install libreoffice-calc, or set TRACKER_SOFFICE to the path of soffice",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = [Path(p).resolve() for p in paths]
    if any(p.parent == out_dir.resolve() for p in sources):
        raise TrackerError(
            "LibreOffice cannot save into the folder it reads from",
            hint="give another output folder",
        )
    with tempfile.TemporaryDirectory(prefix="tracker-lo-") as profile:
        result = subprocess.run(
            [
                program,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                FILTER,
                "--outdir",
                str(out_dir),
                *map(str, sources),
            ],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    outputs = [out_dir / p.name for p in sources]
    missing = [p.name for p in outputs if not p.is_file()]
    if missing:
        detail = (result.stderr or result.stdout).decode(errors="replace").strip()[:200]
        raise TrackerError(
            f"LibreOffice did not write {', '.join(missing)} (exit {result.returncode}: "
            f"{detail or 'no message'})",
            hint="check the files open in LibreOffice",
        )
    return outputs
