"""`make bench`: fill a benchmark database once, run every scenario, print a table, write results.json.

Each scenario is a script in this folder that prints JSON lines of the form
{"<key>": {"value": …, "floor": …, "ratio": …, "unit": …}}; the floor is measured in the same run.
Scenarios run one after another in their own processes against a database of their own
(<DATABASE_URL's database>_bench), never the application's. results.json records the commit, the
start and end time and the load average of the run, and holds that one run only; bench/report.py
then regenerates docs/performance.md's tables from it. BENCH_SCENARIOS=a,b (a partial run) writes
results.partial.json instead.
"""

import datetime
import json
import os
import runpy
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = [
    "measure_list",
    "api_list",
    "dashboard",
    "overdue",
    "dashboard_1m",  # in the overdue scenario's 1,000,000-measure database
    "ledger_export",
    "bulletin",
    "concurrent",
]
# Arguments a scenario runs with under make bench.
ARGUMENTS = {"api_list": ["--concurrent", "20"]}  # 20 s each: the list, the floor view, notifications
KEYS = [
    "measure_list_p95_ms", "api_list_p95_ms", "api_list_rps", "dashboard_ms", "overdue_daily_1m_ms", "overdue_initial_1m_s",
    "ledger_export_100k_s", "ledger_export_100k_rss_mb", "ledger_import_10k_s", "bulletin_10k_s", "concurrent_rps", "concurrent_errors",
    "concurrent_lost_updates",
]


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def bench_database_url() -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEMO", "1")
    from courtreform.settings import env

    url = os.environ.get("BENCH_DATABASE_URL") or env("DATABASE_URL")
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "courtreform"
    if not name.endswith("_bench"):
        name += "_bench"
    return urlunsplit(parts._replace(path="/" + name))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    url = bench_database_url()
    ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEMO": "1", "DEBUG": "0"}
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    size = os.environ.get("BENCH_MEASURES", "100000")
    subprocess.run([py, "-m", "bench.generate", "--measures", size], cwd=ROOT, env=env, check=True)
    # BENCH_SCENARIOS=a,b runs only those and writes results.partial.json: results.json only ever
    # holds one full run, never figures merged from runs at different times.
    only = [n for n in os.environ.get("BENCH_SCENARIOS", "").split(",") if n]
    started_at = datetime.datetime.now(datetime.UTC)
    load_before = [round(x, 2) for x in os.getloadavg()]
    results: dict = {}
    notes: dict = {}
    for name in SCENARIOS:
        if only and name not in only:
            continue
        script = HERE / f"{name}.py"
        if not script.exists():
            notes[name] = "scenario not written yet"
            continue
        started = time.perf_counter()
        proc = subprocess.run([py, "-m", f"bench.{name}", *ARGUMENTS.get(name, [])], cwd=ROOT, env=env, capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                try:
                    results.update(json.loads(line))
                except json.JSONDecodeError:
                    pass
        if proc.returncode != 0:
            notes[name] = f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
        print(f"… {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if "dashboard_1m_ms" in results and "dashboard_ms" in results:
        results["dashboard_ms"]["at_1m"] = results.pop("dashboard_1m_ms")
    deployed = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    output = {
        "run": {
            "commit": _git("rev-parse", "HEAD"), "uncommitted_changes": bool(_git("status", "--porcelain")),
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "scenarios": [name for name in SCENARIOS if not only or name in only], "partial": bool(only),
            "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
        },
        "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0], "measures": int(size),
                    "gunicorn": {"worker_class": deployed["worker_class"], "threads": deployed.get("threads", 1),
                                 "workers": 2}},
        **{key: results[key] for key in KEYS if key in results},
        "missing": [key for key in KEYS if key not in results],
        "notes": notes,
    }
    target = HERE / ("results.partial.json" if only else "results.json")
    target.write_text(json.dumps(output, ensure_ascii=False, indent=2) + "\n")
    if not only:
        subprocess.run([py, "-m", "bench.report"], cwd=ROOT, check=True)  # docs/performance.md from it
    print(f"{'scenario':32} {'value':>12} {'floor':>12} {'ratio':>7}  unit")
    for key in KEYS:
        row = results.get(key)
        if row:
            print(f"{key:32} {row.get('value')!s:>12} {row.get('floor')!s:>12} {row.get('ratio')!s:>7}  {row.get('unit')}")
        else:
            print(f"{key:32} {'—':>12} {'—':>12} {'—':>7}  (not measured)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
