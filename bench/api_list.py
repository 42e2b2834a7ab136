"""GET /api/measures/ at any cursor depth: server time of a page against the same rows by raw SQL.

    python -m bench.api_list [--concurrent SECONDS] [--worker-class sync|gthread] [--threads N]
                             [--load-generator wrk|python]

Prints one JSON line: {"api_list_p95_ms": {"value", "floor", "ratio", "unit", ...}} with p50/p95 per
depth and the load average (the machine is shared: read the figures against it). The floor is the
same 50 rows (same scope, same order, same keyset position, with leader, department and latest
progress) fetched by raw SQL with a row-value seek.

With --concurrent, it also starts gunicorn -w 2 on 127.0.0.1 (gunicorn.conf.py's worker class, gthread
with its threads unless overridden; DEBUG off, persistent connections; bench/settings.py adds the floor
views) and runs 8 clients on two targets in interleaved rounds (bench/rounds.ROUNDS each, SECONDS split
between them, the order alternating) — "api_list_rps": its value is the median requests/s paging
through /api/measures/ with an API token; its floor the same clients, token and cursors against
/bench/floor/measures/ (bench/urls.py: the same token check, then the in-process floor's raw SQL as a
JsonResponse), ratio = value / floor (the target is >= 0.8). Each round also reports the server's CPU
time per request. "notifications" is the cheapest authenticated endpoint (same middleware, token auth
and DRF, one small query). The clients are wrk (make bench installs it; cheap on 2 shared cores) or,
without it, Python threads with keep-alive connections.
Needs a generated database (python -m bench.generate; bench/run.py does that).
"""

import argparse
import base64
import functools
import http.client
import json
import os
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

from bench.rounds import ROUNDS, cpu_seconds, interleaved

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")

ROOT = Path(__file__).resolve().parent.parent
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


# wrk (C, epoll) costs the shared 2 cores little; Python clients are the fallback where it is missing.
_WRK_SCRIPT = """
local paths, n = {%s}, 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[n %% #paths + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "seconds": %%f, "errors": %%d, "p50_ms": %%f, "p95_ms": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def _wrk(seconds: float, headers: dict, base: str, paths: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        script.flush()
        command = ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{max(int(seconds), 1)}s", "-s", script.name]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, base], capture_output=True, text=True, check=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return {
        "value": round((summary["requests"] - summary["errors"]) / summary["seconds"], 1), "errors": summary["errors"],
        "p50_ms": round(summary["p50_ms"], 1), "p95_ms": round(summary["p95_ms"], 1),
    }


def _python_clients(seconds: float, headers: dict, base: str, paths: list[str]) -> dict:
    """8 threads, each with one keep-alive connection (reopened when the server closes it)."""
    done, errors, latencies, lock = [0], [0], [], threading.Lock()
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    stop = time.perf_counter() + seconds

    def client(n: int):
        connection, i = http.client.HTTPConnection(host, int(port), timeout=10), n
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", paths[i % len(paths)], headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
            except OSError:
                ok = False
                connection.close()
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
        "value": round(done[0] / elapsed, 1), "errors": errors[0],
        "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(_p95(latencies), 1),
    }


LOAD_GENERATORS = {"wrk": _wrk, "python": _python_clients}


def _hammer(seconds: float, headers: dict, base: str, paths: list[str], *, generator: str) -> dict:
    """8 clients, cycling through ``paths``, for ``seconds``: requests/s and client-side latency."""
    return {**LOAD_GENERATORS[generator](seconds, headers, base, paths), "unit": "req/s", "load": _load()}


def _concurrent(seconds: float, raw_token: str, court_id: int, cursors: list[str], *,
                worker_class: str | None, threads: int | None, generator: str) -> dict:
    port = 8765
    # gunicorn.conf.py's worker class and threads unless the command line overrides them.
    deployed = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker_class, threads = worker_class or deployed["worker_class"], threads or deployed["threads"]
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "--worker-class", worker_class, "--threads", str(threads)]
    # The application's own settings, production-like (DEBUG off, connections kept, with health
    # checks), plus the floor view (bench/urls.py).
    server = subprocess.Popen(
        [*command, "courtreform.wsgi:application"], cwd=ROOT,
        env={**os.environ, "DEBUG": "0", "DB_CONN_MAX_AGE": "600", "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        token = {"Authorization": f"Bearer {raw_token}"}
        query = [f"?cursor={cursor}" if cursor else "" for cursor in cursors]
        pages = ["/api/measures/" + q for q in query]
        floor = ["/bench/floor/measures/" + q for q in query]  # same token, same rows, raw SQL (bench/urls.py)
        hammer = functools.partial(_hammer, generator=generator)
        hammer(1, token, base, pages + floor)  # warm both workers (imports, connections, first queries)
        per_round = max(1.0, seconds / ROUNDS)
        rounds = {"ours": [], "floor": []}
        for number in range(ROUNDS):  # interleaved, the order alternating, so load bursts fall on both
            for side in (("ours", "floor") if number % 2 == 0 else ("floor", "ours")):
                processes = [server.pid, *(child.pid for child in psutil.Process(server.pid).children())]
                spent = cpu_seconds(processes)
                outcome = hammer(per_round, token, base, pages if side == "ours" else floor)
                outcome["cpu_ms_per_request"] = round(
                    1000 * (cpu_seconds(processes) - spent) / max(outcome["value"] * per_round, 1), 2
                )
                rounds[side].append(outcome)

        def side_summary(results: list[dict]) -> dict:
            rates = [r["value"] for r in results]
            return {
                "median": statistics.median(rates), "spread": [min(rates), max(rates)],
                "cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in results),
                "p50_ms": statistics.median(r["p50_ms"] for r in results),
                "p95_ms": statistics.median(r["p95_ms"] for r in results),
                "errors": sum(r["errors"] for r in results), "rounds": results,
            }

        ours, bare = side_summary(rounds["ours"]), side_summary(rounds["floor"])
        return {
            "value": ours["median"], "floor": bare["median"], "unit": "req/s",
            "ratio": round(ours["median"] / bare["median"], 2) if bare["median"] else None,
            "what": "median req/s over interleaved rounds; ratio = ours / floor (higher is better)",
            "measures": ours, "floor_view": bare,
            # The cheapest authenticated endpoint (same token auth and DRF, one small query).
            "notifications": hammer(per_round, token, base, ["/api/notifications/"]),
            "clients": CLIENTS, "workers": 2, "worker_class": worker_class,
            "threads": threads if worker_class == "gthread" else 1,
            "load_generator": generator,
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=float, default=0, help="seconds of the 8-client gunicorn run")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, help="threads per gthread worker (default: gunicorn.conf.py's)")
    parser.add_argument("--load-generator", choices=list(LOAD_GENERATORS), default="wrk" if shutil.which("wrk") else
                        "python", help="wrk (Debian package, make bench installs it) or Python keep-alive clients")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.tokens import api_token_create
    from bench.urls import PAGE_SQL  # the floor view's SQL: one statement for both floors
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
        day, pk = position if position else (None, 0)
        if position is None:
            where, seek = "", []
        elif day is None:  # among the undated measures, which sort last
            where, seek = "AND m.current_deadline IS NULL AND m.id > %s", [pk]
        else:  # a row-value comparison is an index range seek on (current_deadline, id)
            where, seek = "AND (m.current_deadline, m.id) > (%s, %s)", [day, pk]
        sql, params = PAGE_SQL.format(where=where), [court_ids, *seek]
        depth_ms, depth_floor_ms = [], []

        def ours(url=url, into=depth_ms) -> float:
            nonlocal queries
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                into.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            queries = max(queries, len(ctx.captured_queries))
            return into[-1]

        def floor_query(sql=sql, params=params, into=depth_floor_ms) -> float:
            with connection.cursor() as cur:
                started = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                into.append((time.perf_counter() - started) * 1000)
            return into[-1]

        rounds = interleaved({"ours": ours, "floor": floor_query}, per_round=max(1, RUNS // ROUNDS))
        page_ms += depth_ms
        floor_ms += depth_floor_ms
        by_depth[str(depth)] = {"p50": round(statistics.median(depth_ms), 1), "p95": round(_p95(depth_ms), 1),
                                "rounds": rounds}
    value, floor = _p95(page_ms), _p95(floor_ms)
    result = {
        "api_list_p95_ms": {
            "value": round(value, 1), "floor": round(floor, 2), "ratio": round(value / floor, 1), "unit": "ms",
            "p50": round(statistics.median(page_ms), 1), "queries": queries, "measures": total,
            "by_depth": by_depth, "load": [load_before, _load()],
        }
    }
    if args.concurrent:
        # Tokens act only as system accounts: one with the office's roles and place, and no password.
        system, _ = User.objects.get_or_create(
            username="bench_system_office",
            defaults={"court": office.court, "department": office.department, "roles": list(office.roles)},
        )
        system.set_unusable_password()
        system.save(update_fields=["password"])
        token, raw = api_token_create(name="bench", court=office.court, acting_user=system, created_by=None)
        try:
            result["api_list_rps"] = _concurrent(
                args.concurrent, raw, office.court_id, cursors, threads=args.threads, worker_class=args.worker_class,
                generator=args.load_generator,
            )
        finally:
            token.delete()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
