"""/healthz and /readyz: what a load balancer, a container healthcheck or a monitor asks."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from courtreform.childenv import child_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_monitor_sees_database_and_broker_healthy_without_logging_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_answers_head_requests_too(client):
    assert client.head("/healthz").status_code == 200


def test_healthz_is_503_naming_the_broker_when_redis_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failed", "failed": ["broker"]}


def test_healthz_gives_away_no_addresses_or_error_text_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://:secret-pass@127.0.0.1:{closed_port()}/0"

    body = client.get("/healthz").content.decode()

    assert "127.0.0.1" not in body and "secret-pass" not in body and "refused" not in body.lower()


def test_healthz_is_503_naming_the_database_when_it_is_unreachable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "failed"
    assert response.json()["failed"] == ["database"]


def test_readyz_reports_migrations_applied(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert {check: body[check] for check in ("database", "migrations", "static")} == {
        "database": "ok", "migrations": "ok", "static": "ok"}
    assert "failed" not in body  # warnings (e.g. next year's holiday table) do not take a process out of rotation


def test_readyz_is_503_while_a_migration_is_unapplied(client):
    from django.db.migrations.recorder import MigrationRecorder

    latest = MigrationRecorder.Migration.objects.filter(app="measures").order_by("-id").first()
    latest.delete()  # as if the new image started before `migrate` ran (rolled back with the test)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "failed"


def test_readyz_is_503_when_the_static_manifest_is_missing(client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "empty-static"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["static"] == "failed"


def test_beat_container_healthcheck_exits_nonzero_when_the_broker_is_down():
    """`python -m courtreform.health` is the beat service's healthcheck in docker-compose.yml."""
    env = child_env(DEMO="1")
    healthy = subprocess.run([sys.executable, "-m", "courtreform.health"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    down = subprocess.run([sys.executable, "-m", "courtreform.health"], cwd=ROOT,
                          env={**env, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"},
                          capture_output=True, text=True, timeout=60)

    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert down.returncode == 1
    assert "'broker': 'failed'" in down.stdout
