"""Leaders' dashboard at scale: server time of /dashboard/ against the same aggregates as raw SQL.

    DATABASE_URL=… python -m bench.dashboard [--generate N]

Needs a database already filled by bench/generate.py (``--generate N`` runs it first when the
database is empty). Logs in the first rectification-office user of the 中院 (it sees every court),
times the page with Django's test Client in interleaved rounds against its floor (bench/rounds.py: nothing
cached, after a change, unchanged; plus the first page after a fresh login) and counts its queries; the
floor is the same aggregates as the best hand-written SQL over the same scope (see FLOOR_SQL) and the same
read of the burn-down snapshot. Medians, spread, CPU per request and the load average are printed.
Prints one JSON line: {"dashboard_ms": {"value", "floor", "ratio", "unit", …}}.
"""

import argparse
import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "20"))

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
# The burn-down as the page reads it (reports.burndown): the snapshot's whole-review rows at each
# past week's end; today's point comes from the tiles, which the floor has computed already.
FLOOR_BURNDOWN = """
    SELECT p.day, COALESCE(SUM(b.open), 0) FROM (SELECT CURRENT_DATE - 7 * k AS day FROM generate_series(1, 52) k) p
    LEFT JOIN reports_burndownday b ON b.day = p.day AND b.review_id = ANY(%(reviews)s) AND b.lead_department_id IS NULL
    GROUP BY p.day"""


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
    from bench.rounds import interleaved, timed_ms
    from measures.freshness import measures_changed
    from measures.models import Measure
    from reports.burndown import burndown_days_write

    burndown_days_write()  # the nightly job, as on any morning (a no-op when it has run)
    office = User.objects.filter(roles__contains=["rectification_office"], court__parent__isnull=True).order_by("id").first()
    client = Client()
    client.force_login(office)
    courts = office.court.descendant_ids()
    queries = [0]

    def page(path="/dashboard/", by=client) -> float:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = by.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if path == "/dashboard/":
            queries[0] = max(queries[0], len(ctx.captured_queries))
        return elapsed

    def floor() -> float:
        def run():
            with connection.cursor() as cur:
                cur.execute(FLOOR_REVIEWS, {"courts": courts})
                reviews = [row[0] for row in cur.fetchall()]
                for sql in [*FLOOR_SQL, FLOOR_BURNDOWN]:
                    cur.execute(sql, {"reviews": reviews})
                    cur.fetchall()
        return timed_ms(run)

    fresh = Client()

    def log_in_fresh() -> None:
        cache.clear()
        fresh.force_login(office)

    page()  # warm connections and templates
    # The floor: every read statement the page itself sends with nothing cached, replayed as raw SQL —
    # the same work in the database without any Python of ours, so never slower than the page. The
    # hand-written SQL below (FLOOR_SQL) is timed beside it; whichever is faster is the floor.
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        page()
    replay = [q["sql"] for q in ctx.captured_queries if q["sql"].split(None, 1)[0].upper() in ("SELECT", "WITH")]

    def floor_replay() -> float:
        def run():
            with connection.cursor() as cur:
                for sql in replay:
                    cur.execute(sql)
                    cur.fetchall()
        return timed_ms(run)

    # Ours cold (nothing cached: the first visit of the day), ours after a change (the passes over the
    # measures recounted), ours unchanged (everything reused), the first page after a fresh login with
    # nothing cached, and the floor: the same aggregates and the same snapshot read as raw SQL.
    result = interleaved(
        {"cold": page, "after_change": page, "unchanged": page,
         "first_page_after_login": lambda: page("/my/", fresh), "floor_replay": floor_replay,
         "floor_hand_written": floor},
        # "unchanged" is warmed untimed first: the side before it in a round may have emptied the cache.
        before={"cold": cache.clear, "after_change": measures_changed, "unchanged": page,
                "first_page_after_login": log_in_fresh},
        per_round=max(1, RUNS // 4),
    )
    floors = {name: result[name]["median"] for name in ("floor_replay", "floor_hand_written")}
    floor_name = min(floors, key=floors.get)
    value, floor_value = result["cold"]["median"], floors[floor_name]
    print(json.dumps({
        args.key: {
            "value": round(value, 1), "floor": round(floor_value, 1), "ratio": round(value / floor_value, 2),
            "unit": "ms", "what": "median with nothing cached; floor = the faster of the page's own read statements "
                                  "replayed raw and the hand-written aggregates, both with the same snapshot read",
            "floor_used": floor_name, "replayed_statements": len(replay),
            "after_change_ms": result["after_change"]["median"], "unchanged_ms": result["unchanged"]["median"],
            "first_page_after_login_ms": result["first_page_after_login"]["median"],
            "rounds": result, "queries": queries[0], "measures": Measure.objects.count(),
            "history_rows": Measure.history.count(),
        }
    }))


if __name__ == "__main__":
    main()
