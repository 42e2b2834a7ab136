"""GET /api/measures/ at any cursor depth: server time of a page against the same rows by raw SQL.

    python -m bench.api_list [--concurrent SECONDS] [--threads N] [--worker-class sync|gthread]

Prints one JSON line: {"api_list_p95_ms": {"value", "floor", "ratio", "unit", ...}} with p50/p95 per
depth and the load average (the machine is shared: read the figures against it). The floor is the
same 50 rows (same scope, same order, same keyset position, with leader, department and latest
progress) fetched by raw SQL with a row-value seek. With --concurrent, it also starts gunicorn -w 2
on 127.0.0.1 (DEBUG off, persistent connections) and measures requests/s of 8 clients paging
through the list with an API token ("api_list_rps"), and, as a second floor, of the same clients
on the cheapest authenticated endpoint (/api/notifications/: same middleware, token auth and DRF,
one small query). Needs a generated database (python -m bench.generate; bench/run.py does that).
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
CLIENTS = 8


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 2 else samples[0]


def _cursor(day, pk) -> str:
    position = f"{day.isoformat() if day else 'none'}.{pk}"
    return base64.urlsafe_b64encode(position.encode()).decode()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _hammer(seconds: float, raw_token: str, urls: list[str]) -> dict:
    """8 clients, each cycling through ``urls``, for ``seconds``: requests/s and client-side latency."""
    done, errors, latencies, lock = [0], [0], [], threading.Lock()
    stop = time.perf_counter() + seconds

    def client(n: int):
        i = n
        while time.perf_counter() < stop:
            request = urllib.request.Request(urls[i % len(urls)], headers={"Authorization": f"Bearer {raw_token}"})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                done[0] += ok
                errors[0] += not ok
                latencies.append((time.perf_counter() - started) * 1000)
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "value": round(done[0] / elapsed, 1), "unit": "req/s", "errors": errors[0],
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(_p95(latencies), 1), "load": _load(),
    }


def _concurrent(seconds: float, raw_token: str, cursors: list[str], *, threads: int, worker_class: str) -> dict:
    port = 8765
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "--worker-class", worker_class]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    # The application's own settings, production-like: DEBUG off, connections kept (with health checks).
    server = subprocess.Popen(
        [*command, "courtreform.wsgi:application"], env={**os.environ, "DEBUG": "0", "DB_CONN_MAX_AGE": "600"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        pages = [f"{base}/api/measures/" + (f"?cursor={cursor}" if cursor else "") for cursor in cursors]
        _hammer(1, raw_token, pages)  # warm both workers (imports, connections, first queries)
        result = _hammer(seconds, raw_token, pages)
        result["trivial_floor"] = _hammer(seconds, raw_token, [f"{base}/api/notifications/"])
        result["ratio"] = round(result["trivial_floor"]["value"] / result["value"], 2) if result["value"] else None
        result.update(clients=CLIENTS, workers=2, worker_class=worker_class,
                      threads=threads if worker_class == "gthread" else 1)
        return result
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=float, default=0, help="seconds of the 8-client gunicorn run")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per worker with --worker-class gthread")
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
    page_ms, floor_ms, queries, cursors, by_depth = [], [], 0, [], {}
    load_before = _load()
    for depth in DEPTHS:
        position = ordered[int(total * depth)] if depth else None
        cursor = _cursor(*position) if position else ""
        cursors.append(cursor)
        url = "/api/measures/" + (f"?cursor={cursor}" if cursor else "")
        client.get(url)  # warm
        depth_ms = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                depth_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
        page_ms += depth_ms
        by_depth[str(depth)] = {"p50": round(statistics.median(depth_ms), 1), "p95": round(_p95(depth_ms), 1)}
        day, pk = position if position else (None, 0)
        if position is None:
            where, seek = "", []
        elif day is None:  # among the undated measures, which sort last
            where, seek = "AND m.current_deadline IS NULL AND m.id > %s", [pk]
        else:  # a row-value comparison is an index range seek on (current_deadline, id)
            where, seek = "AND (m.current_deadline, m.id) > (%s, %s)", [day, pk]
        sql = (
            "SELECT m.id, m.text, m.current_deadline, m.status, m.progress_percent, d.name, u.full_name, "
            "(SELECT p.note FROM measures_progressreport p WHERE p.measure_id = m.id "
            " ORDER BY p.created_at DESC, p.id DESC LIMIT 1) "
            "FROM measures_measure m JOIN issues_review r ON r.id = m.review_id "
            "LEFT JOIN accounts_department d ON d.id = m.lead_department_id "
            f"LEFT JOIN accounts_user u ON u.id = m.responsible_leader_id WHERE r.court_id = ANY(%s) {where} "
            "ORDER BY m.current_deadline ASC NULLS LAST, m.id LIMIT 51"
        )
        params = [court_ids, *seek]
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
            "by_depth": by_depth, "load": [load_before, _load()],
        }
    }
    if args.concurrent:
        token, raw = api_token_create(name="bench", court=office.court, acting_user=office, created_by=None)
        try:
            result["api_list_rps"] = _concurrent(
                args.concurrent, raw, cursors, threads=args.threads, worker_class=args.worker_class
            )
        finally:
            token.delete()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
