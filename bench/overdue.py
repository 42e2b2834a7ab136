"""The overdue scan over 1,000,000 measures: first-ever (≈ half flagged) and daily (≈ 1,000 new).

Runs in a database of its own (<bench database>_1m), generated once with one history row per
measure. Each figure is printed beside its floor, the bare UPDATE with the same WHERE as raw SQL,
measured in the same run on the same rows, on the same plan, from the same starting state (see
settle). Our scan also writes the alert outbox rows in the same statement, which the floor does
not. The load average at the end is printed too: the machine is often shared.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MEASURES = int(os.environ.get("BENCH_OVERDUE_MEASURES", "1000000"))
DAILY = 1000
DAILY_ROUNDS = 3  # milliseconds on a shared machine: the median of three, floor and ours in turn
WHERE = (
    "current_deadline < %(today)s AND overdue_since IS NULL "
    "AND status IN ('not_started', 'in_progress', 'closeout_requested') AND type <> 'ongoing'"
)


def _database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=parts.path + "_1m"))


def _prepare(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--measures", str(MEASURES), "--history-per-measure", "1"],
        cwd=ROOT, env=env, check=True,
    )


def _timed_floor(cur, params: dict) -> tuple[float, int]:
    """The bare UPDATE, committed, on the plan our scan uses (measures.overdue: the partial index)."""
    started = time.perf_counter()
    cur.execute("BEGIN")
    cur.execute("SET LOCAL enable_seqscan = off")
    cur.execute(f"UPDATE measures_measure SET overdue_since = current_deadline + 1 WHERE {WHERE}", params)
    rows = cur.rowcount
    cur.execute("COMMIT")
    return time.perf_counter() - started, rows


def main() -> None:
    url = _database_url()
    _prepare(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from measures.overdue import overdue_scan

    today = timezone.localdate()
    params = {"today": today}

    def settle(cur):
        # The same starting state for the floor and for ours: no dead tuples, fresh statistics (what
        # autovacuum leaves), and a checkpoint just before, so both pay the full-page writes that the
        # first change to each page after a checkpoint costs (a daily job always does).
        cur.execute("VACUUM ANALYZE measures_measure")
        cur.execute("VACUUM ANALYZE measures_measurealert")
        cur.execute("CHECKPOINT")

    # first-ever: nothing flagged, no alerts; the floor, then ours, on the same rows
    def make_initial(cur):
        cur.execute("UPDATE measures_measure SET overdue_since = NULL WHERE overdue_since IS NOT NULL")
        cur.execute("TRUNCATE measures_measurealert")
        settle(cur)

    with connection.cursor() as cur:
        make_initial(cur)
        floor_initial, flagged_floor = _timed_floor(cur, params)
        make_initial(cur)
    started = time.perf_counter()
    flagged = overdue_scan(today=today)
    ours_initial = time.perf_counter() - started

    # daily: a day later about DAILY measures fell due yesterday
    # (the same rows each round, so their alerts from the round before are removed: each scan inserts)
    def make_daily(cur):
        cur.execute(
            "WITH due AS (UPDATE measures_measure SET current_deadline = %(yesterday)s, overdue_since = NULL "
            "WHERE id IN (SELECT id FROM measures_measure WHERE status = 'in_progress' AND type <> 'ongoing' "
            "AND overdue_since IS NOT NULL ORDER BY id LIMIT %(n)s) RETURNING id) "
            "DELETE FROM measures_measurealert WHERE measure_id IN (SELECT id FROM due) AND key = %(today)s",
            {"yesterday": today - timezone.timedelta(days=1), "today": today, "n": DAILY},
        )
        settle(cur)

    floors, ours, daily_flagged = [], [], 0
    for _ in range(DAILY_ROUNDS):
        with connection.cursor() as cur:
            make_daily(cur)
            floor, daily_floor_rows = _timed_floor(cur, params)
            floors.append(floor)
            make_daily(cur)
        started = time.perf_counter()
        daily_flagged = overdue_scan(today=today)
        ours.append(time.perf_counter() - started)
    floor_daily, ours_daily = statistics.median(floors), statistics.median(ours)
    load = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({
        "overdue_daily_1m_ms": {
            "value": round(ours_daily * 1000, 1), "floor": round(floor_daily * 1000, 1),
            "ratio": round(ours_daily / floor_daily, 2), "unit": "ms", "flagged": daily_flagged,
            "floor_flagged": daily_floor_rows, "measures": MEASURES, "load": load,
            "runs_ms": [round(t * 1000, 1) for t in ours], "floor_runs_ms": [round(t * 1000, 1) for t in floors],
        }
    }))
    print(json.dumps({
        "overdue_initial_1m_s": {
            "value": round(ours_initial, 2), "floor": round(floor_initial, 2),
            "ratio": round(ours_initial / floor_initial, 2), "unit": "s", "flagged": flagged,
            "floor_flagged": flagged_floor, "measures": MEASURES, "load": load,
        }
    }))


if __name__ == "__main__":
    main()
