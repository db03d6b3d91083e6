"""Benchmark: import, summary and KPI times on a large workspace (`make bench`).

Builds a workspace with 100,000 synthetic referrals and 50,000 training rows
over ten financial years, then times, each in a fresh process so that peak
memory is the step's own:

* the floors: the same rows parsed with the csv module (or read with
  python-calamine) and inserted with ``executemany`` into a plain SQLite table,
  then grouped by key -- what the libraries alone cost, measured in the same run;
* reading the raw files alone (csv module; python-calamine; openpyxl read-only),
* `tracker data import` of the CSV and of the XLSX into a fresh workspace, each
  right after its floor, for BENCH_REPEATS rounds (default 3), the least CPU of
  each kept and reported as a ratio to its floor's least, and also each round's
  import over its own floor (the median of those pairs), and a re-import with
  no changes: as a user runs it (the same file, so only its keys are read:
  tracker.data.fingerprint) and with ``--recheck`` (every row checked again);
* a CSV of 1,000,000 referrals, for peak memory (BENCH_MILLION=0 skips it);
* `tracker data summary` and `tracker kpi show`.

The machine may be shared, so absolute times vary from run to run; the ratios
to the floors, measured minutes apart under the same load, are what to compare.
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
import statistics
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
REFERRALS = int(os.environ.get("BENCH_REFERRALS", "100000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))  # rounds of each import and its floor
TRAINING = int(os.environ.get("BENCH_TRAINING", "50000"))
FIRST_DAY = date(2011, 4, 1)
DAYS = (date(2021, 3, 31) - FIRST_DAY).days

STEP = """
import json, resource, sys, time
sys.argv = ["tracker"] + json.loads(sys.argv[1])
start = time.perf_counter()
from cli import main  # the installed tracker command's entry point
try:
    main(sys.argv[1:])
except SystemExit as exc:
    if exc.code:
        raise
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
print("BENCH " + json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak}), file=sys.stderr)
"""

FLOOR = """
import json, os, resource, sqlite3, sys, time
kind, path, db = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
if kind == "csv":
    import csv
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
else:
    from python_calamine import CalamineWorkbook
    data = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    header, rows = [str(h) for h in data[0]], data[1:]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=NORMAL")
columns = ", ".join(f'"{h}"' for h in header)
con.execute(f"CREATE TABLE floor ({columns})")
con.execute("BEGIN IMMEDIATE")
con.executemany(f"INSERT INTO floor VALUES ({', '.join('?' * len(header))})", rows)
con.execute("COMMIT")
key = header[0]
groups = con.execute(f'SELECT COUNT(*) FROM (SELECT "{key}" FROM floor GROUP BY 1)').fetchone()
con.close()
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
found = {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "rows": len(rows)}
print("BENCH " + json.dumps(found), file=sys.stderr)
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
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
found = {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "rows": rows}
print("BENCH " + json.dumps(found), file=sys.stderr)
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


def write_million(plan, count: int) -> Path:
    """A CSV of ``count`` referrals (the same shape), written in a child process."""
    rng = random.Random(7)
    path = OUT / "referrals-million.csv"
    sectors = _values(plan, "referrals", "sector")
    districts = _values(plan, "referrals", "district")
    concerns = _values(plan, "referrals", "concern")
    outcomes = _values(plan, "referrals", "outcome")
    header = [f.name for f in plan.dataset("referrals").fields]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(count):
            received = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            writer.writerow(
                [
                    f"SYN-M{i:07d}",
                    received.isoformat(),
                    rng.choice(sectors),
                    str(rng.randint(8, 70)),
                    "",
                    rng.choice(["Male", "Female", "Other", "Not known"]),
                    rng.choice(districts),
                    rng.choice(concerns),
                    rng.choice(outcomes),
                    rng.choice(["Yes", "No"]),
                    (received + timedelta(days=rng.randint(1, 60))).strftime("%d/%m/%Y"),
                ]
            )
    return path


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
    if sys.argv[1:2] == ["--write-million"]:
        write_million(plan, int(sys.argv[2]))
        return
    print(f"Machine: {machine()}")
    # In a child process: Linux carries a parent's peak memory over into the children it
    # starts, so this process stays small for the peak-memory figures to be the steps' own.
    # BENCH_REUSE_FILES=1 keeps the files of an earlier run (same seed, same rows).
    if os.environ.get("BENCH_REUSE_FILES") != "1" or not (OUT / "referrals.xlsx").exists():
        print(f"Writing {REFERRALS:,} referrals and {TRAINING:,} training rows ...", flush=True)
        subprocess.run([sys.executable, __file__, "--write-files"], check=True)
    files = {
        "referrals_csv": OUT / "referrals.csv",
        "referrals_xlsx": OUT / "referrals.xlsx",
        "training_csv": OUT / "training.csv",
    }
    # Bytecode is cached as on a user's machine (an environment that turns caching off
    # would make every command compile tracker's source again, about 0.3 s of each figure).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TRACKER_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["TRACKER_USER"] = "plan.administrator@example.org"
    results: list[tuple[str, dict[str, float]]] = []

    def floor(label: str, kind: str, path: Path) -> dict[str, float]:
        db = OUT / f"floor-{kind}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        results.append((label, _measure(FLOOR, [kind, str(path), str(db)], env)))
        r = results[-1][1]
        print(f"  {label}: {r['seconds']:.2f} s ({r['cpu']:.2f} s CPU)", flush=True)
        return results[-1][1]

    for label, kind, path in (
        ("raw read: csv module (referrals CSV)", "csv", files["referrals_csv"]),
        ("raw read: python-calamine (referrals XLSX)", "calamine", files["referrals_xlsx"]),
        ("raw read: openpyxl read-only (referrals XLSX)", "openpyxl", files["referrals_xlsx"]),
    ):
        if kind == "openpyxl" and os.environ.get("BENCH_OPENPYXL") == "0":
            continue
        results.append((label, _measure(RAW, [kind, str(path)], env)))
        r = results[-1][1]
        print(f"  {label}: {r['seconds']:.2f} s ({r['cpu']:.2f} s CPU)", flush=True)

    def run(label: str, args: list[str]) -> dict[str, float]:
        results.append((label, _measure(STEP, [json.dumps(args)], env)))
        r = results[-1][1]
        print(f"  {label}: {r['seconds']:.2f} s ({r['cpu']:.2f} s CPU)", flush=True)
        return results[-1][1]

    # (step, CPU seconds, the floor's CPU seconds, goal): CPU time, because on a shared
    # machine wall time depends on what else runs; a step's CPU time hardly does.
    ratios: list[tuple[str, float, float, float]] = []
    goals: list[tuple[str, str, str]] = []  # (step, measured, goal) for the figures in words
    k = REFERRALS // 1000
    template = _fresh_workspace(OUT / "ws-template", [], env)
    tiny = OUT / "warm-up.csv"
    with files["referrals_csv"].open(encoding="utf-8") as fh:
        tiny.write_text(fh.readline() + fh.readline(), encoding="utf-8")
    # Not timed: the first run of a command writes the bytecode of what it imports.
    _measure(STEP, [json.dumps([*_import("referrals", tiny), "--dry-run", "--workspace",
                                str(template)])], env)  # fmt: skip
    # What an import pays before it reads a row: the command's start-up, opening the workspace,
    # reading the plan, and checking a one-row file (the floors pay none of it).
    startup = run(
        "start-up: tracker data import of a one-row file (--dry-run)",
        [*_import("referrals", tiny), "--dry-run", "--workspace", str(template)],
    )
    # Each import right after its floor, so that both see the same load; REPEATS rounds, and
    # the least CPU of each kept (a burst of load elsewhere inflates a run, never deflates it).
    rounds: dict[str, list[dict[str, float]]] = {}
    for round_ in range(REPEATS):
        for kind, source, label in (
            ("csv", files["referrals_csv"], f"import referrals CSV ({k}k rows)"),
            ("calamine", files["referrals_xlsx"], f"import referrals XLSX ({k}k rows)"),
        ):
            base = OUT / f"floor-{kind}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
            rounds.setdefault(f"floor {kind}", []).append(
                _measure(FLOOR, [kind, str(source), str(base)], env)
            )
            ws = OUT / f"ws-{kind}-{round_}"
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(template, ws)
            command = [*_import("referrals", source), "--workspace", str(ws)]
            rounds.setdefault(label, []).append(_measure(STEP, [json.dumps(command)], env))
            shutil.rmtree(ws, ignore_errors=True)
            print(f"  round {round_ + 1}/{REPEATS}: {label}: "
                  f"{rounds[label][-1]['cpu']:.2f} s CPU, its floor "
                  f"{rounds[f'floor {kind}'][-1]['cpu']:.2f} s CPU", flush=True)  # fmt: skip
    best = {name: min(runs, key=lambda r: r["cpu"]) for name, runs in rounds.items()}
    for name, shown in (
        ("floor csv", "floor: csv parse + executemany into SQLite (referrals CSV)"),
        (f"import referrals CSV ({k}k rows)", f"import referrals CSV ({k}k rows)"),
        ("floor calamine", "floor: calamine read + executemany into SQLite (referrals XLSX)"),
        (f"import referrals XLSX ({k}k rows)", f"import referrals XLSX ({k}k rows)"),
    ):
        results.append((f"{shown}, best of {REPEATS}", best[name]))
    # Each import, its floor and the goal for their ratio; the ratio is taken two ways: the
    # least CPU of each, and each round's import over the floor run just before it (the
    # median of those pairs: a drift in the machine's speed between rounds moves both alike).
    pairs = {
        "CSV import": (f"import referrals CSV ({k}k rows)", "floor csv", 3.0),
        "XLSX import": (f"import referrals XLSX ({k}k rows)", "floor calamine", 2.0),
    }
    for step, (own, base_name, goal) in pairs.items():
        ratios.append((step, best[own]["cpu"], best[base_name]["cpu"], goal))
    paired = {
        step: statistics.median(
            i["cpu"] / f["cpu"] for i, f in zip(rounds[own], rounds[base_name], strict=True)
        )
        for step, (own, base_name, _) in pairs.items()
    }
    spread = {
        name: (min(r["cpu"] for r in runs), max(r["cpu"] for r in runs))
        for name, runs in rounds.items()
    }
    database_options: list[tuple[str, list[str]]] = [("", [])]
    server = _postgres_server()
    if server is not None:
        database_options.append(("PostgreSQL: ", ["--database", server.create_database("bench")]))
    try:
        for prefix, db in database_options:
            ws = _fresh_workspace(OUT / ("ws-pg" if db else "ws-csv"), db, env)
            for label, args in workload(files):
                measured = run(prefix + label, [*args, "--workspace", str(ws), *db])
                if label.startswith("reimport"):
                    label = label.replace("reimport referrals CSV", "re-import")
                    goals.append(
                        (
                            f"{prefix}{label}",
                            f"{measured['seconds']:.2f} s, {measured['peak_mb']:.0f} MB peak",
                            "none: for comparison, every row checked and compared"
                            if "--recheck" in label
                            else "< 2 s, < 250 MB",
                        )
                    )
    finally:
        if server is not None:
            server.stop()
    if os.environ.get("BENCH_MILLION", "1") != "0":
        million = int(os.environ.get("BENCH_MILLION_ROWS", "1000000"))
        print(f"Writing {million:,} referrals for the memory check ...", flush=True)
        subprocess.run([sys.executable, __file__, "--write-million", str(million)], check=True)
        big = OUT / "referrals-million.csv"
        big_floor = floor(f"floor: csv parse + executemany ({million // 1000}k rows)", "csv", big)
        ws = _fresh_workspace(OUT / "ws-million", [], env)
        big_run = run(
            f"import referrals CSV ({million // 1000}k rows)",
            [*_import("referrals", big), "--workspace", str(ws)],
        )
        goals.append(
            (
                f"import of {million:,} rows: peak memory",
                f"{big_run['peak_mb']:.0f} MB (the floor, holding the rows: "
                f"{big_floor['peak_mb']:.0f} MB)",
                "bounded (the same as 100k rows)",
            )
        )

    print()
    print("| step | seconds | CPU seconds | peak memory (MB) |")
    print("|---|---:|---:|---:|")
    for label, r in results:
        print(f"| {label} | {r['seconds']:.2f} | {r['cpu']:.2f} | {r['peak_mb']:.0f} |")
    print()
    print(
        f"Start-up of a command that opens the workspace: {startup['seconds']:.2f} s "
        f"({startup['cpu']:.2f} s CPU); it is part of each import's figure"
    )
    print(
        f"| import | CPU seconds (least of {REPEATS}) | its range | floor CPU s (least) "
        "| floor range | ratio | round by round (median) | without start-up | goal |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for step, seconds, floor_cpu, goal in ratios:
        bare = (seconds - startup["cpu"]) / floor_cpu
        own, base_name, _ = pairs[step]
        (lo, hi), (flo, fhi) = spread[own], spread[base_name]
        print(
            f"| {step} | {seconds:.2f} | {lo:.2f}-{hi:.2f} | {floor_cpu:.2f} | {flo:.2f}-{fhi:.2f} "
            f"| {seconds / floor_cpu:.1f}x | {paired[step]:.1f}x | {bare:.1f}x | <= {goal:.0f}x |"
        )
    print()
    for step, figure, wanted in goals:
        print(f"{step}: {figure} (goal: {wanted})")
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "referrals": REFERRALS,
                "training": TRAINING,
                "results": [{"step": s, **r} for s, r in results],
                "startup_cpu": startup["cpu"],
                "ratios": [
                    {
                        "step": s,
                        "seconds": t,
                        "floor": f,
                        "ratio": t / f,
                        "paired_median": paired[s],
                        "goal": g,
                    }
                    for s, t, f, g in ratios
                ],
                "goals": [{"step": s, "measured": m, "goal": g} for s, m, g in goals],
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
            "reimport referrals CSV, every row checked again (--recheck, no changes)",
            [*_import("referrals", files["referrals_csv"]), "--recheck"],
        ),
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
