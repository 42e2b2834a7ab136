"""API token authentication whose failures count toward the lockout, like failed passwords."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions

from accounts.authentication import ApiTokenAuthentication

from .lockout import API_TOKEN_USERNAME, lockout_message, retry_at


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class LockoutApiTokenAuthentication(ApiTokenAuthentication):
    """A locked-out address gets 429 with the time it may retry; each wrong token is a failure."""

    def authenticate(self, request):
        if not request.META.get("HTTP_AUTHORIZATION"):
            return None
        django_request = request._request
        AxesProxyHandler.update_request(django_request)
        credentials = {"username": API_TOKEN_USERNAME}
        if not AxesProxyHandler.is_allowed(django_request, credentials):
            raise LockedOut(lockout_message(retry_at(django_request, credentials)))
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            user_login_failed.send(sender=__name__, credentials=credentials, request=django_request)
            raise


class LockoutApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "audit.authentication.LockoutApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "整改通 API token, created by an administrator / 由管理员创建的 API 令牌",
        }
