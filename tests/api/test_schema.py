"""The OpenAPI document validates, its viewers load from local files, and the whole API, driven by
schemathesis from its own schema, answers without a server error or a response the schema denies."""

import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from accounts.tokens import api_token_create
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    schema = json.loads(out.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            description = operation.get("description", "")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in description), f"{method} {path}: no Chinese"
            assert any("a" <= ch.lower() <= "z" for ch in description), f"{method} {path}: no English"


def test_swagger_ui_and_redoc_load_only_local_assets(client, org):
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn" not in html.lower() and "https://" not in html


@pytest.fixture
def populated(org, drive, measure, ongoing_measure, problem):
    """Some of everything, so generated ids sometimes hit real objects."""
    drive.closeout_requested(measure)
    f.ExtensionFactory(measure=ongoing_measure)
    f.LookBackFactory(measure=f.MeasureFactory(problem=problem, lead_department=org.dept_a, read_only_closed=True))
    f.FindingFactory(review=problem.review, problems=[problem])
    return org


@pytest.fixture
def wsgi_app():
    """The real WSGI app, kept from closing the test's database connection after each request
    (Django's own test client does the same)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_the_api_holds_to_its_schema_under_generated_requests(populated, wsgi_app):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    org = populated
    _token, raw = api_token_create(name="schemathesis", court=org.court, acting_user=f.system_account(org.office),
                                   created_by=org.office)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    headers = {"Authorization": f"Bearer {raw}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    tested, statuses = 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(("/api/schema", "/api/docs", "/api/redoc")):
            continue

        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            statuses[response.status_code // 100] += 1
            case.validate_response(response, checks=checks)

        run()
        tested += 1
    assert tested >= 30
    assert statuses[2] > 50, statuses  # generated requests really reach the views, not just the auth check
