"""The ``[mail]`` section of the workspace's tracker.toml: how email leaves, and from whom.

    [mail]
    transport = "outbox"          # the default: a Maildir folder, nothing leaves the machine
    # transport = "sendmail"
    # command = "msmtp -C /etc/tracker/msmtprc -t"   # or "/usr/sbin/sendmail -i"
    from = "prevent-officer@example.org"  # default: the plan's first administrator
    from_name = "Prevent partnership officer"
    reply_to = "prevent-officer@example.org"
    marking = "OFFICIAL-SENSITIVE"  # put before every subject and in every footer
    timeout = 60                   # seconds the command may take per message

A command given ``-t`` reads the recipients from the message's headers
(msmtp, sendmail); any other command is given them as arguments after
``--``. The command's own configuration (server, password) stays in its own
file: tracker never holds a mail password.
"""

from __future__ import annotations

import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.mail.errors import MailError

TRANSPORTS = ("outbox", "sendmail")
OUTBOX_DIR = "outbox"
_KEYS = {"transport", "command", "from", "from_name", "reply_to", "marking", "timeout"}


@dataclass(frozen=True)
class MailSettings:
    transport: str = "outbox"
    command: tuple[str, ...] = ()
    sender: str | None = None
    sender_name: str | None = None
    reply_to: str | None = None
    marking: str | None = None
    timeout: float = 60.0


def load_mail_settings(workspace: Path) -> MailSettings:
    """The workspace's mail settings (defaults when tracker.toml has no [mail] section)."""
    import tomllib

    from tracker.settings import SETTINGS_FILE

    path = workspace / SETTINGS_FILE
    if not path.is_file():
        return MailSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MailError(f"{path} cannot be read ({exc})", hint="correct its TOML") from None
    section = data.get("mail", {})
    if not isinstance(section, dict):
        raise MailError(f"{path}: mail must be a [mail] section", hint="see docs/email.md")
    return parse_mail_settings(section, where=f"{path} [mail]")


def parse_mail_settings(section: dict[str, Any], *, where: str = "[mail]") -> MailSettings:
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise MailError(
            f"{where}: unknown setting {unknown[0]}",
            hint=f"use only {', '.join(sorted(_KEYS))} (see docs/email.md)",
        )
    for key in _KEYS - {"timeout"}:
        if key in section and not isinstance(section[key], str):
            raise MailError(f"{where}: {key} must be text in quotes", hint="see docs/email.md")
    transport = section.get("transport", "outbox")
    if transport not in TRANSPORTS:
        raise MailError(
            f"{where}: transport '{transport}' is not known",
            hint='use transport = "outbox" or transport = "sendmail"',
        )
    try:
        command = tuple(shlex.split(section.get("command", "")))
    except ValueError as exc:
        raise MailError(
            f"{where}: command cannot be split ({exc})", hint="check its quotes"
        ) from None
    if transport == "sendmail" and not command:
        raise MailError(
            f"{where}: transport is sendmail but no command is given",
            hint='add command = "msmtp -C /path/to/msmtprc -t" (or "/usr/sbin/sendmail -i")',
        )
    timeout = section.get("timeout", 60)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise MailError(f"{where}: timeout must be a number of seconds", hint="e.g. timeout = 60")
    from tracker.mail.headers import check_address, check_header

    sender = section.get("from")
    reply_to = section.get("reply_to")
    for key, longest in (("from_name", 100), ("marking", 60), ("from", 254), ("reply_to", 254)):
        value = section.get(key)
        if value is None:
            continue
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
            raise MailError(
                f"{where}: {key} holds a line break or another control character",
                hint=f"write {key} on one line, in plain text",
            )
        if len(value) > longest:  # the plan's own marking (pack.marking) has the same limit
            raise MailError(
                f"{where}: {key} is {len(value)} characters long, the limit is {longest}",
                hint="shorten it: it goes into every email's "
                + ("subject" if key == "marking" else "headers"),
            )
    for key in ("from_name", "marking"):
        if key in section:
            check_header(key, section[key])
    return MailSettings(
        transport=transport,
        command=command,
        sender=check_address(sender, what=f"{where} from") if sender else None,
        sender_name=section.get("from_name") or None,
        reply_to=check_address(reply_to, what=f"{where} reply_to") if reply_to else None,
        marking=section.get("marking") or None,
        timeout=float(timeout),
    )
