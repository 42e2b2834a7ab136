"""The overdue scan over 1,000,000 measures: first-ever (≈ half flagged) and daily (≈ 1,000 new).

Runs in a database of its own (<bench database>_1m), generated once with one history row per
measure. Each figure is printed beside its floor, the bare UPDATE with the same WHERE as raw SQL,
measured in the same run on the same rows. Our scan also writes the alert outbox rows in the same
statement, which the floor does not.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MEASURES = int(os.environ.get("BENCH_OVERDUE_MEASURES", "1000000"))
DAILY = 1000
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


def _timed(cur, sql: str, params: dict) -> float:
    started = time.perf_counter()
    cur.execute(sql, params)
    return time.perf_counter() - started


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
    reset = "UPDATE measures_measure SET overdue_since = NULL WHERE overdue_since IS NOT NULL"
    with connection.cursor() as cur:
        cur.execute(reset)
        cur.execute("TRUNCATE measures_measurealert")
        cur.execute("VACUUM ANALYZE measures_measure")
        # first-ever: the floor, then ours, on the same rows
        floor_initial = _timed(cur, f"UPDATE measures_measure SET overdue_since = current_deadline + 1 WHERE {WHERE}",
                               params)
        flagged_floor = cur.rowcount
        cur.execute(reset)
    started = time.perf_counter()
    flagged = overdue_scan(today=today)
    ours_initial = time.perf_counter() - started

    # A day passes before the next scan, and autovacuum with it: without this the mass UPDATE's
    # dead tuples and stale statistics make the planner skip the partial index.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE measures_measure")

    # daily: about DAILY measures fall due yesterday
    def make_daily(cur):
        cur.execute(
            "UPDATE measures_measure SET current_deadline = %(yesterday)s, overdue_since = NULL "
            "WHERE id IN (SELECT id FROM measures_measure WHERE status = 'in_progress' AND type <> 'ongoing' "
            "AND overdue_since IS NOT NULL ORDER BY id LIMIT %(n)s)",
            {"yesterday": today - timezone.timedelta(days=1), "n": DAILY},
        )

    with connection.cursor() as cur:
        make_daily(cur)
        cur.execute("VACUUM ANALYZE measures_measure")
        floor_daily = min(
            _timed(cur, f"UPDATE measures_measure SET overdue_since = current_deadline + 1 WHERE {WHERE}", params)
            for _ in range(1)
        )
        daily_floor_rows = cur.rowcount
        make_daily(cur)
        cur.execute("VACUUM ANALYZE measures_measure")
    started = time.perf_counter()
    daily_flagged = overdue_scan(today=today)
    ours_daily = time.perf_counter() - started
    print(json.dumps({
        "overdue_daily_1m_ms": {
            "value": round(ours_daily * 1000, 1), "floor": round(floor_daily * 1000, 1),
            "ratio": round(ours_daily / floor_daily, 2), "unit": "ms", "flagged": daily_flagged,
            "floor_flagged": daily_floor_rows, "measures": MEASURES,
        }
    }))
    print(json.dumps({
        "overdue_initial_1m_s": {
            "value": round(ours_initial, 2), "floor": round(floor_initial, 2),
            "ratio": round(ours_initial / floor_initial, 2), "unit": "s", "flagged": flagged,
            "floor_flagged": flagged_floor, "measures": MEASURES,
        }
    }))


if __name__ == "__main__":
    main()
