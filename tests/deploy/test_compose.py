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
    for name in ("SECRET_KEY=", "POSTGRES_PASSWORD=", "ALLOWED_HOSTS=", "HTTP_PORT=", "HTTPS_PORT=", "TLS_DIR=",
                 "LOG_FORMAT="):
        assert name in example


def test_compose_serves_https_on_443_and_plain_http_only_to_redirect(compose):
    nginx = compose["services"]["nginx"]
    assert set(nginx["ports"]) == {"${HTTP_PORT:-80}:80", "${HTTPS_PORT:-443}:443"}
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    plain, encrypted = conf.split("listen 443 ssl default_server;")
    assert "proxy_pass" not in plain and "return 301 https://$host$request_uri;" in plain
    assert "proxy_pass http://zgt_web;" in encrypted


def test_nginx_gets_its_certificate_from_tls_dir_after_the_tls_service_made_sure_of_it(compose):
    nginx, tls = compose["services"]["nginx"], compose["services"]["tls"]
    mount = "${TLS_DIR:-./tls}:/etc/nginx/tls"
    assert mount + ":ro" in nginx["volumes"]
    assert mount in tls["volumes"]
    assert tls["command"] == ["sh", "deploy/tls-init.sh", "/etc/nginx/tls"]
    assert nginx["depends_on"]["tls"]["condition"] == "service_completed_successfully"
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "ssl_certificate /etc/nginx/tls/tls.crt;" in conf
    assert "ssl_certificate_key /etc/nginx/tls/tls.key;" in conf


def test_the_app_runs_with_https_on_unless_env_says_otherwise(compose):
    for service in ("web", "worker", "beat", "migrate"):
        assert compose["services"][service]["environment"]["HTTPS"] == "${HTTPS:-1}"


def compose_environment(compose) -> dict[str, str]:
    """The web service's environment with compose's ${NAME:-default} resolved as an empty .env would."""
    import re

    resolve = lambda value: re.sub(r"\$\{\w+:[-?]([^}]*)\}", lambda m: m.group(1), str(value))  # noqa: E731
    return {key: resolve(value) for key, value in compose["services"]["web"]["environment"].items()}


@pytest.mark.django_db
def test_check_deploy_is_clean_for_the_stack_as_shipped(compose):
    import secrets
    import subprocess
    import sys

    from courtreform.childenv import child_env

    # What .env.example asks for; the servers are this test run's (a database without demo data).
    # The servers, the database role and the volumes' paths are this test run's own.
    shipped = {key: value for key, value in compose_environment(compose).items()
               if key not in ("DATABASE_URL", "DATABASE_ROLE", "DATABASE_APP_URL", "REDIS_URL", "EVIDENCE_ROOT",
                              "AUDIT_CHECKPOINT_DIR")}
    env = child_env(**shipped, SECRET_KEY=secrets.token_urlsafe(50), AUDIT_HMAC_KEY=secrets.token_urlsafe(50),
                    ALLOWED_HOSTS="zgt.court.example", DEBUG="0", DEMO="0")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_systemd_web_unit_runs_with_https_and_nginx_gets_a_certificate_first():
    web = (ROOT / "deploy" / "systemd" / "courtreform-web.service").read_text()
    tls = (ROOT / "deploy" / "systemd" / "courtreform-tls.service").read_text()
    assert any(line.startswith("Environment=") and "HTTPS=1" in line for line in web.splitlines())
    assert "ExecStart=/bin/sh /opt/courtreform/deploy/tls-init.sh /etc/nginx/tls" in tls
    assert "Before=nginx.service" in tls and "WantedBy=nginx.service" in tls


def test_the_image_carries_every_front_end_folder_the_settings_serve_and_no_other():
    from django.conf import settings

    served = {str(Path(path).relative_to(settings.NODE_MODULES_DIR)) for prefix, path in
              (entry for entry in settings.STATICFILES_DIRS if isinstance(entry, tuple))
              if prefix.startswith("vendor/")}
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(dockerfile.split("for dir in ", 1)[1].split(";", 1)[0].split())

    assert copied == served


def test_the_courts_private_key_stays_out_of_the_image_and_out_of_git():
    assert "tls" in (ROOT / ".dockerignore").read_text().splitlines()
    assert "tls/" in (ROOT / ".gitignore").read_text().splitlines()
