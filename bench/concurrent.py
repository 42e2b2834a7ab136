"""Concurrent users: 20 people updating progress through the real HTML form at the same time.

    DATABASE_URL=…/courtreform_bench python -m bench.concurrent     (BENCH_CONCURRENT_SECONDS=60)

Starts gunicorn (2 workers of gunicorn.conf.py's class — gthread, 4 threads each — persistent
database connections, DEBUG off, bench/settings.py for the floor view) on a free port of
127.0.0.1 against the benchmark database, logs in 20 simulated users (threads, plain urllib, a
cookie jar each) as the benchmark's staff and office accounts, then for the measured time each
user loops: open a measure page, read the CSRF token and the hidden `version`, POST a progress
report as multipart/form-data to /measures/<id>/progress/.

- 10 users each work on measures of their own department (no two users share a measure);
- 10 users share 2 "hot" measures of one court: its liaison, its 整改办 and the 中院's 整改办
  (several sessions each). Two of them posting from the same page version is a real conflict:
  the second one must be refused with 409 (stale version) — counted as `stale_409`, not an error.

Afterwards every accepted update (302 after the POST) must be in the database: a ProgressReport
row with its unique note, a history row, and the measure's version moved on by exactly the number
of accepted updates. `concurrent_lost_updates` is accepted minus recorded (must be 0).

Floor: the same 20 users, the same GET of the measure page and the same multipart POST, on the same
server, answered by bench/urls.py's floor view: the workflow reduced to a version-checked UPDATE of
the row (no lock, permission, report row, history or audit). Ours and the floor run in interleaved
rounds (bench/rounds.ROUNDS each, the order alternating); ratio = ours / floor in requests per
second. The server processes' CPU time per request and the load average are reported per side.

Prints JSON lines {"concurrent_rps": …}, {"concurrent_errors": …}, {"concurrent_lost_updates": …}.
"""

import json
import os
import re
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import psutil

from bench.rounds import ROUNDS, cpu_seconds, load

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench@2026x"
USERS = 20
OWN_USERS = 10
WORKERS = 2
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FLOOR_POST = "/bench/floor/measures/{}/progress/"
VERSION_FIELD = re.compile(r'<form[^>]*id="progress-form".*?name="version" value="(\d+)"', re.S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Tally:
    requests: int = 0
    accepted: int = 0
    stale_409: int = 0
    refused_other: int = 0
    errors: int = 0
    post_ms: list = field(default_factory=list)
    accepted_notes: list = field(default_factory=list)  # (measure_id, note)
    error_samples: list = field(default_factory=list)


class User:
    """One browser: its own cookie jar, no redirects followed (the 302 is the answer we count)."""

    def __init__(self, base: str, username: str, measures: list[int]):
        self.base = base
        self.username = username
        self.measures = measures
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            error.close()
            return error.code, body

    def login(self) -> None:
        _, page = self.request("/login/")
        token = CSRF_FIELD.search(page).group(1)
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD}
        ).encode()
        status, _ = self.request("/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login of {self.username} answered {status}")


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """The body a browser sends for the progress form (enctype multipart/form-data, no file)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n\r\n")
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def update_loop(user: User, stop: threading.Event, tally: Tally, lock: threading.Lock,
                post_path: str = "/measures/{}/progress/") -> None:
    i = 0
    while not stop.is_set():
        measure = user.measures[i % len(user.measures)]
        i += 1
        try:
            status, page = user.request(f"/measures/{measure}/")
            with lock:
                tally.requests += 1
            if status != 200:
                with lock:
                    tally.errors += status >= 500
                    tally.refused_other += status < 500
                    if len(tally.error_samples) < 5:
                        tally.error_samples.append(f"GET /measures/{measure}/ → {status}")
                continue
            token = CSRF_FIELD.search(page).group(1)
            version = VERSION_FIELD.search(page).group(1)
            note = f"并发基准 {user.username} {uuid.uuid4().hex}"
            body, content_type = _multipart(
                {"csrfmiddlewaretoken": token, "version": version, "note": note, "percent": str(i % 90 + 5)}
            )
            started = time.perf_counter()
            status, _ = user.request(post_path.format(measure), body, {"Content-Type": content_type})
            elapsed = (time.perf_counter() - started) * 1000
        except (OSError, AttributeError) as error:  # connection refused/reset, or a page without the form
            with lock:
                tally.errors += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(repr(error))
            continue
        with lock:
            tally.requests += 1
            tally.post_ms.append(elapsed)
            if status == 302:
                tally.accepted += 1
                tally.accepted_notes.append((measure, note))
            elif status == 409:
                tally.stale_409 += 1
            elif status >= 500:
                tally.errors += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(f"POST /measures/{measure}/progress/ → {status}")
            else:
                tally.refused_other += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(f"POST /measures/{measure}/progress/ → {status}")


def floor_loop(user: User, stop: threading.Event, tally: Tally, lock: threading.Lock) -> None:
    """The same page and the same POST, answered by bench/urls.py's floor: the row update alone."""
    update_loop(user, stop, tally, lock, post_path=FLOOR_POST)


def run_for(seconds: float, target, users: list[User]) -> tuple[Tally, float]:
    stop, lock, tally = threading.Event(), threading.Lock(), Tally()
    threads = [threading.Thread(target=target, args=(u, stop, tally, lock), daemon=True) for u in users]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return tally, time.perf_counter() - started


def pick_users() -> tuple[list[tuple[str, list[int]]], list[int]]:
    """(username, measures) for every simulated user, and the two hot measures."""
    from accounts.models import User as Account
    from measures.models import Measure

    open_statuses = [Measure.Status.IN_PROGRESS, Measure.Status.ONGOING]
    staff = list(
        Account.objects.filter(username__regex=r"^bench_[0-9]+_([4-9]|1[0-9])$", department__isnull=False)
        .exclude(department__court_id=2)  # court 2 holds the hot measures
        .order_by("department__court_id", "id")
        .values_list("username", "department_id")
    )
    own = []
    for username, department in staff:
        measures = list(
            Measure.objects.filter(lead_department_id=department, status__in=open_statuses)
            .order_by("id").values_list("id", flat=True)[:5]
        )
        if measures:
            own.append((username, measures))
        if len(own) == OWN_USERS:
            break
    hot_staff = Account.objects.get(username="bench_2_4")
    hot = list(
        Measure.objects.filter(lead_department_id=hot_staff.department_id, status__in=open_statuses)
        .order_by("id").values_list("id", flat=True)[:2]
    )
    # The department's liaison, its court's 整改办 and the 中院's 整改办: all may report on it.
    sharing = ["bench_2_4", "bench_2_2", "bench_1_2"]
    shared = [(sharing[k % len(sharing)], hot) for k in range(USERS - OWN_USERS)]
    return own + shared, hot


def check_recorded(accepted_notes: list, started_at) -> dict:
    from measures.models import Measure, ProgressReport

    notes = [note for _, note in accepted_notes]
    reports = 0
    for start in range(0, len(notes), 1000):
        reports += ProgressReport.objects.filter(note__in=notes[start:start + 1000]).count()
    per_measure: dict[int, int] = {}
    for measure, _ in accepted_notes:
        per_measure[measure] = per_measure.get(measure, 0) + 1
    history = Measure.history.filter(id__in=list(per_measure), history_date__gte=started_at).count()
    return {"reports": reports, "history": history}


def versions(measure_ids: list[int]) -> dict[int, int]:
    from measures.models import Measure

    return dict(Measure.objects.filter(id__in=measure_ids).values_list("id", "version"))


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    seconds = float(os.environ.get("BENCH_CONCURRENT_SECONDS", "60"))
    plan, hot = pick_users()
    all_measures = sorted({m for _, ms in plan for m in ms})
    port = _free_port()
    env = {
        **os.environ, "DEBUG": "0", "DEMO": "1", "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # the application plus the floor view (bench/urls.py)
        "ALLOWED_HOSTS": "127.0.0.1", "HTTPS": "0", "AXES_FAILURE_LIMIT": "1000",
    }
    log = open(ROOT / "var" / f"bench-concurrent-{port}.log", "w") if (ROOT / "var").is_dir() else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "courtreform.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         "--timeout", "120", "--graceful-timeout", "10"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/login/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        users = [User(base, username, measures) for username, measures in plan]
        for user in users:
            user.login()
        processes = [server.pid, *(child.pid for child in psutil.Process(server.pid).children())]

        before = versions(all_measures)
        started_at = timezone.now()
        connection.close()  # the server works alone while we measure
        tallies: dict[str, list] = {"ours": [], "floor": []}
        per_round = max(2.0, seconds / ROUNDS)
        for number in range(ROUNDS):  # interleaved, the order alternating, so load bursts fall on both
            for side in (("ours", "floor") if number % 2 == 0 else ("floor", "ours")):
                spent = cpu_seconds(processes)
                tally, elapsed = run_for(per_round, update_loop if side == "ours" else floor_loop, users)
                tallies[side].append((tally, elapsed, cpu_seconds(processes) - spent, load()))
        time.sleep(0.5)
        ours_tallies = [t for t, *_ in tallies["ours"]]
        accepted_notes = [note for t in ours_tallies for note in t.accepted_notes]
        recorded = check_recorded(accepted_notes, started_at)
        after = versions(all_measures)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    def side(rounds: list) -> dict:
        rates = [t.requests / elapsed for t, elapsed, _cpu, _load in rounds]
        posts = [ms for t, *_ in rounds for ms in t.post_ms]
        requests = sum(t.requests for t, *_ in rounds)
        return {
            "median_rps": round(statistics.median(rates), 1), "spread_rps": [round(min(rates), 1), round(max(rates), 1)],
            "post_p50_ms": round(statistics.median(posts), 1) if posts else None,
            "post_p95_ms": round(statistics.quantiles(posts, n=20)[18], 1) if len(posts) > 1 else None,
            "cpu_ms_per_request": round(1000 * sum(c for *_, c, _load in rounds) / max(requests, 1), 2),
            "accepted": sum(t.accepted for t, *_ in rounds), "stale_409": sum(t.stale_409 for t, *_ in rounds),
            "errors": sum(t.errors for t, *_ in rounds), "requests": requests,
            "load_average": [load for *_, load in rounds],
        }

    ours, floor = side(tallies["ours"]), side(tallies["floor"])
    tally = Tally(
        requests=ours["requests"], errors=ours["errors"], accepted=ours["accepted"], stale_409=ours["stale_409"],
        refused_other=sum(t.refused_other for t in ours_tallies), accepted_notes=accepted_notes,
        error_samples=[e for t in ours_tallies for e in t.error_samples][:5],
    )
    elapsed = sum(e for _t, e, *_ in tallies["ours"])
    # The floor's updates move the version too (and write nothing else): they are not ours to find.
    version_moves = sum(after[m] - before[m] for m in all_measures) - floor["accepted"]
    hot_accepted = sum(1 for m, _ in tally.accepted_notes if m in hot)
    lost = tally.accepted - min(recorded["reports"], recorded["history"], version_moves)
    deployed = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    common = {"users": USERS, "seconds": round(elapsed, 1), "gunicorn_workers": WORKERS,
              "worker_class": deployed["worker_class"], "threads": deployed.get("threads", 1), "rounds": ROUNDS}
    print(json.dumps({"concurrent_rps": {
        "value": ours["median_rps"], "floor": floor["median_rps"],
        "ratio": round(ours["median_rps"] / floor["median_rps"], 2) if floor["median_rps"] else None,
        "unit": "req/s", "what": "median req/s over interleaved rounds of GET page + POST progress; floor = the "
                                 "same GET and POST with the workflow reduced to the row update; ratio = ours / floor",
        "updates_per_s": round(tally.accepted / elapsed, 1),
        "post_p50_ms": ours["post_p50_ms"], "post_p95_ms": ours["post_p95_ms"],
        "ours": ours, "floor_side": floor, "floor_path": "POST " + FLOOR_POST, **common,
    }}, ensure_ascii=False))
    print(json.dumps({"concurrent_errors": {
        "value": tally.errors + floor["errors"], "floor": 0, "ratio": None, "unit": "errors",
        "requests": tally.requests, "stale_409": tally.stale_409, "refused_other": tally.refused_other,
        "floor_errors": floor["errors"], "samples": tally.error_samples, **common,
    }}, ensure_ascii=False))
    print(json.dumps({"concurrent_lost_updates": {
        "value": lost, "floor": 0, "ratio": None, "unit": "updates",
        "accepted": tally.accepted, "accepted_on_shared_measures": hot_accepted,
        "stale_409": tally.stale_409,
        "progress_reports_found": recorded["reports"], "history_rows_found": recorded["history"],
        "version_increments": version_moves, **common,
    }}, ensure_ascii=False))


if __name__ == "__main__":
    main()
