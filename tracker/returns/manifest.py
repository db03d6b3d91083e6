"""The return's manifest, its HMAC-SHA256 signature, and the workspace's secret key.

A return workbook leaves the tracker, is edited by an owner in Excel or
LibreOffice and comes back by email. The manifest says what was issued: to
whom, for which meeting, when, and each action's version (the id of its latest
update) and locked cells at that moment. It is signed with a key only the
workspace holds, so a workbook whose manifest was edited, forged or copied from
another workspace is refused rather than believed.

The key is 32 random bytes kept in ``.tracker-secret`` in the workspace
folder, readable by its owner only (0600). It is not in the plan file or in
tracker.toml, both of which people share and commit; it is never printed,
logged or emailed. ``tracker init`` creates it, ``tracker returns key``
creates one for a workspace made before returns existed.

The signed text is stored as it was signed (a JSON string) and verified as
stored, so there is no question of re-serialising it the same way: a reader
checks the signature over the exact characters, then parses them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError, WorkspaceError

SECRET_FILE = ".tracker-secret"
MANIFEST_VERSION = 1


class ReturnKeyError(WorkspaceError):
    """The workspace's secret key is missing or unsafe."""


def key_path(workspace: Path) -> Path:
    return workspace / SECRET_FILE


def create_key(workspace: Path, *, replace: bool = False) -> Path:
    """Write a new random key (0600) to the workspace; refuse to replace one unless told."""
    path = key_path(workspace)
    if path.exists() and not replace:
        raise ReturnKeyError(
            f"{path} already exists",
            hint="keep it (returns already issued are signed with it), or pass --rotate "
            "to replace it, after which those returns can no longer be loaded",
        )
    temporary = path.with_name(f"{SECRET_FILE}.new")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(temporary, 0o600)  # whatever the umask said
    os.replace(temporary, path)
    return path


def read_key(workspace: Path) -> bytes:
    """The workspace's key; refused when missing, malformed or readable by others."""
    path = key_path(workspace)
    if not path.is_file():
        raise ReturnKeyError(
            f"this workspace has no secret key for signing returns ({path.name} is missing)",
            hint="create one with 'tracker returns key'",
        )
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ReturnKeyError(
            f"{path} can be read by other users of this machine",
            hint=f"make it private with 'chmod 600 {path}'",
        )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ReturnKeyError(
            f"{path} does not hold a key tracker made",
            hint="replace it with 'tracker returns key --rotate' (returns issued with the old "
            "key can then no longer be loaded)",
        )
    return key


def sign(payload: str, key: bytes) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_ok(payload: str, signature: str, key: bytes) -> bool:
    return hmac.compare_digest(sign(payload, key), signature.strip().lower())


@dataclass(frozen=True)
class ManifestAction:
    """One action as issued: its row, its version and the locked cells' values."""

    id: str
    row: int
    version: int  # the id of its latest update when issued; 0 when it had none
    cells: dict[str, Any]  # column letter -> the value written (JSON-able)


@dataclass(frozen=True)
class Manifest:
    """What was issued. ``payload()`` is the text that is signed and stored."""

    return_id: str
    owner_id: str
    owner_email: str
    meeting_id: str
    issued_at: datetime
    deadline: date | None
    sheet: str
    actions: tuple[ManifestAction, ...] = field(default_factory=tuple)

    def payload(self) -> str:
        document = {
            "v": MANIFEST_VERSION,
            "return": self.return_id,
            "owner": self.owner_id,
            "email": self.owner_email,
            "meeting": self.meeting_id,
            "issued": self.issued_at.isoformat(timespec="seconds"),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "sheet": self.sheet,
            "actions": [
                {"id": a.id, "row": a.row, "version": a.version, "cells": a.cells}
                for a in self.actions
            ],
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def digest(self) -> str:
        return hashlib.sha256(self.payload().encode("utf-8")).hexdigest()

    @classmethod
    def parse(cls, payload: str) -> Manifest:
        """The manifest in ``payload`` (already verified); TrackerError when it is not one."""
        try:
            d = json.loads(payload)
            if d.get("v") != MANIFEST_VERSION:
                raise ValueError("unknown version")
            return cls(
                return_id=str(d["return"]),
                owner_id=str(d["owner"]),
                owner_email=str(d["email"]),
                meeting_id=str(d["meeting"]),
                issued_at=datetime.fromisoformat(d["issued"]),
                deadline=date.fromisoformat(d["deadline"]) if d.get("deadline") else None,
                sheet=str(d["sheet"]),
                actions=tuple(
                    ManifestAction(
                        id=str(a["id"]),
                        row=int(a["row"]),
                        version=int(a["version"]),
                        cells=dict(a["cells"]),
                    )
                    for a in d["actions"]
                ),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TrackerError(
                f"the return's manifest cannot be read ({exc})",
                hint="issue the return again with 'tracker returns issue'",
            ) from None
