"""Request ids (from nginx or made here) on every response and every log line; JSON logs."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from courtreform.logs import JsonFormatter, RequestIdFilter, current_request_id

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """Lines logged anywhere during the test, as the production console handler would print them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_request_id_from_nginx_is_returned_on_the_response(client):
    response = client.get("/login/", headers={"X-Request-ID": "0f3c9a7e5b1d4c2aa8e6f4b2c0d9e7a1"})

    assert response["X-Request-ID"] == "0f3c9a7e5b1d4c2aa8e6f4b2c0d9e7a1"


def test_a_request_without_an_id_gets_a_fresh_one(client):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_malformed_incoming_id_is_replaced_not_echoed(client):
    response = client.get("/login/", headers={"X-Request-ID": "evil\u2028line; rm -rf /" + "x" * 200})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_redirects_and_404s_carry_the_request_id_too(client):
    assert client.get("/my/")["X-Request-ID"]  # login redirect
    assert client.get("/no-such-page/")["X-Request-ID"]


def test_every_log_line_of_a_request_carries_its_id(client, json_log, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # healthz logs a warning naming the broker

    response = client.get("/healthz", headers={"X-Request-ID": "req-abc12345"})

    lines = json_log()
    request_lines = [line for line in lines if line["logger"] in ("courtreform.health", "django.request")]
    assert response.status_code == 503
    assert {line["logger"] for line in request_lines} == {"courtreform.health", "django.request"}
    assert all(line["request_id"] == "req-abc12345" for line in request_lines)
    assert current_request_id() == "-"  # nothing leaks into the next request or a task


def test_json_lines_hold_time_level_message_extra_and_exception(json_log):
    log = logging.getLogger("measures.workflow")
    try:
        raise ValueError("版本冲突")
    except ValueError:
        log.exception("progress refused for measure %s", 42, extra={"measure_id": 42})

    (line,) = [entry for entry in json_log() if entry["logger"] == "measures.workflow"]
    assert line["level"] == "ERROR"
    assert line["message"] == "progress refused for measure 42"
    assert line["measure_id"] == 42
    assert line["request_id"] == "-"
    assert "ValueError: 版本冲突" in line["exception"]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$", line["time"])


def test_log_format_json_makes_the_console_print_one_json_object_per_line():
    """The real settings.LOGGING in a fresh process, as gunicorn or celery would load it."""
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('courtreform.check').warning('整改通 started')"
    )
    env = {**os.environ, "LOG_FORMAT": "json", "DEMO": "1", "DJANGO_SETTINGS_MODULE": "courtreform.settings"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)

    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, proc.stderr
    assert {"logger": "courtreform.check", "message": "整改通 started", "level": "WARNING",
            "request_id": "-"}.items() <= next(x for x in lines if x["logger"] == "courtreform.check").items()
    assert all(line.startswith("{") for line in proc.stderr.splitlines() if line.strip())


def test_text_format_shows_the_request_id_in_brackets():
    script = "import django, logging; django.setup(); logging.getLogger('x').warning('hello')"
    env = {**os.environ, "LOG_FORMAT": "text", "DEMO": "1", "DJANGO_SETTINGS_MODULE": "courtreform.settings"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)

    assert re.search(r"WARNING \[-\] x: hello", proc.stderr), proc.stderr
