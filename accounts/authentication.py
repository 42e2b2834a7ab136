"""Token authentication for other systems, and the court scope a request is limited to."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken, Court
from .tokens import api_token_for, api_token_touch

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` (or ``Token <token>``); the request acts as the token's acting user."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        token = api_token_for(raw)
        if token is None or not token.acting_user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        api_token_touch(token)
        return token.acting_user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "整改通 API token, created by an administrator / 由管理员创建的 API 令牌",
        }


def request_court_ids(request) -> list[int]:
    """The courts a request may see: the user's court and those below it, narrowed to the token's
    court tree when the request comes with an API token. Computed once per request."""
    cached = getattr(request, "_api_court_ids", None)
    if cached is not None:
        return cached
    user = request.user
    ids = user.court_tree_ids() if user.is_authenticated else []
    narrowed = token_court_ids(request)
    if narrowed is not None:
        allowed = set(narrowed)
        ids = [court_id for court_id in ids if court_id in allowed]
    request._api_court_ids = ids
    return ids


def token_court_ids(request) -> list[int] | None:
    """The token's court tree, or None for a browser session (no extra narrowing)."""
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):
        return None
    cached = getattr(request, "_api_token_court_ids", None)
    if cached is None:
        # Most tokens are scoped to their acting user's own court, whose tree the user already knows.
        user = token.acting_user
        same = token.court_id == user.court_id
        cached = request._api_token_court_ids = user.court_tree_ids() if same else Court.tree_ids(token.court_id)
    return cached
