"""The mistakes an email can hit: a bad address or header, a broken template, a refused send."""

from __future__ import annotations

from tracker.errors import TrackerError


class MailError(TrackerError):
    """An email cannot be built or delivered; nothing was written or sent."""


class TemplateError(MailError):
    """A template (often a workspace's override) cannot be read or rendered."""


class AlreadySentError(MailError):
    """The same message (same Message-ID) was delivered before."""


class DeliveryFailed(MailError):
    """The transport refused or could not take the message.

    ``temporary`` is True when trying again later may work (the server was down:
    msmtp and sendmail exit 75); False when it will not as it stands (a
    recipient refused: exit 65, and then nothing was sent to anyone).
    """

    def __init__(self, message: str, *, hint: str, temporary: bool, code: int | None) -> None:
        self.temporary = temporary
        self.code = code
        super().__init__(message, hint=hint)
