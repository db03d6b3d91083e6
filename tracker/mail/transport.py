"""How a built message leaves: the outbox folder, or a sendmail-compatible command.

Both take the message's bytes exactly as built (``build.as_bytes``), never the
message object: ``mailbox.Maildir.add(EmailMessage)`` re-serialises without
folding headers, and 40 recipients made a 1,222-character line.

**Outbox.** A Maildir (``tmp/``, ``new/``, ``cur/``) in the workspace, which any
mail client or ``tracker outbox`` can read. The file name is made from the
Message-ID, and the file is linked into ``new/`` exclusively, so the same
message can never be there twice, even from two processes at once: the second
is refused (``AlreadySentError``), unless forced, when it replaces the first.
The file and the folder are fsynced before the delivery counts as done.

**Sendmail.** The message is piped to the configured command (msmtp, sendmail).
Exit 0 is success. 75 (EX_TEMPFAIL: the server could not be reached) is
temporary: try again later. 65 (msmtp: a recipient was refused; the message
then goes to nobody) and anything else are failures. Either way the command's
own first line of error is kept.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from tracker.mail.errors import AlreadySentError, DeliveryFailed, MailError
from tracker.mail.headers import MESSAGE_ID, check_message_id

EX_DATAERR = 65
EX_TEMPFAIL = 75


@dataclass(frozen=True)
class Sent:
    """What a transport did with a message."""

    transport: str
    location: str  # the outbox file, or the command run
    replaced: bool = False  # forced over an earlier copy in the outbox


class Transport(Protocol):
    name: str

    def send(
        self, raw: bytes, *, message_id: str, recipients: list[str], force: bool = False
    ) -> Sent: ...


def file_name(message_id: str) -> str:
    """The outbox file name of a message: its Message-ID without the angle brackets."""
    match = MESSAGE_ID.match(check_message_id(message_id))
    assert match is not None
    return match.group(1)


@dataclass(frozen=True)
class OutboxEntry:
    path: Path
    message_id: str
    folder: str  # new (not yet read by a client) | cur


class Outbox:
    """A Maildir folder holding each message once, under a name made from its Message-ID."""

    name = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _dirs(self) -> tuple[Path, Path, Path]:
        return self.path / "tmp", self.path / "new", self.path / "cur"

    def find(self, message_id: str) -> Path | None:
        """The file holding ``message_id``, in new/ or cur/ (where a client moves read mail)."""
        name = file_name(message_id)
        _, new, cur = self._dirs()
        if (new / name).exists():
            return new / name
        if cur.is_dir():
            for path in cur.glob(f"{name}:2,*"):
                return path
            if (cur / name).exists():
                return cur / name
        return None

    def send(
        self, raw: bytes, *, message_id: str, recipients: list[str], force: bool = False
    ) -> Sent:
        name = file_name(message_id)
        tmp, new, cur = self._dirs()
        existing = self.find(message_id)
        if existing is not None and not force:
            raise AlreadySentError(
                f"message {message_id} is already in the outbox ({existing})",
                hint="it is not added twice; pass --resend (with --send) to replace it",
            )
        try:
            for folder in (self.path, tmp, new, cur):
                folder.mkdir(mode=0o700, exist_ok=True)
            staged = tmp / f"{name}.{os.getpid()}"
            with open(staged, "xb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                if existing is not None:
                    os.replace(staged, new / name)
                    if existing != new / name:
                        existing.unlink(missing_ok=True)
                else:
                    try:
                        os.link(staged, new / name)  # fails if it exists: exclusive
                    except FileExistsError:
                        raise AlreadySentError(
                            f"message {message_id} was added to the outbox just now by another "
                            "process",
                            hint="it is not added twice; nothing more to do",
                        ) from None
            finally:
                staged.unlink(missing_ok=True)
            _fsync_dir(new)
            _fsync_dir(cur)
        except OSError as exc:
            raise MailError(
                f"cannot write to the outbox {self.path} ({exc.strerror or exc})",
                hint="check the folder exists and you may write to it",
            ) from None
        return Sent(transport=self.name, location=str(new / name), replaced=existing is not None)

    def entries(self) -> list[OutboxEntry]:
        """Every message in the outbox, oldest file first."""
        found: list[OutboxEntry] = []
        for folder in ("new", "cur"):
            base = self.path / folder
            if not base.is_dir():
                continue
            for path in base.iterdir():
                if path.is_file() and not path.name.startswith("."):
                    message_id = "<" + path.name.split(":2,")[0] + ">"
                    found.append(OutboxEntry(path=path, message_id=message_id, folder=folder))
        return sorted(found, key=lambda e: (e.path.stat().st_mtime_ns, e.path.name))

    def read(self, entry: OutboxEntry) -> EmailMessage:
        from email import message_from_bytes, policy

        msg = message_from_bytes(entry.path.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Sendmail:
    """Pipes each message to a sendmail-compatible command."""

    name = "sendmail"

    def __init__(self, command: tuple[str, ...] | list[str], *, timeout: float = 60.0) -> None:
        if not command:
            raise MailError("no sendmail command is configured", hint="see docs/email.md")
        self.command = tuple(command)
        self.timeout = timeout

    def argv(self, recipients: list[str]) -> list[str]:
        """The command; given the recipients after ``--`` unless it reads them itself (-t)."""
        if "-t" in self.command or "--read-recipients" in self.command:
            return list(self.command)
        base = list(self.command)
        if base[-1] != "--":
            base.append("--")
        return base + recipients

    def send(
        self, raw: bytes, *, message_id: str, recipients: list[str], force: bool = False
    ) -> Sent:
        argv = self.argv(recipients)
        shown = " ".join(self.command)
        try:
            done = subprocess.run(
                argv,
                input=raw,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise DeliveryFailed(
                f"the mail command {self.command[0]} is not installed",
                hint="install it (e.g. apt-get install msmtp) or correct command in tracker.toml",
                temporary=False,
                code=None,
            ) from None
        except subprocess.TimeoutExpired:
            raise DeliveryFailed(
                f"the mail command '{shown}' took longer than {self.timeout:g} s",
                hint="it may or may not have sent the message: check the mail server's log",
                temporary=False,
                code=None,
            ) from None
        except OSError as exc:
            raise DeliveryFailed(
                f"the mail command '{shown}' cannot be run ({exc.strerror or exc})",
                hint="correct command in the [mail] section of tracker.toml",
                temporary=False,
                code=None,
            ) from None
        if done.returncode == 0:
            return Sent(transport=self.name, location=shown)
        said = _first_line(done.stderr) or _first_line(done.stdout) or "no message"
        code = done.returncode
        if code == EX_TEMPFAIL:
            raise DeliveryFailed(
                f"the mail server could not take {message_id} now (exit {code}: {said})",
                hint="nothing was sent; try again later",
                temporary=True,
                code=code,
            )
        if code == EX_DATAERR:
            raise DeliveryFailed(
                f"a recipient of {message_id} was refused, so it was sent to nobody "
                f"(exit {code}: {said})",
                hint="correct the address in objectives.yaml, then send again",
                temporary=False,
                code=code,
            )
        raise DeliveryFailed(
            f"the mail command failed for {message_id} (exit {code}: {said})",
            hint="check the command and its configuration, then send again",
            temporary=False,
            code=code,
        )


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:200] if text else ""


@dataclass(frozen=True)
class OutboxMessage:
    """A message in the outbox as ``tracker outbox`` lists and shows it."""

    id: str  # the file name: the Message-ID without angle brackets
    message_id: str
    folder: str
    kind: str
    meeting: str
    date: str
    subject: str
    to: tuple[str, ...]
    attachments: tuple[tuple[str, int], ...]  # (file name, bytes)
    size: int

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "message_id": self.message_id,
            "folder": self.folder,
            "kind": self.kind,
            "meeting": self.meeting,
            "date": self.date,
            "subject": self.subject,
            "to": list(self.to),
            "attachments": [{"filename": n, "bytes": b} for n, b in self.attachments],
            "bytes": self.size,
        }


def describe(outbox: Outbox, entry: OutboxEntry) -> OutboxMessage:
    msg = outbox.read(entry)
    to = msg.get("To")
    addresses = tuple(a.addr_spec for a in to.addresses) if to is not None else ()
    files = tuple(
        (a.get_filename() or "", len(a.get_payload(decode=True) or b""))
        for a in msg.iter_attachments()
    )
    return OutboxMessage(
        id=entry.path.name.split(":2,")[0],
        message_id=entry.message_id,
        folder=entry.folder,
        kind=str(msg.get("X-Tracker-Kind", "")),
        meeting=str(msg.get("X-Tracker-Meeting", "")),
        date=str(msg.get("Date", "")),
        subject=" ".join(str(msg.get("Subject", "")).split()),
        to=addresses,
        attachments=files,
        size=entry.path.stat().st_size,
    )


def lookup(outbox: Outbox, ident: str) -> OutboxEntry:
    """The message named by its id, its Message-ID, or the start of its id (if unique)."""
    wanted = ident.strip().strip("<>")
    entries = outbox.entries()
    ids = [e.path.name.split(":2,")[0] for e in entries]
    exact = [e for e, i in zip(entries, ids, strict=True) if i == wanted]
    matches = exact or [e for e, i in zip(entries, ids, strict=True) if i.startswith(wanted)]
    if len(matches) == 1 and wanted:
        return matches[0]
    if not entries:
        raise MailError(f"the outbox {outbox.path} is empty", hint="nothing has been sent yet")
    if len(matches) > 1:
        raise MailError(
            f"'{ident}' matches {len(matches)} messages in the outbox",
            hint="give more of the id (see 'tracker outbox list')",
        )
    raise MailError(
        f"no message '{ident}' in the outbox",
        hint="run 'tracker outbox list' to see the ids",
    )


def export(entry: OutboxEntry, target: Path, *, force: bool = False) -> Path:
    """Copy a message's bytes to ``target`` (written whole, then renamed into place)."""
    if target.suffix.lower() != ".eml":
        raise MailError(f"{target} does not end in .eml", hint="name the file like pack.eml")
    if target.exists() and not force:
        raise MailError(f"{target} already exists", hint="choose another name or pass --force")
    if not target.parent.is_dir():
        raise MailError(f"the folder {target.parent} does not exist", hint="create it first")
    staged = target.with_name(f".{target.name}.part")
    try:
        staged.write_bytes(entry.path.read_bytes())
        os.replace(staged, target)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise MailError(
            f"cannot write {target} ({exc.strerror or exc})",
            hint="choose a folder you can write to",
        ) from None
    return target
