"""Benchmark: protecting a pack's tables over two years of packs (`make bench`).

Builds a SQLite workspace with 100,000 synthetic referrals over ten financial
years (2011/12 to 2020/21) and the shipped plan's declared publications, then
compiles the strategy's packs in order -- every Steering Group and the review,
about two years of packs -- each protected together with the ledger of every
pack before it. For each pack it times:

* the protection alone (secondary suppression and the audit of every hidden
  count, ``tracker.disclosure.protect``), which issue 7 requires under 5 s;
* the whole release (counting in the database, protecting, recording).

The same series is then compiled on a partnership's own scale (120 referrals
over two years), where nearly every cell is small and protection does the
most work.

As everywhere in `make bench`, each figure is also given as a ratio to a
floor measured in the same run (here: one GROUP BY over the referrals),
so figures from machines of different speeds can be compared. Results are
printed and written to bench/out/disclosure.json.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "bench" / "out"
REFERRALS = int(os.environ.get("BENCH_REFERRALS", "100000"))
FIRST_DAY = date(2011, 4, 1)
LIMIT_SECONDS = 5.0


def _values(plan: Any, field: str) -> list[str]:
    ds = plan.dataset("referrals")
    f = next(x for x in ds.fields if x.name == field)
    return [v.value for v in f.values or []]


def write_referrals(plan: Any, path: Path, count: int = REFERRALS, first: date = FIRST_DAY) -> None:
    rng = random.Random(7)
    days = (date(2021, 3, 31) - first).days
    sector = _values(plan, "sector")
    cols = [
        "reference",
        "received_on",
        "sector",
        "age",
        "gender",
        "district",
        "concern",
        "outcome",
        "safeguarding_concern",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(cols)
        for i in range(count):
            day = first + timedelta(days=rng.randrange(days))
            writer.writerow(
                [
                    f"BENCH-{i:06d}",
                    day.isoformat(),
                    rng.choice(sector),
                    rng.randint(8, 70),
                    rng.choice(["Male"] * 7 + ["Female", "Other", "Not known"]),
                    rng.choice(_values(plan, "district")),
                    rng.choice(_values(plan, "concern")),
                    rng.choice(_values(plan, "outcome")),
                    rng.choice(["Yes", "No"]),
                ]
            )


def series(engine: Any, plan: Any, label: str) -> list[dict[str, Any]]:
    """Compile every pack of the strategy in order, timing the protection of each."""
    from tracker.disclosure import protect as protect_module
    from tracker.release import publish, service

    timings: list[float] = []
    original = protect_module.protect

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        result = original(*args, **kwargs)
        timings.append(time.perf_counter() - t)
        return result

    service.protect = timed
    packs = []
    try:
        for meeting in plan.meetings:
            timings.clear()
            t = time.perf_counter()
            pub = publish(engine, plan, as_of=meeting.date, channel="pack", reference=meeting.id)
            whole = time.perf_counter() - t
            packs.append(
                {
                    "workspace": label,
                    "pack": meeting.id,
                    "protect_s": sum(timings),
                    "release_s": whole,
                    "hidden": sum(table.hidden for table in pub.tables),
                }
            )
    finally:
        service.protect = original
    return packs


def main() -> None:
    from sqlalchemy import text

    from tracker.data.importer import import_file
    from tracker.db.engine import make_engine
    from tracker.db.migrate import upgrade
    from tracker.plan.loader import load_plan

    OUT.mkdir(parents=True, exist_ok=True)
    plan = load_plan(REPO / "objectives.yaml").plan
    db = OUT / "disclosure.db"
    db.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    source = OUT / "disclosure-referrals.csv"
    write_referrals(plan, source)
    import_file(engine, plan, "referrals", source, progress=None)

    start = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(
            text(
                "SELECT json_extract(\"values\", '$.received_on_month'), count(*) "
                "FROM data_record WHERE dataset = 'referrals' GROUP BY 1"
            )
        ).all()
    floor = time.perf_counter() - start

    packs = series(engine, plan, f"{REFERRALS:,} referrals over ten years")
    # and a partnership's own scale: about 50 referrals a year, so nearly every cell is small
    small_db = OUT / "disclosure-small.db"
    small_db.unlink(missing_ok=True)
    small = make_engine(f"sqlite:///{small_db}")
    upgrade(small)
    small_source = OUT / "disclosure-small.csv"
    write_referrals(plan, small_source, count=120, first=date(2019, 4, 1))
    import_file(small, plan, "referrals", small_source, progress=None)
    packs += series(small, plan, "120 referrals over two years")
    large = [p for p in packs if p["workspace"].startswith(f"{REFERRALS:,}")]
    worst = max(p["protect_s"] for p in large)
    results = {
        "referrals": REFERRALS,
        "floor_s": floor,
        "packs": packs,
        "worst_protect_s": worst,
        "total_protect_s": sum(p["protect_s"] for p in large),
        "limit_s": LIMIT_SECONDS,
    }
    (OUT / "disclosure.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("| workspace | pack | protection (s) | x floor | whole release (s) | hidden figures |")
    print("|---|---|---|---|---|---|")
    for p in packs:
        print(
            f"| {p['workspace']} | {p['pack']} | {p['protect_s']:.2f} | "
            f"{p['protect_s'] / floor:.2f} | {p['release_s']:.2f} | {p['hidden']} |"
        )
    print(f"\nfloor (one GROUP BY over {REFERRALS:,} referrals): {floor:.3f} s")
    verdict = "within" if worst < LIMIT_SECONDS else "OVER"
    print(
        f"large workspace: slowest pack's protection {worst:.2f} s, all packs "
        f"{results['total_protect_s']:.2f} s: {verdict} the {LIMIT_SECONDS:.0f} s limit"
    )


if __name__ == "__main__":
    main()
