"""Hand-made report inputs: every rating, an override, hidden cells and injected formulas.

The publication tables have the shape the disclosure service publishes
(tables of counts with ``None`` for a suppressed cell); no cell holds 1 to 4.
"""

from __future__ import annotations

from datetime import date

from tracker.reports.model import (
    ActionLine,
    Change,
    DatasetTables,
    KpiLine,
    KpiPoint,
    ObjectiveLine,
    PackData,
    PublishedRow,
    PublishedTable,
    SourceLine,
)

INJECTED = '=HYPERLINK("http://example.org","click")'
AS_OF = date(2020, 11, 30)


def actions() -> tuple[ActionLine, ...]:
    return (
        ActionLine(
            id="SO1.1",
            objective_id="SO1",
            title="Map community networks",
            owner_role="Community Cohesion officers' network",
            owner_email="cc@example.org",
            start=date(2019, 10, 1),
            due=date(2020, 3, 31),
            status="in_progress",
            progress=70,
            rating="red",
            reason="Red: due 31 Mar 2020, not complete, 244 days overdue",
            computed_rating="red",
            last_update_on=date(2020, 11, 20),
            narrative=INJECTED,
            next_steps="+44 call partners; revised date to SG",
        ),
        ActionLine(
            id="SO1.2",
            objective_id="SO1",
            title="Hold cohesion events",
            owner_role="Community Safety Partnership manager",
            owner_email="csp@example.org",
            start=date(2020, 1, 1),
            due=date(2021, 3, 31),
            status="in_progress",
            progress=60,
            rating="green",
            reason="Green: 60% complete with 55% of the time elapsed",
            computed_rating="amber",
            self_rating="green",
            override_rating="green",
            override_reason="-Agreed at SG: events moved online",
            override_until=date(2021, 1, 31),
            last_update_on=date(2020, 11, 1),
            narrative="@partners events booked",
        ),
        ActionLine(
            id="SO2.1",
            objective_id="SO2",
            title="Tension monitoring",
            owner_role="Hate Crime lead",
            owner_email="hc@example.org",
            start=date(2019, 10, 1),
            due=date(2020, 6, 30),
            status="complete",
            progress=100,
            rating="complete",
            reason="Complete",
            computed_rating="complete",
            last_update_on=date(2020, 6, 20),
            narrative="Done.",
        ),
        ActionLine(
            id="SO2.2",
            objective_id="SO2",
            title="Quarterly reports",
            owner_role="Hate Crime lead",
            owner_email="hc@example.org",
            start=date(2020, 4, 1),
            due=date(2021, 3, 31),
            status="in_progress",
            progress=30,
            rating="amber",
            reason="Amber: 30% complete with 55% of the time elapsed",
            computed_rating="amber",
            update_overdue=True,
            last_update_on=date(2020, 8, 1),
        ),
        ActionLine(
            id="SO2.3",
            objective_id="SO2",
            title="Later work",
            owner_role="Hate Crime lead",
            owner_email="hc@example.org",
            start=date(2021, 1, 1),
            due=date(2021, 3, 31),
            status="not_started",
            progress=None,
            rating="grey",
            reason="Grey: not yet started (starts 1 Jan 2021)",
            computed_rating="grey",
        ),
    )


def kpis() -> tuple[KpiLine, ...]:
    points = (
        KpiPoint("2020/21 Q1", 12, None, 10, "green", "12 against a target of at least 10"),
        KpiPoint("2020/21 Q2", None, "<5", 10, "red", "<5 against a target of at least 10"),
    )
    return (
        KpiLine(
            id="KPI4.1",
            objective_id="SO4",
            name="Referrals received",
            unit="referrals",
            direction="higher",
            frequency="quarter",
            target=10,
            source="referrals",
            rating="red",
            reason="<5 against a target of at least 10",
            latest_period="2020/21 Q2",
            latest_value=None,
            latest_shown_as="<5",
            travel="worse",
            year_ago="n/a",
            points=points,
        ),
        KpiLine(
            id="KPI3.1",
            objective_id="SO3",
            name="People trained",
            unit="people",
            direction="higher",
            frequency="quarter",
            target=None,
            source="manual",
            rating="contextual",
            reason="contextual: no target",
            latest_period=None,
            latest_value=None,
            latest_shown_as=None,
            travel="n/a",
            year_ago="n/a",
            points=(),
        ),
    )


def tables() -> tuple[DatasetTables, ...]:
    sector = PublishedTable(
        key="referrals-sector-quarter",
        dataset="referrals",
        title="Referrals by sector",
        row_label="Sector",
        column_labels=("2020/21 Q1", "2020/21 Q2"),
        rows=(
            PublishedRow("Education", (12, None), None),
            PublishedRow("Police", (9, None), 16),
            PublishedRow("Other", (0, 6), 6),
        ),
        notes=("Sectors as recorded by the referrer.",),
    )
    quarter = PublishedTable(
        key="referrals-quarter",
        dataset="referrals",
        title="Referrals by quarter",
        row_label="Quarter",
        column_labels=("Referrals",),
        rows=(PublishedRow("2020/21 Q1", (21,), 21), PublishedRow("2020/21 Q2", (19,), 19)),
    )
    return (
        DatasetTables("referrals", "Prevent referrals", "Referrals", tables=(sector, quarter)),
        DatasetTables(
            "training",
            "Prevent training delivered",
            "Training",
            withheld="Training tables are not shown: they could not be protected together.",
        ),
    )


def pack_data(**changes: object) -> PackData:
    values: dict[str, object] = dict(
        title="Prevent Steering Group pack",
        plan="Sample plan",
        partnership="Sample partnership",
        marking="OFFICIAL-SENSITIVE",
        as_of=AS_OF,
        meeting_id="SG-2020-12",
        meeting_title="Prevent Steering Group",
        meeting_date=date(2020, 12, 8),
        threshold=5,
        objectives=(
            ObjectiveLine(
                "SO1",
                "Community cohesion",
                "Build cohesion",
                "Coordinator",
                "red",
                "1 of 2 actions red; 1 green",
                (("red", 1), ("green", 1)),
            ),
            ObjectiveLine(
                "SO2",
                "Tensions",
                "Tensions",
                "Coordinator",
                "amber",
                "1 of 3 actions amber; 1 complete, 1 grey",
                (("amber", 1), ("complete", 1), ("grey", 1)),
            ),
        ),
        actions=actions(),
        kpis=kpis(),
        headline_kpis=("KPI4.1", "KPI3.1"),
        datasets=tables(),
        changes=(
            Change("moved", "SO1.1", "Map community networks", "Amber", "Red", "now overdue"),
            Change(
                "override",
                "SO1.2",
                "Hold cohesion events",
                "Amber",
                "Green",
                "-Agreed at SG: events moved online",
            ),
        ),
        previous_as_of=date(2020, 8, 31),
        sources=(SourceLine("referrals", "Prevent referrals", "2020-11-30", "referrals.csv"),),
        rules=(("actions", "Red when past due and not complete."),),
        suppression_rule="Counts from 1 to 4 are hidden ([c]).",
    )
    values.update(changes)
    return PackData(**values)  # type: ignore[arg-type]
