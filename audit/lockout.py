"""django-axes glue: which attempts count together, and the page a locked-out user sees."""

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

API_TOKEN_USERNAME = "api-token"


def lockout_parameters(request_or_attempt, credentials=None):
    """Passwords count per account and per address; failed API tokens per address only (a wrong
    token names no account, and counting them under one name would lock out every integration)."""
    username = (credentials or {}).get("username") or getattr(request_or_attempt, "username", None)
    if username == API_TOKEN_USERNAME:
        return ["ip_address"]
    return ["username", "ip_address"]


def retry_at(request, credentials=None):
    """When the lockout ends: the latest counted failure (by this account or this address) plus the
    cool-off. AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off, so retrying does not move it."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None)
    match = Q(ip_address=ip)
    if username and username != API_TOKEN_USERNAME:
        match |= Q(username=username)
    last = AccessAttempt.objects.filter(match, attempt_time__gte=timezone.now() - cool_off).aggregate(
        last=Max("attempt_time"))["last"]
    return timezone.localtime((last or timezone.now()) + cool_off)


def lockout_message(when) -> str:
    return _("Too many failed logins: this account or address is locked. Try again after %(time)s.") % {
        "time": f"{when:%Y-%m-%d %H:%M}"
    }


def lockout_response(request, original_response=None, credentials=None):
    when = retry_at(request, credentials)
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"code": "locked_out", "message": lockout_message(when), "field": None, "retry_at": when.isoformat()},
            status=429, headers={"Retry-After": str(max(int((when - timezone.now()).total_seconds()), 1))},
        )
    return render(request, "audit/locked_out.html", {"retry_at": when, "message": lockout_message(when)},
                  status=429)
