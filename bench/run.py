"""Benchmark: import, summary and KPI times on a large workspace (`make bench`).

Builds a workspace with 100,000 synthetic referrals and 50,000 training rows
over ten financial years, then times, each in a fresh process so that peak
memory is the step's own:

* reading the raw files alone (csv module; python-calamine; openpyxl read-only),
* `tracker data import` of the CSV and of the XLSX,
* `tracker data summary` and `tracker kpi show`.

Results are printed as a Markdown table and written to bench/out/results.json;
copy the figures into docs/benchmarks.md with the machine they came from.
Speed is measured here, never asserted in the test suite.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
REFERRALS = int(os.environ.get("BENCH_REFERRALS", "100000"))
TRAINING = int(os.environ.get("BENCH_TRAINING", "50000"))
FIRST_DAY = date(2011, 4, 1)
DAYS = (date(2021, 3, 31) - FIRST_DAY).days

STEP = """
import json, resource, sys, time
sys.argv = ["tracker"] + json.loads(sys.argv[1])
start = time.perf_counter()
from cli import app
try:
    app(sys.argv[1:], prog_name="tracker", standalone_mode=False)
except SystemExit as exc:
    if exc.code:
        raise
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"seconds": seconds, "peak_mb": peak}), file=sys.stderr)
"""

RAW = """
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
rows = 0
if kind == "csv":
    import csv
    with open(path, newline="", encoding="utf-8") as fh:
        for _ in csv.reader(fh):
            rows += 1
elif kind == "calamine":
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_path(path)
    rows = len(wb.get_sheet_by_index(0).to_python())
else:
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for _ in wb.worksheets[0].iter_rows(values_only=True):
        rows += 1
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH " + json.dumps({"seconds": seconds, "peak_mb": peak, "rows": rows}), file=sys.stderr)
"""


def _measure(code: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(
            f"benchmark step failed: {args}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
        )
    line = next(x for x in out.stderr.splitlines() if x.startswith("BENCH "))
    return json.loads(line[6:])


def _values(plan, dataset: str, field: str) -> list[str]:
    ds = plan.dataset(dataset)
    f = next(f for f in ds.fields if f.name == field)
    return [v.value for v in f.values]


def write_files(plan) -> dict[str, Path]:
    rng = random.Random(42)
    OUT.mkdir(parents=True, exist_ok=True)
    ref_csv = OUT / "referrals.csv"
    sectors = _values(plan, "referrals", "sector")
    districts = _values(plan, "referrals", "district")
    concerns = _values(plan, "referrals", "concern")
    outcomes = _values(plan, "referrals", "outcome")
    header = [f.name for f in plan.dataset("referrals").fields]  # the order rows are built in
    rows = []
    for i in range(REFERRALS):
        received = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        rows.append(
            [
                f"SYN-B{i:07d}",
                received.isoformat(),
                rng.choice(sectors),
                str(rng.randint(8, 70)),
                "",
                rng.choice(["Male"] * 7 + ["Female", "Other", "Not known"]),
                rng.choice(districts),
                rng.choice(concerns),
                rng.choice(outcomes),
                rng.choice(["Yes", "No"]),
                (received + timedelta(days=rng.randint(1, 60))).strftime("%d/%m/%Y"),
            ]
        )
    with ref_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)

    import openpyxl

    ref_xlsx = OUT / "referrals.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("referrals")
    ws.append(header)
    for row in rows:
        ws.append([*row[:3], int(row[3]), *row[4:]])
    wb.save(ref_xlsx)

    tr_csv = OUT / "training.csv"
    courses = _values(plan, "training", "course")
    tsectors = _values(plan, "training", "sector")
    tdistricts = _values(plan, "training", "district")
    formats = _values(plan, "training", "format")
    with tr_csv.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["delivered_on", "course", "sector", "organisation", "district", "attendees", "format"]
        )
        for i in range(TRAINING):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            writer.writerow(
                [
                    day.isoformat(),
                    rng.choice(courses),
                    rng.choice(tsectors),
                    f"Example organisation {i}",
                    rng.choice(tdistricts),
                    rng.randint(1, 120),
                    rng.choice(formats),
                ]
            )
    return {"referrals_csv": ref_csv, "referrals_xlsx": ref_xlsx, "training_csv": tr_csv}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> None:
    sys.path.insert(0, str(REPO))
    from tracker.plan.loader import load_plan

    plan = load_plan(REPO / "objectives.yaml").plan
    if sys.argv[1:] == ["--write-files"]:
        write_files(plan)
        return
    print(f"Machine: {machine()}")
    print(f"Writing {REFERRALS:,} referrals and {TRAINING:,} training rows ...", flush=True)
    # In a child process: Linux carries a parent's peak memory over into the children it
    # starts, so this process stays small for the peak-memory figures to be the steps' own.
    subprocess.run([sys.executable, __file__, "--write-files"], check=True)
    files = {
        "referrals_csv": OUT / "referrals.csv",
        "referrals_xlsx": OUT / "referrals.xlsx",
        "training_csv": OUT / "training.csv",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_USER"] = "plan.administrator@example.org"
    results: list[tuple[str, dict[str, float]]] = []

    for label, kind, path in (
        ("raw read: csv module (referrals CSV)", "csv", files["referrals_csv"]),
        ("raw read: python-calamine (referrals XLSX)", "calamine", files["referrals_xlsx"]),
        ("raw read: openpyxl read-only (referrals XLSX)", "openpyxl", files["referrals_xlsx"]),
    ):
        results.append((label, _measure(RAW, [kind, str(path)], env)))
        print(f"  {label}: {results[-1][1]['seconds']:.2f} s", flush=True)

    def run(label: str, args: list[str]) -> None:
        results.append((label, _measure(STEP, [json.dumps(args)], env)))
        print(f"  {label}: {results[-1][1]['seconds']:.2f} s", flush=True)

    # The XLSX import on its own workspace; everything else on one SQLite workspace, then
    # again on PostgreSQL where it is installed.
    xlsx_ws = _fresh_workspace(OUT / "ws-xlsx", [], env)
    run(
        f"import referrals XLSX ({REFERRALS // 1000}k rows)",
        [*_import("referrals", files["referrals_xlsx"]), "--workspace", str(xlsx_ws)],
    )
    database_options: list[tuple[str, list[str]]] = [("", [])]
    server = _postgres_server()
    if server is not None:
        database_options.append(("PostgreSQL: ", ["--database", server.create_database("bench")]))
    try:
        for prefix, db in database_options:
            ws = _fresh_workspace(OUT / ("ws-pg" if db else "ws-csv"), db, env)
            for label, args in workload(files):
                run(prefix + label, [*args, "--workspace", str(ws), *db])
    finally:
        if server is not None:
            server.stop()

    print()
    print("| step | seconds | peak memory (MB) |")
    print("|---|---:|---:|")
    for label, r in results:
        print(f"| {label} | {r['seconds']:.2f} | {r['peak_mb']:.0f} |")
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "referrals": REFERRALS,
                "training": TRAINING,
                "results": [{"step": s, **r} for s, r in results],
            },
            indent=2,
        ),
        encoding="utf-8",
    )


def _import(dataset: str, path: Path) -> list[str]:
    return ["data", "import", dataset, str(path), "--format", "json"]


def workload(files: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """The timed commands, in order, as (label, tracker arguments)."""
    return [
        (
            f"import referrals CSV ({REFERRALS // 1000}k rows)",
            _import("referrals", files["referrals_csv"]),
        ),
        ("reimport referrals CSV (no changes)", _import("referrals", files["referrals_csv"])),
        (
            f"import training CSV ({TRAINING // 1000}k rows)",
            _import("training", files["training_csv"]),
        ),
        (
            "data summary referrals --by sector --period quarter",
            [
                "data",
                "summary",
                "referrals",
                "--by",
                "sector",
                "--period",
                "quarter",
                "--format",
                "json",
            ],
        ),
        (
            "data summary referrals --by district,gender",
            ["data", "summary", "referrals", "--by", "district,gender", "--format", "json"],
        ),
        ("kpi show (all KPIs)", ["kpi", "show", "--as-of", "2021-03-31", "--format", "json"]),
    ]


def _fresh_workspace(folder: Path, database: list[str], env: dict[str, str]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    _measure(STEP, [json.dumps(["init", str(folder), *database])], env)
    return folder


def _postgres_server() -> Any:
    """A throwaway PostgreSQL server (tests/pg.py), or None where it is not installed."""
    from tests.pg import find_pg_bin, start_server

    if find_pg_bin() is None or os.environ.get("BENCH_POSTGRES") == "0":
        print("  (PostgreSQL not installed: PostgreSQL steps skipped)")
        return None
    return start_server()


if __name__ == "__main__":
    main()
