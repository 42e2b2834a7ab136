"""Login protection that cannot be turned against the court.

django-axes counts failed passwords per (account, address) and per address, never per account
alone: an attacker who tries every username from many addresses locks only his own addresses, and
the real user still logs in from his. An account under attack from many addresses asks for an
offline picture captcha (django-simple-captcha) instead; no password is checked before it is
solved. Failed API tokens name no account and count per address only.
"""

import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from captcha.fields import CaptchaField
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

API_TOKEN_USERNAME = "api-token"


def lockout_parameters(request_or_attempt, credentials=None):
    """What axes counts together: the (account, address) pair and the address. Never the account
    alone, or 5 wrong passwords from anywhere would lock its owner out (the account is protected by
    the captcha instead, see ``captcha_required``)."""
    username = (credentials or {}).get("username") or getattr(request_or_attempt, "username", None)
    if username == API_TOKEN_USERNAME:
        return ["ip_address"]
    return [["username", "ip_address"], "ip_address"]


def account_failures(username: str, *, now: datetime.datetime | None = None) -> int:
    """Failed logins for this account from any address within the cool-off, since its last login.

    Read from the audit log rather than axes' counters: axes deletes an address's counters when
    anyone logs in from it, which would let an attacker with one account of his own reset them.
    """
    from .models import AuditEvent

    now = now or timezone.now()
    since = now - datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    events = AuditEvent.objects.filter(actor_username=username, at__gte=since)
    last_login = events.filter(action=AuditEvent.Action.LOGIN).aggregate(last=Max("at"))["last"]
    if last_login is not None:
        events = events.filter(at__gt=last_login)
    return events.filter(action=AuditEvent.Action.LOGIN_FAILED).count()


def captcha_required(username: str | None) -> bool:
    if not username or username == API_TOKEN_USERNAME:
        return False
    return account_failures(username[:150]) >= settings.LOGIN_CAPTCHA_AFTER


class CaptchaLoginMixin:
    """Adds the captcha to a login form when the account named in the POST is under attack; while it
    is unsolved the password is not checked at all (so the attempt neither counts nor tells)."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.data.get("username") if self.is_bound else None
        # A locked address is told so (axes answers 429 at authentication) rather than asked for a captcha.
        self.needs_captcha = captcha_required(username) and not (
            request is not None and AxesProxyHandler.is_locked(request, {"username": username}))
        if self.needs_captcha:
            self.fields["captcha"] = CaptchaField(label=gettext_lazy("Verification code"))

    def clean(self):
        if self.needs_captcha and "captcha" not in self.cleaned_data:
            raise self.get_captcha_error()
        return super().clean()

    def get_captcha_error(self):
        return ValidationError(
            _("This account has had several failed logins from other addresses: type the characters shown "
              "in the picture (verification code) together with your password."),
            code="captcha_required",
        )


class AdminLoginForm(CaptchaLoginMixin, AdminAuthenticationForm):
    pass


def retry_at(request, credentials=None):
    """When the address's lockout ends: its latest counted failure plus the cool-off.
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off, so retrying does not move it."""
    cool_off = get_cool_off(request)
    ip = getattr(request, "axes_ip_address", None)
    last = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=timezone.now() - cool_off).aggregate(
        last=Max("attempt_time"))["last"]
    return timezone.localtime((last or timezone.now()) + cool_off)


def lockout_message(when) -> str:
    return _("Too many failed logins from this address: it is locked. Try again after %(time)s.") % {
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
