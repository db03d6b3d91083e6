"""Every address and header value is checked before a message is built.

A header value holding a line break would let text typed by a person add
headers of its own (``Bcc:``...), so it is refused, as is any other control
character. Addresses are checked with email-validator (syntax only: nothing is
looked up), so a typo in the plan or the settings is one clear line rather
than a message the server bounces.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.mail.errors import MailError

# Message-IDs tracker makes: <kind.meeting.hash@domain>; also safe as a file name.
MESSAGE_ID = re.compile(r"^<([A-Za-z0-9][A-Za-z0-9._+=-]{0,200}@[A-Za-z0-9.-]{1,253})>$")


def check_header(name: str, value: str) -> str:
    """``value`` unchanged, or an error if it holds a line break or other control character."""
    bad = next((ch for ch in value if unicodedata.category(ch) in ("Cc", "Zl", "Zp")), None)
    if bad is not None:
        what = "a line break" if bad in "\r\n\u2028\u2029\x85" else f"the control character {bad!r}"
        raise MailError(
            f"the email's {name} header would hold {what} ({_preview(value)})",
            hint="remove line breaks from the text it is made from (titles, roles, meeting names)",
        )
    return value


def check_address(address: str, *, what: str = "address") -> str:
    """The address, normalised (domain lower-cased), or a one-line error naming it."""
    from email_validator import EmailNotValidError, validate_email

    check_header(what, address)
    if not address.isascii():  # a To: header of encoded words is not an address
        raise MailError(
            f"{what} has letters outside plain ASCII, which mail servers cannot be relied on "
            "to deliver",
            hint="give the address in its ASCII form (xn-- for the domain)",
        )
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise MailError(
            f"{what} '{_preview(address)}' is not a valid email address ({exc})",
            hint="correct it in objectives.yaml or the [mail] section of tracker.toml",
        ) from None
    return str(result.normalized)


def check_addresses(addresses: tuple[str, ...] | list[str], *, what: str) -> list[str]:
    """Each address checked; duplicates (in any case) removed; at least one."""
    seen: dict[str, str] = {}
    for address in addresses:
        normal = check_address(address, what=what)
        seen.setdefault(normal.lower(), normal)
    if not seen:
        raise MailError(f"the email has no {what}", hint="list at least one address in the plan")
    return list(seen.values())


def check_message_id(value: str) -> str:
    if not MESSAGE_ID.match(value):
        raise MailError(
            f"Message-ID {_preview(value)} is not one tracker made",
            hint="deliver messages built by tracker's email builders",
        )
    return value


def _preview(value: str, limit: int = 40) -> str:
    shown = value.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
