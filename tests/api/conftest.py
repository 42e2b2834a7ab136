"""API fixtures: a client logged in as any member of ``org``, and API tokens built the admin's way."""

import pytest
from rest_framework.test import APIClient

from accounts.tokens import api_token_create
from tests import factories as f


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
        """A token for another system, acting as a system account with ``acting_user``'s roles and place."""
        if acting_user.has_usable_password():
            acting_user = f.system_account(acting_user)
        token, raw = api_token_create(name="法综系统", court=court, acting_user=acting_user, created_by=org.office)
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)
        return client, token

    return make


def etag(response) -> str:
    return response.headers["ETag"]
