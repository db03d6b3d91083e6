"""The shape of ``objectives.yaml``, as frozen pydantic models.

The plan file is the one place a partnership describes its strategy:
objectives, the actions that deliver them and who owns each, the KPIs that
measure them and the data sets those KPIs are computed from, the meetings the
work reports to, and who receives what. These models check each value's type
and form; ``tracker.plan.validate`` then checks what refers to what.

Every model forbids unknown keys so a misspelt key is reported, not ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from tracker.plan.base import PlanModel
from tracker.plan.cycle import CycleSettings
from tracker.plan.pack import PackSettings
from tracker.plan.publications import Publications
from tracker.plan.rag_settings import RagSettings

# Every text value fits an Excel cell and a document property many times over; names that
# head a document (the plan's, a meeting's title) must also fit its title (255 characters).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _plain_address(value: str) -> str:
    if not value.isascii():
        raise ValueError(
            f"'{value}' has letters outside plain ASCII, which mail servers cannot be relied on "
            "to deliver; give the address in its ASCII form (xn-- for the domain)"
        )
    return value


# Addresses are written into To: headers and sent through the partners' mail servers.
Address = Annotated[EmailStr, AfterValidator(_plain_address)]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
]
ObjectiveId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^SO\d+$")]
ActionId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^SO\d+\.\d+$")]
KpiId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^KPI\d+\.\d+$")]
MeetingId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=40
    ),  # a meeting's id names its files (return-SG-2021-03-owner-v2.xlsx)
]

STATUSES = ("not_started", "in_progress", "complete", "on_hold", "cancelled")
PERIODS = ("month", "quarter", "year")


class PlanSettings(PlanModel):
    """Facts about the strategy as a whole."""

    name: Name
    partnership: Name
    start: date
    end: date
    review: date = Field(description="the date of the strategy review")
    timezone: Text = "Europe/London"
    financial_year_start_month: int = Field(default=4, ge=1, le=12)
    suppression_threshold: int = Field(
        default=5, ge=1, le=100, description="counts from 1 to this minus one are shown as '<N'"
    )
    working_days_region: Text = Field(default="england", description="bank holidays to skip")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone '{value}'; use a name such as Europe/London"
            ) from exc
        return value


class Owner(PlanModel):
    """A role in a partner organisation that owns objectives, actions or KPIs."""

    id: Slug
    role: Text
    organisation: Text
    email: Address


class Milestone(PlanModel):
    date: date
    description: Text
    progress: int | None = Field(
        default=None,
        ge=0,
        le=100,
        description="per cent complete expected by this date (a point on the expected line)",
    )


class Action(PlanModel):
    id: ActionId
    title: Text
    owner: Slug
    start: date
    due: date
    outcome: Text
    milestones: list[Milestone] = Field(default_factory=list)


class Objective(PlanModel):
    id: ObjectiveId
    title: Text
    short_title: Text
    lead: Slug
    actions: list[Action] = Field(min_length=1)


class Meeting(PlanModel):
    id: MeetingId
    date: date
    kind: Literal["steering_group", "review"]
    title: Name


class Distribution(PlanModel):
    """Who receives what: email addresses (placeholders at example.org in the shipped plan)."""

    steering_group: list[Address] = Field(min_length=1)
    chair: list[Address] = Field(min_length=1)
    administrators: list[Address] = Field(min_length=1)


# --- data sets --------------------------------------------------------------------


class CategoryValue(PlanModel):
    """An allowed value of a category field, the other spellings accepted for it,
    and optionally the wider group it rolls up to (Schools -> Education)."""

    value: Text
    aliases: list[Text] = Field(default_factory=list)
    group: Text | None = None


class Band(PlanModel):
    """A band of an integer field: values up to and including ``max`` (None: no upper limit)."""

    label: Text
    max: int | None = None


class DataField(PlanModel):
    name: Slug
    type: Literal["date", "integer", "text", "category"]
    required: bool = True
    label: Text | None = None
    description: Text | None = None
    values: list[CategoryValue] | None = None  # category fields only
    min: int | None = None  # integer fields only
    max: int | None = None
    bands: list[Band] | None = None  # integer fields: derive <band_field> from the value
    band_field: Slug | None = None
    not_before: Slug | None = None  # date fields: never earlier than this other date field


class Dataset(PlanModel):
    """A data set the partnership imports (one row per referral, per training session...)."""

    name: Slug
    title: Text
    description: Text | None = None
    key: list[Slug] = Field(min_length=1, description="fields whose values identify a row")
    period_field: Slug = Field(description="the date field that places a row in a period")
    count_field: Slug | None = Field(
        default=None, description="integer field summed by summaries (training: attendees)"
    )
    small_number_suppression: bool = Field(
        default=True,
        description="counts about people (referrals) are suppressed below the plan's threshold",
    )
    fields: list[DataField] = Field(min_length=1)

    def derived_names(self) -> list[str]:
        """The fields tracker adds to every stored row, so nobody has to compute them:
        for each date field F, F_day (its ordinal), F_month, F_quarter and F_year; for
        each category field F whose values roll up to groups, F_group. (A band field is
        declared in the plan, so it is not listed here.) The importer, plan check,
        summaries and KPIs all rely on these names."""
        names: list[str] = []
        for f in self.fields:
            if f.type == "date":
                names += [f"{f.name}_{part}" for part in DATE_PARTS]
            elif f.type == "category" and any(v.group for v in f.values or []):
                names.append(f"{f.name}_group")
        return names


DATE_PARTS = ("day", "month", "quarter", "year")  # the derived fields of a date field


# --- KPIs -------------------------------------------------------------------------

Filter = dict[str, Text | list[Text]]


class Measure(PlanModel):
    """How a KPI's value is computed for a period.

    * ``count``: rows of ``dataset`` matching ``where`` (and not ``where_not``);
    * ``sum``: the sum of ``field`` over those rows;
    * ``percentage``: rows also matching ``numerator`` as a share of those rows;
    * ``mean_days`` / ``median_days``: days from ``from_field`` to ``to_field``;
    * ``manual``: values the owner records with ``tracker kpi record``.
    """

    kind: Literal["count", "sum", "percentage", "mean_days", "median_days", "manual"]
    dataset: Slug | None = None
    field: Slug | None = None
    where: Filter = Field(default_factory=dict)
    where_not: Filter = Field(default_factory=dict)
    numerator: Filter = Field(default_factory=dict)
    from_field: Slug | None = None
    to_field: Slug | None = None


class Kpi(PlanModel):
    id: KpiId
    name: Text
    objective: ObjectiveId
    owner: Slug | None = None
    unit: Text
    target: float | None = Field(
        default=None, description="None: a contextual indicator with no target"
    )
    direction: Literal["higher", "lower"]
    frequency: Literal["month", "quarter", "year"]
    cumulative: bool = Field(
        default=False, description="values run from the strategy start; target is for the review"
    )
    tolerance: float = Field(default=10.0, ge=0, le=100, description="amber band, % of target")
    measure: Measure = Field(default_factory=lambda: Measure(kind="manual"))
    description: Text | None = None


class Plan(PlanModel):
    """The whole plan file."""

    plan: PlanSettings
    owners: list[Owner] = Field(min_length=1)
    distribution: Distribution
    meetings: list[Meeting] = Field(default_factory=list)
    cycle: CycleSettings = Field(default_factory=CycleSettings)  # tracker/plan/cycle.py
    objectives: list[Objective] = Field(min_length=1)
    kpis: list[Kpi] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)
    pack: PackSettings = Field(default_factory=PackSettings)
    publications: Publications = Field(default_factory=Publications)
    rag: RagSettings = Field(default_factory=RagSettings)

    # -- look-ups (plans are small: a linear scan is clearer than a cache) --

    def owner(self, owner_id: str) -> Owner | None:
        return next((o for o in self.owners if o.id == owner_id), None)

    def owner_by_email(self, email: str) -> Owner | None:
        email = email.strip().lower()
        return next((o for o in self.owners if o.email.lower() == email), None)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    def actions(self) -> list[Action]:
        return [a for o in self.objectives for a in o.actions]

    def action(self, action_id: str) -> Action | None:
        return next((a for a in self.actions() if a.id == action_id), None)

    def kpi(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)

    def dataset(self, name: str) -> Dataset | None:
        return next((d for d in self.datasets if d.name == name), None)

    def is_administrator(self, email: str) -> bool:
        email = email.strip().lower()
        return any(a.lower() == email for a in self.distribution.administrators)


class PlanData(PlanModel):
    """What a data import reads of the plan in force: its settings and its data sets.

    The stored plan was checked whole when it was loaded; an import validates only
    these parts of it, so the models of owners, objectives and KPIs are never built.
    """

    model_config = ConfigDict(extra="ignore")  # the rest of the document is not read

    plan: PlanSettings
    datasets: list[Dataset] = Field(default_factory=list)

    def dataset(self, name: str) -> Dataset | None:
        return next((d for d in self.datasets if d.name == name), None)


def natural_key(ident: str) -> tuple[Any, ...]:
    """Sort SO2.10 after SO2.9."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", ident))
