"""Behind nginx the client's own address counts for login lockouts, not nginx's."""

import pytest
from django.test import RequestFactory

from courtreform.proxy import client_ip

pytestmark = pytest.mark.django_db


def _request(forwarded: str | None):
    headers = {"REMOTE_ADDR": "172.18.0.5"}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/login/", **headers)


def test_without_a_proxy_the_socket_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("6.6.6.6")) == "172.18.0.5"


def test_behind_nginx_the_address_nginx_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.1.2.3")) == "10.1.2.3"


def test_a_client_cannot_choose_its_address_by_sending_x_forwarded_for(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # the client wrote 6.6.6.6; nginx appended the address it really saw
    assert client_ip(_request("6.6.6.6, 10.1.2.3")) == "10.1.2.3"


def test_a_request_that_bypassed_the_proxy_falls_back_to_the_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(None)) == "172.18.0.5"


def test_failed_logins_from_two_clients_behind_nginx_are_counted_apart(client, settings, org):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXY_COUNT = 1
    for address in ("10.0.0.1", "10.0.0.2"):
        client.post("/login/", {"username": "staff_a", "password": "wrong-password"},
                    REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=address)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1", "10.0.0.2"}
