"""Leaders' dashboard at scale: server time of /dashboard/ against the same aggregates as raw SQL.

    DATABASE_URL=… python -m bench.dashboard [--generate N]

Needs a database already filled by bench/generate.py (``--generate N`` runs it first when the
database is empty). Logs in the first rectification-office user of the 中院 (it sees every court),
times the page with Django's test Client (p50/p95 over 20 runs, burn-down cache cold and warm) and
counts its queries; the floor is the same aggregates as hand-written SQL over the same scope.
Prints one JSON line: {"dashboard_ms": {"value", "floor", "ratio", "unit", …}}.
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

RUNS = 20

FLOOR_SQL = [
    # tiles, status distribution, overdue buckets
    """SELECT COUNT(*), COUNT(*) FILTER (WHERE m.type = 'ongoing'), COUNT(*) FILTER (WHERE m.status = 'closed'),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline < CURRENT_DATE),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline BETWEEN CURRENT_DATE AND CURRENT_DATE + 7),
       COUNT(*) FILTER (WHERE m.current_deadline <> m.original_deadline), COUNT(*) FILTER (WHERE m.relapse_count > 0),
       COUNT(*) FILTER (WHERE m.status = 'not_started'), COUNT(*) FILTER (WHERE m.status = 'in_progress'),
       COUNT(*) FILTER (WHERE m.status = 'closeout_requested'), COUNT(*) FILTER (WHERE m.status = 'ongoing'),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline BETWEEN CURRENT_DATE - 7 AND CURRENT_DATE - 1),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline BETWEEN CURRENT_DATE - 30 AND CURRENT_DATE - 8),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline < CURRENT_DATE - 30)
       FROM measures_measure m JOIN issues_review r ON r.id = m.review_id WHERE r.court_id = ANY(%(courts)s)""",
    # problems per category
    """SELECT name, COUNT(*), COUNT(*) FILTER (WHERE closable > 0 AND unfinished = 0) FROM (
         SELECT m.problem_id, c.name, COUNT(*) FILTER (WHERE m.type <> 'ongoing') AS closable,
                COUNT(*) FILTER (WHERE m.type <> 'ongoing' AND m.status <> 'closed') AS unfinished
         FROM measures_measure m JOIN issues_review r ON r.id = m.review_id
         JOIN issues_problem p ON p.id = m.problem_id JOIN issues_category c ON c.id = p.category_id
         WHERE r.court_id = ANY(%(courts)s) GROUP BY m.problem_id, c.name) x GROUP BY name""",
    # departments
    """SELECT m.lead_department_id, COUNT(*) FILTER (WHERE m.type <> 'ongoing'), COUNT(*) FILTER (WHERE m.status = 'closed'),
       COUNT(*) FILTER (WHERE m.status IN ('not_started','in_progress','closeout_requested') AND m.type <> 'ongoing'
                        AND m.current_deadline < CURRENT_DATE)
       FROM measures_measure m JOIN issues_review r ON r.id = m.review_id
       WHERE r.court_id = ANY(%(courts)s) AND m.lead_department_id IS NOT NULL GROUP BY 1""",
    # courts
    """SELECT r.court_id, COUNT(*), COUNT(*) FILTER (WHERE m.status = 'closed') FROM measures_measure m
       JOIN issues_review r ON r.id = m.review_id WHERE r.court_id = ANY(%(courts)s) GROUP BY 1""",
]
FLOOR_BURNDOWN = """
    WITH h AS (SELECT (hm.history_date AT TIME ZONE 'Asia/Shanghai')::date AS day,
        (hm.status IN ('not_started','in_progress','closeout_requested') AND hm.type <> 'ongoing') AS o,
        LAG(hm.status IN ('not_started','in_progress','closeout_requested') AND hm.type <> 'ongoing')
          OVER (PARTITION BY hm.id ORDER BY hm.history_date, hm.history_id) AS w
        FROM measures_historicalmeasure hm WHERE hm.id IN (
          SELECT m.id FROM measures_measure m JOIN issues_review r ON r.id = m.review_id WHERE r.court_id = ANY(%(courts)s)))
    SELECT day, SUM(CASE WHEN o THEN 1 ELSE -1 END) FROM h WHERE o IS DISTINCT FROM COALESCE(w, false) GROUP BY day"""


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=20)[q] if len(samples) >= 2 else samples[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", type=int, metavar="N", help="fill an empty database with N measures first")
    args = parser.parse_args(argv)
    if args.generate:
        from bench.generate import generate

        generate(args.generate, 10, False)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from measures.models import Measure

    office = User.objects.filter(roles__contains=["rectification_office"], court__parent__isnull=True).order_by("id").first()
    client = Client()
    client.force_login(office)
    courts = office.court.descendant_ids()

    def timed(clear_cache: bool) -> tuple[list[float], int]:
        samples, queries = [], 0
        for _ in range(RUNS):
            if clear_cache:
                cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get("/dashboard/")
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
        return samples, queries

    client.get("/dashboard/")  # warm connections and templates
    cold, queries = timed(clear_cache=True)
    warm, _ = timed(clear_cache=False)

    def floor(statements) -> list[float]:
        samples = []
        with connection.cursor() as cur:
            for _ in range(RUNS):
                started = time.perf_counter()
                for sql in statements:
                    cur.execute(sql, {"courts": courts})
                    cur.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
        return samples

    floor_all = floor([*FLOOR_SQL, FLOOR_BURNDOWN])
    floor_live = floor(FLOOR_SQL)
    value, floor_value = _pct(warm, 9), _pct(floor_live, 9)  # p50s: burn-down cached vs live aggregates
    print(json.dumps({
        "dashboard_ms": {
            "value": round(value, 1), "floor": round(floor_value, 1), "ratio": round(value / floor_value, 2),
            "unit": "ms", "what": "p50, burn-down cached; floor = the live aggregates as raw SQL",
            "p95": round(_pct(warm, 18), 1),
            "cold_p50": round(_pct(cold, 9), 1), "cold_p95": round(_pct(cold, 18), 1),
            "cold_floor_p50": round(_pct(floor_all, 9), 1),
            "cold_ratio": round(_pct(cold, 9) / _pct(floor_all, 9), 2),
            "queries": queries, "measures": Measure.objects.count(),
            "history_rows": Measure.history.count(),
        }
    }))


if __name__ == "__main__":
    main()
