"""docker-compose.yml describes the whole production stack, each service with a healthcheck."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_process_of_the_stack(compose):
    assert {"postgres", "redis", "web", "worker", "beat", "nginx"} <= set(compose["services"])


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker", "beat", "nginx"])
def test_every_long_running_service_has_a_healthcheck(compose, service):
    check = compose["services"][service]["healthcheck"]
    assert check["test"]


def test_there_is_exactly_one_beat(compose):
    beats = [name for name, svc in compose["services"].items() if "beat" in str(svc.get("command", ""))]
    assert beats == ["beat"]
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_web_is_checked_through_healthz(compose):
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_data_lives_in_named_volumes_shared_with_nginx(compose):
    assert {"pgdata", "redisdata", "evidence", "static"} <= set(compose["volumes"])
    nginx_volumes = compose["services"]["nginx"]["volumes"]
    assert "static:/srv/static:ro" in nginx_volumes
    assert "evidence:/data/evidence:ro" in nginx_volumes
    assert "static:/app/var/staticfiles" in compose["services"]["web"]["volumes"]


def test_only_nginx_is_published_and_the_app_knows_it_is_behind_it(compose):
    published = [name for name, svc in compose["services"].items() if svc.get("ports")]
    assert published == ["nginx"]
    env = compose["services"]["web"]["environment"]
    assert env["EVIDENCE_X_ACCEL"] == "1"
    assert env["TRUSTED_PROXY_COUNT"] == "1"


def test_nginx_config_matches_the_app_settings():
    from django.conf import settings

    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert f"location {settings.EVIDENCE_X_ACCEL_PREFIX} {{\n        internal;" in conf
    assert "proxy_set_header X-Request-ID" in conf
    assert "proxy_set_header X-Forwarded-Proto" in conf
    assert "proxy_set_header X-Forwarded-For" in conf
    assert "server web:8000;" in conf


def test_env_example_lists_every_variable_the_compose_file_needs():
    example = (ROOT / ".env.example").read_text()
    for name in ("SECRET_KEY=", "POSTGRES_PASSWORD=", "ALLOWED_HOSTS=", "HTTP_PORT=", "LOG_FORMAT="):
        assert name in example
