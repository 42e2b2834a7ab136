"""Two web processes and two Celery workers on one machine, sharing one database and one Redis.

    DATABASE_URL=postgresql://… REDIS_URL=redis://… .venv/bin/python scripts/multi_process_check.py

What README's 多机扩展 section claims, checked on one host: the processes keep no state of their
own, so nginx can spread requests over any number of web processes and the broker can spread
tasks over any number of workers.

- starts 2 gunicorn processes (one worker each) on two free ports of 127.0.0.1 and 2 Celery
  workers (w1@…, w2@…) on a queue of their own (so that nobody else's worker on the same Redis
  takes the tasks);
- on both ports: /healthz and /readyz answer 200; a user logged in through port A is logged in on
  port B with the same cookie (sessions live in PostgreSQL), and both serve 我的整改任务;
- both workers answer a ping; 20 `celery.accumulate` tasks (Celery's built-in no-op) and one
  overdue scan per worker (the real daily job, idempotent by its WHERE clause) are sent; the
  workers' own counters must add up to exactly what was sent.

Exits 0 and prints a JSON summary when everything answered; exits 1 naming what did not. Needs a
migrated database. Creates one throwaway user, deactivated at the end (its logins stay in
the audit trail).
"""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

TASKS = 20
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(opener, url: str, data: bytes | None = None) -> tuple[int, str, dict]:
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), dict(error.headers)


def wait_until(predicate, seconds: float = 60.0, step: float = 0.3) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def main() -> int:
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import Role, User
    from courtreform.celery import app

    queue = f"multiproc-{uuid.uuid4().hex[:8]}"
    from courtreform.childenv import child_env

    env = child_env(DEBUG="0", DEMO="1", ALLOWED_HOSTS="127.0.0.1", LOG_LEVEL="WARNING", CELERY_TASK_ALWAYS_EAGER="0")
    ports = [free_port(), free_port()]
    logs_dir = ROOT / "var" if (ROOT / "var").is_dir() else Path("/tmp")
    procs: list[subprocess.Popen] = []
    failures: list[str] = []
    summary: dict = {"database": settings.DATABASES["default"]["NAME"], "queue": queue, "web_ports": ports}
    password = secrets.token_urlsafe(16)
    username = f"multiproc_{uuid.uuid4().hex[:8]}"
    office = User.objects.filter(roles__contains=[Role.RECTIFICATION_OFFICE], court__isnull=False).first()
    if office is None:
        print("no rectification-office user in this database: run `manage.py seed_demo` first", file=sys.stderr)
        return 1
    user = User.objects.create_user(
        username=username, password=password, full_name="多进程检查", court=office.court,
        roles=[Role.RECTIFICATION_OFFICE],
    )

    def start(args: list[str], name: str) -> None:
        log = open(logs_dir / f"multiproc-{name}.log", "w")
        procs.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))

    try:
        for n, port in enumerate(ports, 1):
            start([sys.executable, "-m", "gunicorn", "courtreform.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
                  f"web{n}")
        for n in (1, 2):
            start([sys.executable, "-m", "celery", "-A", "courtreform", "worker", "-n", f"w{n}@%h", "-Q", queue,
                   "--concurrency=1", "--prefetch-multiplier=1", "--without-gossip", "--without-mingle",
                   "-l", "WARNING"], f"worker{n}")
        plain = urllib.request.build_opener(NoRedirect())
        for port in ports:
            if not wait_until(lambda p=port: fetch(plain, f"http://127.0.0.1:{p}/login/")[0] == 200
                              if _listening(p) else False):
                failures.append(f"web on port {port} did not start")
        # --- web ---------------------------------------------------------------------------------
        for port in ports:
            for path in ("/healthz", "/readyz"):
                status, body, headers = fetch(plain, f"http://127.0.0.1:{port}{path}")
                summary[f"{port}{path}"] = status
                if status != 200:
                    failures.append(f"{path} on port {port} answered {status}: {body[:200]}")
                if not headers.get("X-Request-ID"):
                    failures.append(f"{path} on port {port} has no X-Request-ID")
        jar = CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        _, page, _ = fetch(browser, a + "/login/")
        token = CSRF_FIELD.search(page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, _, _ = fetch(browser, a + "/login/", form.encode())
        if status != 302:
            failures.append(f"login through port {ports[0]} answered {status}")
        for base in (b, a, b):
            status, _, _ = fetch(browser, base + "/my/")
            summary.setdefault("my_page", []).append(status)
            if status != 200:
                failures.append(f"/my/ on {base} with the session from {a} answered {status}")
        # --- workers -----------------------------------------------------------------------------
        names = {f"w1@{socket.gethostname()}", f"w2@{socket.gethostname()}"}
        inspector = app.control.inspect(destination=sorted(names), timeout=2)
        if not wait_until(lambda: set(inspector.ping() or {}) >= names, seconds=90, step=1):
            failures.append(f"workers did not both answer a ping: {inspector.ping()}")
        for i in range(TASKS):
            app.send_task("celery.accumulate", args=[i], queue=queue)
        for _ in names:
            app.send_task("measures.tasks.overdue_scan", queue=queue)

        def totals() -> dict[str, dict]:
            stats = inspector.stats() or {}
            return {name: stats.get(name, {}).get("total", {}) for name in names}

        def all_done() -> bool:
            t = totals()
            return (sum(v.get("celery.accumulate", 0) for v in t.values()) == TASKS
                    and sum(v.get("measures.tasks.overdue_scan", 0) for v in t.values()) == len(names))

        done = wait_until(all_done, seconds=120, step=1)
        summary["tasks_per_worker"] = totals()
        if not done:
            failures.append(f"workers did not process every task: {summary['tasks_per_worker']}")
        busy = [name for name, t in summary["tasks_per_worker"].items() if sum(t.values())]
        summary["workers_that_processed_tasks"] = sorted(busy)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        # Not deleted: the audit trail (audit.AuditEvent) keeps its login; it can no longer log in.
        User.objects.filter(pk=user.pk).update(is_active=False)
        _purge(app, queue)
    summary["failures"] = failures
    summary["ok"] = not failures
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if not failures else 1


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _purge(app, queue: str) -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


if __name__ == "__main__":
    sys.exit(main())
