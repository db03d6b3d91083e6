"""One exception family for everything a user can get wrong.

Every error a person can cause (a bad plan, a bad file, a wrong value on the
command line) is raised as a ``TrackerError``. The command line prints its
message on one line and exits with status 1; it never shows a traceback for
one. Each message ends with what to do next, so subclasses build their text
from the facts they are given rather than leaving it to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class TrackerError(Exception):
    """Base of every error caused by the user's input or environment."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}: {self.hint}"
        return self.message

    def details(self) -> list[str]:
        """Further lines (one per problem) shown after the one-line summary."""
        return []


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is and what to do about it."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ProblemsError(TrackerError):
    """Many problems found at once (a plan or a data file), listed in full."""

    def __init__(
        self, what: str, problems: Sequence[Problem], *, hint: str, total: int | None = None
    ) -> None:
        self.problems = list(problems)
        # ``total``: how many were found when only the first few are listed
        self.total = max(total or 0, len(self.problems))
        n = self.total
        noun = "problem" if n == 1 else "problems"
        super().__init__(f"{what}: {n} {noun} found, nothing was changed", hint=hint)

    def details(self) -> list[str]:
        lines = [str(p) for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"... and {self.total - len(self.problems)} more not listed")
        return lines


class PlanError(ProblemsError):
    """The plan file (objectives.yaml) is not valid."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        super().__init__(
            f"plan {file}",
            problems,
            hint="fix each line listed, then run 'tracker plan check' again",
        )
        whole = whole_file_problem(self.problems)
        if whole is not None:  # one line, no lines to list
            self.message, self.hint = str(whole), None
            self.args = (self.message,)

    def details(self) -> list[str]:
        return [] if whole_file_problem(self.problems) else super().details()


def whole_file_problem(problems: Sequence[Problem]) -> Problem | None:
    """The one problem when it is with the file as a whole (missing, a folder, binary),
    which has no line to point at, else None."""
    return problems[0] if len(problems) == 1 and problems[0].line is None else None


class WorkspaceError(TrackerError):
    """The workspace folder is missing or not a workspace."""


class DatabaseError(TrackerError):
    """The database cannot be reached, or its schema is not what this version expects."""


class NotFoundError(TrackerError):
    """A named thing (action, objective, KPI, data set) does not exist in the plan."""

    def __init__(
        self,
        kind: str,
        ident: str,
        *,
        known: Sequence[str] = (),
        where: str = "the plan",
        hint: str = "run 'tracker status' to see the ids in the plan",
    ) -> None:
        if known:
            shown = ", ".join(list(known)[:12]) + (", ..." if len(known) > 12 else "")
            hint = f"use one of {shown}"
        super().__init__(f"no {kind} '{ident}' in {where}", hint=hint)


class InvalidValueError(TrackerError):
    """A value given on the command line or in a return is not allowed."""


class PermissionDeniedError(TrackerError):
    """The person named is not allowed to do this (for example update another owner's action)."""


class DataFileError(ProblemsError):
    """A data file cannot be imported; nothing from it was stored."""

    def __init__(
        self,
        file: str,
        problems: Sequence[Problem],
        *,
        hint: str | None = None,
        total: int | None = None,
    ) -> None:
        super().__init__(
            f"import of {file}",
            problems,
            hint=hint or "correct the rows listed and import the whole file again",
            total=total,
        )
