"""Who is acting, and whether they may: one rule for updates, KPI values and returns.

A person is named by the email address the plan gives their role (``--by`` or
TRACKER_USER). They may act on an item they own; plan administrators may act on
any item. Everything that records something on someone's behalf checks here.
"""

from __future__ import annotations

from tracker.errors import InvalidValueError, PermissionDeniedError
from tracker.plan.schema import Owner, Plan


def acting_person(by: str | None, *, doing: str) -> str:
    """The checked, lower-case email address of the person ``doing`` something."""
    from email_validator import EmailNotValidError, validate_email

    if by is None or not by.strip():
        raise InvalidValueError(
            f"who is {doing} is not known",
            hint="pass --by YOUR_EMAIL or set TRACKER_USER to your email address",
        )
    try:
        checked = validate_email(by.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValueError(
            f"'{by.strip()}' is not a valid email address",
            hint="pass --by with your email address as it appears in the plan",
        ) from None
    return str(checked.normalized).lower()


def check_administrator(plan: Plan, person: str, *, doing: str) -> None:
    """Refuse unless ``person`` administers the plan (``doing``: "issue returns")."""
    if plan.is_administrator(person):
        return
    raise PermissionDeniedError(
        f"{person} may not {doing}: only plan administrators do",
        hint="ask one of " + ", ".join(str(a) for a in plan.distribution.administrators),
    )


def check_may_act(plan: Plan, person: str, owner: Owner | None, *, act: str, item: str) -> None:
    """Refuse unless ``person`` owns ``item`` or administers the plan (``act``: "update")."""
    owner_email = str(owner.email).lower() if owner else ""
    if person == owner_email or plan.is_administrator(person):
        return
    held = f"it is owned by {owner_email} ({owner.role})" if owner else "it has no owner"
    raise PermissionDeniedError(
        f"{person} may not {act} {item}: {held}",
        hint=f"ask the owner to {act} it, or a plan administrator",
    )
