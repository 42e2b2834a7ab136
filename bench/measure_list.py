"""我的整改任务 at any depth: server time of the list page and of a measure page, against raw SQL.

Prints one JSON line: {"measure_list_p95_ms": {"value", "floor", "ratio", "unit", ...}}.
The floor is the same 50 rows (same scope, same order, same keyset position) fetched by raw SQL,
run in interleaved rounds with the page at each depth (bench/rounds.py).
"""

import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

RUNS = 20
DEPTHS = (0.0, 0.5, 0.9)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.rounds import ROUNDS, interleaved
    from measures.freshness import measures_changed
    from measures.models import Measure
    from measures.pagination import _encode

    office = User.objects.filter(roles__contains=["rectification_office"]).order_by("id").first()
    client = Client()
    client.force_login(office)
    ordered = Measure.objects.order_by("current_deadline", "id").values_list("current_deadline", "id")
    total = ordered.count()
    page_ms, floor_ms, queries, rounds = [], [], 0, {}
    for depth in DEPTHS:
        cursor = ""
        if depth:
            day, pk = ordered[int(total * depth)]
            cursor = _encode(Measure(pk=pk, current_deadline=day))
        url = "/my/" + (f"?after={cursor}" if cursor else "")
        client.get(url)  # warm
        day, pk = (ordered[int(total * depth)] if depth else (None, 0))
        where = "WHERE (m.current_deadline, m.id) > (%s, %s)" if day else ""
        sql = (
            "SELECT m.id, m.text, m.current_deadline, m.status, m.progress_percent, r.title, p.description, "
            "d.name, u.full_name FROM measures_measure m JOIN issues_review r ON r.id = m.review_id "
            "JOIN issues_problem p ON p.id = m.problem_id LEFT JOIN accounts_department d ON d.id = m.lead_department_id "
            f"LEFT JOIN accounts_user u ON u.id = m.responsible_leader_id {where} "
            "ORDER BY m.current_deadline ASC NULLS LAST, m.id LIMIT 51"
        )
        params = [day, pk] if day else []

        def ours(url=url) -> float:
            nonlocal queries
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                page_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
            return page_ms[-1]

        def floor_query(sql=sql, params=params) -> float:
            with connection.cursor() as cur:
                started = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                floor_ms.append((time.perf_counter() - started) * 1000)
            return floor_ms[-1]

        rounds[str(depth)] = interleaved({"ours": ours, "floor": floor_query}, per_round=max(1, RUNS // ROUNDS))
    # The tiles are reused until a measure changes (measures.freshness): the figures above are a user
    # paging through the list; these are the first page right after somebody changed a measure.
    changed_ms = []
    for _ in range(RUNS):
        measures_changed()
        started = time.perf_counter()
        client.get("/my/")
        changed_ms.append((time.perf_counter() - started) * 1000)
    measure_pk = Measure.objects.filter(status="in_progress").values_list("pk", flat=True).first()
    detail_ms = []
    for _ in range(RUNS):
        started = time.perf_counter()
        client.get(f"/measures/{measure_pk}/")
        detail_ms.append((time.perf_counter() - started) * 1000)
    value, floor = _p95(page_ms), _p95(floor_ms)
    print(json.dumps({
        "measure_list_p95_ms": {
            "value": round(value, 1), "floor": round(floor, 2), "ratio": round(value / floor, 1), "unit": "ms",
            "p50": round(statistics.median(page_ms), 1), "queries": queries, "measures": total,
            "measure_page_p95_ms": round(_p95(detail_ms), 1),
            "after_a_change_p95_ms": round(_p95(changed_ms), 1), "after_a_change_p50_ms": round(statistics.median(changed_ms), 1),
            "floor_p50": round(statistics.median(floor_ms), 2), "rounds_by_depth": rounds,
        }
    }))


if __name__ == "__main__":
    main()
