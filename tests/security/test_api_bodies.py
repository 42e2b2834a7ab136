"""Request bodies that would crash a parser: deeply nested or oversized JSON gets a 400 with a message,
never a 500, on every API route."""

import pytest
from django.test import override_settings
from django.utils import translation

from courtreform.parsers import JSON_MAX_DEPTH, json_too_deep
from measures.api.etags import measure_etag
from tests.security.urlwalk import build_world, named_patterns, url_for

DEEP = "[" * 1100 + "]" * 1100
DEEP_OBJECT = '{"note": ' * 1100 + "1" + "}" * 1100


@pytest.fixture
def api_urls(org, review, category, problem, measure, drive):
    world = build_world(org, review, category, problem, measure, drive)
    return [url_for(name, kwargs, world) for name, kwargs in named_patterns().items()
            if name.startswith("api:") and name not in ("api:docs", "api:redoc", "api:schema")]


def test_1100_nested_levels_get_a_400_on_every_api_route(client, org, api_urls):
    client.force_login(org.office)
    refused = 0
    for url in api_urls:
        for method in ("post", "patch", "put"):
            for body in (DEEP, DEEP_OBJECT):
                response = getattr(client, method)(url, body, content_type="application/json",
                                                   HTTP_IF_MATCH="*")
                assert response.status_code < 500, (method, url, response.status_code)
                if response.status_code == 400:
                    assert response.json()["code"] == "json_too_deep", (method, url, response.content[:300])
                    refused += 1
    assert refused >= 10  # every route that reads a JSON body refused it before parsing


def test_the_refusal_is_in_chinese_and_names_the_limit(client, org, measure):
    client.force_login(org.office)
    with translation.override("zh-hans"):
        response = client.post(f"/api/measures/{measure.pk}/report-progress/", DEEP, content_type="application/json",
                               HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_IF_MATCH=measure_etag(measure))
    assert response.status_code == 400
    assert str(JSON_MAX_DEPTH) in response.json()["message"] and "层" in response.json()["message"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_json_body_larger_than_the_upload_limit_is_refused_unread(client, org, measure):
    client.force_login(org.office)
    response = client.post(f"/api/measures/{measure.pk}/report-progress/", '{"note": "' + "x" * 2000 + '"}',
                           content_type="application/json", HTTP_IF_MATCH=measure_etag(measure))
    assert response.status_code == 400  # refused by Django (RequestDataTooBig) or the parser, never read whole


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert not json_too_deep('{"note": "' + "[" * 5000 + '\\"[[["}')
    assert json_too_deep("[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1))
    assert not json_too_deep("[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH)
