"""CSRF on every POST route, and IDOR over every object route: staff of department B (and the office
of another court) get "not found" for department A's measure, evidence, progress, close-out,
extension, bulletin … whatever they put in the URL."""

import pytest
from django.test import Client
from django.urls import reverse

from measures.models import Measure

from .urlwalk import build_world, named_patterns, url_for


@pytest.fixture
def world(org, review, category, problem, measure, drive):
    return build_world(org, review, category, problem, measure, drive)


def test_every_post_without_a_csrf_token_is_refused(world, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.office)
    posted = 0
    for name, kwargs in named_patterns().items():
        if name.startswith("api:") or name in ("healthz", "readyz"):
            continue  # the API: token requests carry no cookie; session requests are checked by DRF (below)
        response = client.post(url_for(name, kwargs, world), {"note": "x", "percent": 10})
        if response.status_code == 405:
            continue  # no POST here
        posted += 1
        assert response.status_code == 403, f"{name} accepted a POST without a CSRF token"
    assert posted >= 25
    measure = Measure.objects.get(pk=world.measure.pk)
    assert measure.version == world.measure.version  # nothing changed


def test_the_api_refuses_a_session_post_without_a_csrf_token(world, org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.staff_a)
    response = client.post(reverse("api:measure-start", kwargs={"pk": world.measure.pk}),
                           HTTP_IF_MATCH=f'"{world.measure.pk}-{world.measure.version}"')
    assert response.status_code == 403


def test_the_login_form_needs_its_csrf_token_too(org):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "staff_a", "password": "x"}).status_code == 403


OBJECT_ROUTES = [
    "measure_detail", "measure_progress", "measure_closeout", "measure_extension", "measure_decide",
    "measure_instruct", "evidence_download", "extension_decide", "bulletin_detail", "bulletin_download",
    "bulletin_advance", "bulletin_list", "review_detail", "review_dashboard", "api:measure-detail",
    "api:evidence-detail", "api:evidence-download", "api:progressreport-detail", "api:closeout-detail",
    "api:extension-detail", "api:review-detail", "api:problem-detail", "api:category-detail",
    "api:finding-detail", "ledger_export_status", "ledger_export_download",
]


@pytest.mark.parametrize("intruder", ["staff_b", "basic_office"])
def test_another_departments_or_courts_users_get_not_found_on_every_object_route(world, org, intruder):
    client = Client()
    client.force_login(getattr(org, intruder))
    patterns = named_patterns()
    for name in OBJECT_ROUTES:
        if name not in patterns:
            continue
        url = url_for(name, patterns[name], world)
        for method in (client.get, client.post):
            status = method(url).status_code
            assert status in (403, 404, 405), f"{intruder} {method.__name__.upper()} {name}: {status}"
            if status == 403 and not name.startswith("api:"):
                pytest.fail(f"{name} says 403 (exists) instead of 404 to {intruder}")
    assert Measure.objects.get(pk=world.measure.pk).version == world.measure.version
