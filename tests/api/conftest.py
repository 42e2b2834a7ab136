"""API fixtures: a client logged in as any member of ``org``, and API tokens built the admin's way."""

import pytest
from rest_framework.test import APIClient

from accounts.tokens import api_token_create


@pytest.fixture
def api(org):
    """``api(user)`` → an APIClient with that user's browser session; ``api()`` is anonymous."""

    def make(user=None, *, language="en"):
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def token_client(org):
    """``token_client(court, acting_user)`` → (APIClient sending the raw token, the stored token)."""

    def make(court, acting_user, *, language="en"):
        token, raw = api_token_create(name="法综系统", court=court, acting_user=acting_user, created_by=org.office)
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)
        return client, token

    return make


def etag(response) -> str:
    return response.headers["ETag"]
