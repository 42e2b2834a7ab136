"""Password change (forced or by choice), TOTP enrolment and verification, the audit log."""

from base64 import b32encode
from io import BytesIO

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .exports import audit_csv
from .forms import AuditSearchForm, OtpTokenForm
from .middleware import CHECKED, password_change_required
from .models import AuditEvent
from .selectors import audit_events, can_read_audit_log
from .services import audit_record, password_mark_set


def _next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"
    if request.method == "POST" and form.is_valid():
        user = form.save()
        password_mark_set(user=user, by_owner=True)
        update_session_auth_hash(request, user)  # this browser stays logged in; all others end
        request.session.pop(CHECKED, None)
        messages.success(request, _("Your password has been changed."))
        return _next(request)
    return render(request, "audit/password_change.html", {
        "form": form, "reason": password_change_required(request.user), "next": request.GET.get("next", ""),
    })


def _qr_svg(url: str) -> str:
    """The QR code drawn here, as inline SVG: nothing is fetched from anywhere."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: scan the QR code, confirm one code."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name="TOTP", confirmed=False
    )
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            otp_login(request, device)
            request.session.pop(CHECKED, None)
            audit_record(action=AuditEvent.Action.OTP_ENROLLED, request=request, obj=user)
            messages.success(request, _("Two-step verification is on."))
            return _next(request)
        audit_record(action=AuditEvent.Action.OTP_FAILED, request=request, obj=user, success=False,
                     detail={"stage": "enrol"})
        form.add_error("token", _("The code is wrong or has expired."))
    # config_url names OTP_TOTP_ISSUER; the secret is shown only to its owner, never logged.
    return render(request, "audit/otp_setup.html", {
        "form": form, "qr": mark_safe(_qr_svg(device.config_url)), "secret": b32encode(device.bin_key).decode(),
        "next": request.GET.get("next", ""),
    })


@login_required
def otp_verify(request):
    """The second step of a login for an enrolled user."""
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                request.session.pop(CHECKED, None)
                return _next(request)
        audit_record(action=AuditEvent.Action.OTP_FAILED, request=request, obj=request.user, success=False,
                     detail={"stage": "login"})
        form.add_error("token", _("The code is wrong or has expired."))
    return render(request, "audit/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def audit_log(request):
    """审计日志: search (user, action, dates, result) and export — the audit administrator only."""
    if not can_read_audit_log(request.user):
        raise Http404
    form = AuditSearchForm(request.GET or None)
    events = audit_events(**form.filters()) if form.is_valid() else audit_events()
    if request.GET.get("format") == "csv":
        used = form.cleaned_data if form.is_bound and form.is_valid() else {}
        audit_record(action=AuditEvent.Action.AUDIT_EXPORTED, request=request,
                     detail={k: str(v) for k, v in used.items() if v not in ("", None)})
        response = HttpResponse(audit_csv(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f"attachment; filename=audit-{timezone.localdate():%Y%m%d}.csv"
        )
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "audit/log.html", {
        "form": form, "events": events.select_related(None)[:200], "query": query.urlencode(),
    })
