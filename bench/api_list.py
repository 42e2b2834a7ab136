"""GET /api/measures/ at any cursor depth: server time of a page against the same rows by raw SQL.

    python -m bench.api_list [--concurrent SECONDS]

Prints one JSON line: {"api_list_p95_ms": {"value", "floor", "ratio", "unit", ...}}. The floor is
the same 50 rows (same scope, same order, same keyset position, with leader, department and latest
progress) fetched by raw SQL. With --concurrent, it also starts gunicorn -w 2 on 127.0.0.1 and
measures requests/s of 8 clients paging through the list with an API token ("api_list_rps").
Needs a generated database (python -m bench.generate; bench/run.py does that).
"""

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

RUNS = 30
DEPTHS = (0.0, 0.25, 0.5, 0.9, 0.99)


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]


def _cursor(day, pk) -> str:
    position = f"{day.isoformat() if day else 'none'}.{pk}"
    return base64.urlsafe_b64encode(position.encode()).decode()


def _concurrent(seconds: float, raw_token: str, cursors: list[str]) -> dict:
    port = 8765
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "courtreform.wsgi:application"],
        env={**os.environ, "DB_CONN_MAX_AGE": "600"},
    )
    try:
        base = f"http://127.0.0.1:{port}/api/measures/"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        done, errors, lock = [0], [0], threading.Lock()
        stop = time.perf_counter() + seconds

        def client(n: int):
            i = n
            while time.perf_counter() < stop:
                url = base + (f"?cursor={cursors[i % len(cursors)]}" if cursors[i % len(cursors)] else "")
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {raw_token}"})
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        response.read()
                    ok = response.status == 200
                except OSError:
                    ok = False
                with lock:
                    done[0] += ok
                    errors[0] += not ok
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        return {"value": round(done[0] / elapsed, 1), "unit": "req/s", "errors": errors[0], "clients": 8,
                "workers": 2}
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=float, default=0, help="seconds of the 8-client gunicorn run")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.tokens import api_token_create
    from measures.models import Measure

    office = User.objects.filter(roles__contains=["rectification_office"]).order_by("id").first()
    client = Client()
    client.force_login(office)
    ordered = Measure.objects.order_by("current_deadline", "id").values_list("current_deadline", "id")
    total = ordered.count()
    court_ids = office.court.descendant_ids()
    page_ms, floor_ms, queries, cursors = [], [], 0, []
    for depth in DEPTHS:
        position = ordered[int(total * depth)] if depth else None
        cursor = _cursor(*position) if position else ""
        cursors.append(cursor)
        url = "/api/measures/" + (f"?cursor={cursor}" if cursor else "")
        client.get(url)  # warm
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                page_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
        day, pk = position if position else (None, 0)
        where = "AND (m.current_deadline > %s OR (m.current_deadline = %s AND m.id > %s))" if day else ""
        sql = (
            "SELECT m.id, m.text, m.current_deadline, m.status, m.progress_percent, d.name, u.full_name, "
            "(SELECT p.note FROM measures_progressreport p WHERE p.measure_id = m.id "
            " ORDER BY p.created_at DESC, p.id DESC LIMIT 1) "
            "FROM measures_measure m JOIN issues_review r ON r.id = m.review_id "
            "LEFT JOIN accounts_department d ON d.id = m.lead_department_id "
            f"LEFT JOIN accounts_user u ON u.id = m.responsible_leader_id WHERE r.court_id = ANY(%s) {where} "
            "ORDER BY m.current_deadline ASC NULLS LAST, m.id LIMIT 51"
        )
        params = [court_ids] + ([day, day, pk] if day else [])
        with connection.cursor() as cur:
            for _ in range(RUNS):
                started = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                floor_ms.append((time.perf_counter() - started) * 1000)
    value, floor = _p95(page_ms), _p95(floor_ms)
    result = {
        "api_list_p95_ms": {
            "value": round(value, 1), "floor": round(floor, 2), "ratio": round(value / floor, 1), "unit": "ms",
            "p50": round(statistics.median(page_ms), 1), "queries": queries, "measures": total,
            "depths": list(DEPTHS),
        }
    }
    if args.concurrent:
        token, raw = api_token_create(name="bench", court=office.court, acting_user=office, created_by=None)
        try:
            result["api_list_rps"] = _concurrent(args.concurrent, raw, cursors)
        finally:
            token.delete()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
