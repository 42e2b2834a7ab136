"""Request-level security: Content-Security-Policy, the absolute session limit, forced password
change and the second factor for administrators."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .roles import is_admin_account
from .services import password_state, session_index

LOGIN_AT = "_audit_login_at"
INDEXED_KEY = "_audit_session_key"
# Set once the password and second-factor checks passed for this session, so they cost no
# queries on later requests. Cleared at login; password and 2FA changes end or re-mark sessions.
CHECKED = "_audit_checked"
# The idle timer is renewed by saving the session, at most once a minute: saving it on every
# request (SESSION_SAVE_EVERY_REQUEST) would make every page view a database write and commit.
RENEWED_AT = "_audit_renewed_at"
RENEW_SECONDS = 60


class ContentSecurityPolicyMiddleware:
    """Everything from our own origin, no inline script (static/js/app.js carries the behaviour)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = any(request.path.startswith(prefix) for prefix in settings.CSP_RELAXED_PATHS)
            response["Content-Security-Policy"] = settings.CSP_RELAXED_POLICY if relaxed else settings.CSP_POLICY
        return response


def _exempt(path: str) -> bool:
    prefixes = [reverse("logout"), reverse("audit:password_change"), reverse("audit:otp_verify"),
                reverse("audit:otp_setup"), settings.STATIC_URL, "/i18n/", "/healthz", "/readyz"]
    return any(path.startswith(p) for p in prefixes)


def password_change_required(user) -> str | None:
    """Why the user must change the password now: 'initial', 'expired', or None."""
    state = password_state(user)
    if state is not None and state.must_change_password:
        return "initial"
    if state is None or state.password_changed_at is None:
        # Set outside the application (seeded or imported): acceptable only for the demo.
        if not settings.DEMO:
            return "initial"
        changed_at = None
    else:
        changed_at = state.password_changed_at
    days = settings.PASSWORD_EXPIRY_DAYS
    if days > 0:
        since = changed_at or user.date_joined
        if timezone.now() - since > timezone.timedelta(days=days):
            return "expired"
    return None


def otp_required(user) -> bool:
    """An enrolled user always confirms a code; administrators must enrol when the setting is on."""
    from django_otp import user_has_device

    return user_has_device(user) or (settings.OTP_REQUIRED_FOR_ADMINS and is_admin_account(user))


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            answer = self._check(request, user)
            if answer is not None:
                return answer
        return self.get_response(request)

    def _check(self, request, user):
        session = request.session
        now = time.time()
        login_at = session.get(LOGIN_AT)
        if login_at is None:
            session[LOGIN_AT] = login_at = now
        if now - login_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
            logout(request)
            return redirect(f"{reverse('login')}?next={request.path}")
        if now - session.get(RENEWED_AT, 0) >= RENEW_SECONDS:
            session[RENEWED_AT] = now  # modified: saved with a new expiry at the end of the request
        if session.session_key and session.get(INDEXED_KEY) != session.session_key:
            session_index(user=user, session_key=session.session_key)
            session[INDEXED_KEY] = session.session_key
        if session.get(CHECKED) or _exempt(request.path):
            return None
        if otp_required(user) and not user.is_verified():
            from django_otp import user_has_device

            target = "audit:otp_verify" if user_has_device(user) else "audit:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        if password_change_required(user):
            return redirect(f"{reverse('audit:password_change')}?next={request.get_full_path()}")
        session[CHECKED] = True
        return None
