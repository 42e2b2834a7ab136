"""Evidence downloads: streamed by Django, or (EVIDENCE_X_ACCEL=1) handed to nginx after the same check."""

from urllib.parse import unquote

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def evidence(measure, drive):
    return drive.in_progress(measure, with_evidence=True).evidence.get()


def test_with_x_accel_nginx_is_told_which_file_to_send_and_django_sends_no_bytes(client, org, evidence, settings):
    settings.EVIDENCE_X_ACCEL = True
    client.force_login(org.leader_a)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response.status_code == 200
    assert response.content == b""
    assert unquote(response["X-Accel-Redirect"]) == "/_protected/evidence/" + evidence.file.name
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E8%BF%9B%E5%B1%95%E6%9D%90%E6%96%99.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_with_x_accel_out_of_scope_users_still_get_404_and_no_redirect_header(client, org, evidence, settings):
    settings.EVIDENCE_X_ACCEL = True
    client.force_login(org.staff_b)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_with_x_accel_anonymous_users_are_sent_to_login(client, evidence, settings):
    settings.EVIDENCE_X_ACCEL = True

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response.status_code == 302
    assert "X-Accel-Redirect" not in response


def test_the_internal_prefix_is_configurable(client, org, evidence, settings):
    settings.EVIDENCE_X_ACCEL = True
    settings.EVIDENCE_X_ACCEL_PREFIX = "/internal-files/"
    client.force_login(org.office)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response["X-Accel-Redirect"].startswith("/internal-files/evidence/")


def test_without_x_accel_django_streams_the_file_itself(client, org, evidence, settings):
    settings.EVIDENCE_X_ACCEL = False
    client.force_login(org.leader_a)

    response = client.get(reverse("evidence_download", args=[evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == f.PDF_BYTES
    response.close()
    assert "X-Accel-Redirect" not in response
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
