"""Leaders' dashboard at scale: server time of /dashboard/ against the same aggregates as raw SQL.

    DATABASE_URL=… python -m bench.dashboard [--generate N]

Needs a database already filled by bench/generate.py (``--generate N`` runs it first when the
database is empty). Logs in the first rectification-office user of the 中院 (it sees every court),
times the page with Django's test Client (p50/p95 over 20 runs: nothing cached, after a change, unchanged) and
counts its queries; the floor is the same aggregates as the best hand-written SQL over the same
scope (see FLOOR_SQL). The load average is printed too: this is often a shared machine.
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

# The floor: the best hand-written SQL for the same figures (found with EXPLAIN ANALYZE on this data),
# scoped the fastest way — the tree's review ids first, then review_id = ANY(…) on the measures, which
# needs no join. Two passes over the measures, as the page makes: every tile, the status distribution,
# the overdue buckets, the department ranking and the courts panel from one GROUP BY (review, lead
# department, status, type) rolled up by GROUPING SETS; the categories from one GROUP BY problem.
# (Four separate aggregate queries joined to issues_review — the previous floor — took about twice as long.)
FLOOR_REVIEWS = "SELECT id FROM issues_review WHERE court_id = ANY(%(courts)s)"
OPEN = "('not_started','in_progress','closeout_requested')"
FLOOR_SQL = [
    # tiles, status distribution, overdue buckets, departments, courts
    f"""SELECT GROUPING(g.lead_department_id), g.lead_department_id, d.name, dc.short_name, g.court_id, g.status, g.type,
       SUM(n), SUM(ext), SUM(rel),
       SUM(od) FILTER (WHERE g.status IN {OPEN} AND g.type <> 'ongoing'), SUM(ds) FILTER (WHERE g.status IN {OPEN} AND g.type <> 'ongoing'),
       SUM(b1) FILTER (WHERE g.status IN {OPEN} AND g.type <> 'ongoing'), SUM(b2) FILTER (WHERE g.status IN {OPEN} AND g.type <> 'ongoing'),
       SUM(b3) FILTER (WHERE g.status IN {OPEN} AND g.type <> 'ongoing')
     FROM (SELECT r.court_id, m.lead_department_id, m.status, m.type, COUNT(*) AS n,
             COUNT(*) FILTER (WHERE current_deadline <> original_deadline) AS ext, COUNT(*) FILTER (WHERE relapse_count > 0) AS rel,
             COUNT(*) FILTER (WHERE current_deadline < CURRENT_DATE) AS od,
             COUNT(*) FILTER (WHERE current_deadline BETWEEN CURRENT_DATE AND CURRENT_DATE + 7) AS ds,
             COUNT(*) FILTER (WHERE current_deadline BETWEEN CURRENT_DATE - 7 AND CURRENT_DATE - 1) AS b1,
             COUNT(*) FILTER (WHERE current_deadline BETWEEN CURRENT_DATE - 30 AND CURRENT_DATE - 8) AS b2,
             COUNT(*) FILTER (WHERE current_deadline < CURRENT_DATE - 30) AS b3
           FROM measures_measure m JOIN issues_review r ON r.id = m.review_id
           WHERE m.review_id = ANY(%(reviews)s) GROUP BY 1, 2, 3, 4) g
     LEFT JOIN accounts_department d ON d.id = g.lead_department_id LEFT JOIN accounts_court dc ON dc.id = d.court_id
     GROUP BY GROUPING SETS ((g.status, g.type), (g.lead_department_id, d.name, dc.short_name, g.status, g.type),
                             (g.court_id, g.status, g.type))""",
    # problems per category
    """WITH p AS MATERIALIZED (
         SELECT problem_id, COUNT(*) FILTER (WHERE type <> 'ongoing') AS closable,
                COUNT(*) FILTER (WHERE type <> 'ongoing' AND status <> 'closed') AS unfinished
         FROM measures_measure WHERE review_id = ANY(%(reviews)s) GROUP BY 1)
       SELECT c.name, COUNT(*), COUNT(*) FILTER (WHERE closable > 0 AND unfinished = 0), SUM(closable), SUM(closable - unfinished)
       FROM p JOIN issues_problem ip ON ip.id = p.problem_id JOIN issues_category c ON c.id = ip.category_id GROUP BY c.name""",
]
FLOOR_BURNDOWN = f"""
    WITH h AS (SELECT hm.history_date AS at, s.o,
        LAG(s.o, 1, false) OVER (PARTITION BY hm.id ORDER BY hm.history_date, hm.history_id) AS w
        FROM measures_historicalmeasure hm,
        LATERAL (SELECT hm.history_type <> '-' AND hm.status IN {OPEN} AND hm.type <> 'ongoing' AS o) s
        WHERE hm.id IN (SELECT id FROM measures_measure WHERE review_id = ANY(%(reviews)s)))
    SELECT (at AT TIME ZONE 'Asia/Shanghai')::date, SUM(CASE WHEN o THEN 1 ELSE -1 END) FROM h WHERE o <> w GROUP BY 1"""


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=20)[q] if len(samples) >= 2 else samples[0]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generate", type=int, metavar="N", help="fill an empty database with N measures first")
    parser.add_argument("--key", default="dashboard_ms", help="the name of the printed figure")
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
    from measures.freshness import measures_changed
    from measures.models import Measure

    office = User.objects.filter(roles__contains=["rectification_office"], court__parent__isnull=True).order_by("id").first()
    client = Client()
    client.force_login(office)
    courts = office.court.descendant_ids()

    def timed(before_each) -> tuple[list[float], int]:
        samples, queries = [], 0
        for _ in range(RUNS):
            before_each()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get("/dashboard/")
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
        return samples, queries

    client.get("/dashboard/")  # warm connections and templates
    # Three situations: nothing cached (the first visit of the day); a measure changed since the last
    # visit (the passes over the measures recounted, the burn-down reused — the usual case on a working
    # day); nothing changed (everything reused).
    cold, queries = timed(cache.clear)
    client.get("/dashboard/")
    changed, _ = timed(measures_changed)
    unchanged, _ = timed(lambda: None)

    def floor(statements) -> list[float]:
        samples = []
        with connection.cursor() as cur:
            for _ in range(RUNS):
                started = time.perf_counter()
                cur.execute(FLOOR_REVIEWS, {"courts": courts})
                reviews = [row[0] for row in cur.fetchall()]
                for sql in statements:
                    cur.execute(sql, {"reviews": reviews})
                    cur.fetchall()
                samples.append((time.perf_counter() - started) * 1000)
        return samples

    floor_all = floor([*FLOOR_SQL, FLOOR_BURNDOWN])
    floor_live = floor(FLOOR_SQL)
    value, floor_value = _pct(changed, 9), _pct(floor_live, 9)  # p50s: recounted, burn-down reused vs raw SQL
    print(json.dumps({
        args.key: {
            "value": round(value, 1), "floor": round(floor_value, 1), "ratio": round(value / floor_value, 2),
            "unit": "ms", "what": "p50 after a change (measures recounted, burn-down reused); floor = the same "
                                  "aggregates as raw SQL",
            "p95": round(_pct(changed, 18), 1),
            "unchanged_p50": round(_pct(unchanged, 9), 1), "unchanged_p95": round(_pct(unchanged, 18), 1),
            "cold_p50": round(_pct(cold, 9), 1), "cold_p95": round(_pct(cold, 18), 1),
            "cold_floor_p50": round(_pct(floor_all, 9), 1),
            "cold_ratio": round(_pct(cold, 9) / _pct(floor_all, 9), 2),
            "queries": queries, "measures": Measure.objects.count(),
            "history_rows": Measure.history.count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    }))


if __name__ == "__main__":
    main()
