"""Synthetic demo data: fixed seed, plausible proportions, labelled, and importable as is."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tracker.data.synthetic import (
    default_window,
    synthetic_referrals,
    synthetic_training,
    write_synthetic_files,
)
from tracker.plan.schema import Plan

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def plan() -> Plan:
    from tracker.plan.loader import load_plan

    return load_plan(REPO / "objectives.yaml").plan


def _canonical(plan: Plan, dataset: str, field: str, value: str | None) -> str | None:
    if value is None:
        return None
    declared = plan.dataset(dataset)
    assert declared is not None
    f = next(f for f in declared.fields if f.name == field)
    for v in f.values or []:
        if value.casefold() in {s.casefold() for s in (v.value, *v.aliases)}:
            return v.value
    raise AssertionError(f"{value} is not a value of {field}")


def test_window_follows_the_plan(plan: Plan) -> None:
    assert default_window(plan) == (date(2018, 4, 1), date(2021, 3, 31))


def test_same_seed_same_files_and_another_seed_differs(plan: Plan, tmp_path: Path) -> None:
    a = write_synthetic_files(tmp_path / "a", plan)
    b = write_synthetic_files(tmp_path / "b", plan)
    c = write_synthetic_files(tmp_path / "c", plan, seed=7)
    assert set(a) == {"referrals", "training"}
    assert a["referrals"].name == "referrals.csv" and a["training"].name == "training.xlsx"
    assert a["referrals"].read_bytes() == b["referrals"].read_bytes()
    assert a["referrals"].read_bytes() != c["referrals"].read_bytes()


def test_referral_proportions_match_the_local_context(plan: Plan) -> None:
    start, end = default_window(plan)
    # many years' worth in the same window, so the proportions are not noise
    rows = synthetic_referrals(plan, random.Random(1), start=start, end=end, per_year=3000)
    n = len(rows)

    def share(field: str, *values: str) -> float:
        got = [_canonical(plan, "referrals", field, r[field]) for r in rows]
        return sum(1 for g in got if g in values) / n

    assert 0.86 <= share("gender", "Male") <= 0.90
    young = sum(
        1
        for r in rows
        if (r["age"] is not None and r["age"] <= 17)
        or _canonical(plan, "referrals", "age_band", r["age_band"]) in ("Under 15", "15 to 17")
    )
    assert 0.55 <= young / n <= 0.61
    sectors = Counter(_canonical(plan, "referrals", "sector", r["sector"]) for r in rows)
    (first, first_n), (second, second_n) = sectors.most_common(2)
    assert (first, second) == ("Schools", "Policing (non-CT)")
    assert 0.35 <= first_n / n <= 0.41 and 0.12 <= second_n / n <= 0.16
    districts = Counter(_canonical(plan, "referrals", "district", r["district"]) for r in rows)
    assert districts.most_common(1)[0][0] == "Northampton"
    assert 0.47 <= share("concern", "Mixed/Unclear/Unstable") <= 0.55
    assert 0.45 <= share("outcome", "No further action") <= 0.55
    assert 0.17 <= share("outcome", "Discussed at Channel panel") <= 0.23
    assert 0.08 <= share("outcome", "Adopted as Channel case") <= 0.12
    for r in rows:
        assert r["reference"].startswith("SYN-")
        assert start <= r["received_on"] <= end
        if r["decided_on"] is not None:
            assert r["received_on"] < r["decided_on"] <= end
    assert len({r["reference"] for r in rows}) == n


def test_demo_volumes(plan: Plan) -> None:
    start, end = default_window(plan)
    rows = synthetic_referrals(plan, random.Random(2019), start=start, end=end)
    per_year = Counter(r["reference"].split("-")[1] for r in rows)
    assert sorted(per_year) == ["2018", "2019", "2020"]
    assert all(35 <= count <= 55 for count in per_year.values())
    training = synthetic_training(plan, random.Random(2019), start=start, end=end)
    total = sum(r["attendees"] for r in training)
    assert 2_000 <= total <= 9_000
    courses = {_canonical(plan, "training", "course", r["course"]) for r in training}
    assert courses == {"WRAP workshop", "Prevent e-learning", "Channel awareness", "Refresher"}
    for r in training:
        course = _canonical(plan, "training", "course", r["course"])
        if course == "WRAP workshop":
            assert 8 <= r["attendees"] <= 30
        if course == "Prevent e-learning":
            assert 10 <= r["attendees"] <= 120
        assert "example" in r["organisation"].lower()
    formats = Counter(
        r["format"]
        for r in training
        if _canonical(plan, "training", "course", r["course"]) == "WRAP workshop"
        and r["delivered_on"] >= date(2020, 4, 1)
    )
    assert formats["Online live"] > formats["In person"]  # online after the lockdown


def test_synthetic_files_import_cleanly_through_the_cli(cli, tmp_path: Path) -> None:
    from tests.test_data_import import stored

    files = write_synthetic_files(tmp_path / "demo", _workspace_plan(cli))
    for dataset, path in files.items():
        result = cli("data", "import", dataset, str(path))
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Imported {path.name}"), result.output
        assert f" into {dataset}: " in result.output
    referrals = stored(cli, "referrals")
    assert 120 <= len(referrals) <= 150
    assert all(k.startswith("SYN-") for k in referrals)
    quarters = Counter(v["received_on_year"] for v in referrals.values())
    assert set(quarters) == {"2018/19", "2019/20", "2020/21"}
    males = sum(1 for v in referrals.values() if v["gender"] == "Male")
    assert 0.8 <= males / len(referrals) <= 0.95
    schools = sum(1 for v in referrals.values() if v["sector"] == "Schools")
    assert 0.28 <= schools / len(referrals) <= 0.48
    assert all(v["sector_group"] for v in referrals.values())
    training = stored(cli, "training")
    assert 2_000 <= sum(v["attendees"] for v in training.values()) <= 9_000
    again = cli("data", "import", "referrals", str(files["referrals"]))
    assert "no changes" in again.output


def test_both_formats(plan: Plan, tmp_path: Path) -> None:
    from tracker.data.readers import read_table

    files = write_synthetic_files(tmp_path, plan, formats={"referrals": "both"})
    assert set(files) == {"referrals", "referrals_xlsx"}
    csv_rows = read_table(files["referrals"]).rows
    xlsx = read_table(files["referrals_xlsx"])
    assert len(csv_rows) == len(xlsx.rows)
    assert xlsx.sheet == "referrals"
    import openpyxl

    book = openpyxl.load_workbook(files["referrals_xlsx"], read_only=True)
    about = next(book["About"].iter_rows(values_only=True))[0]
    assert about.startswith("SYNTHETIC DATA")


def _workspace_plan(cli) -> Plan:
    from tracker.settings import Settings
    from tracker.workspace import open_workspace

    with open_workspace(Settings(workspace=cli.workspace, database_url=cli.database_url)) as ws:
        return ws.plan()
