"""Optional TOTP second factor (django-otp); required for administrators when configured."""

import re

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent


def code(device: TOTPDevice) -> str:
    # A wrong code makes django-otp refuse the next try for a moment (throttling); the user waits it out.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_administrators_must_enrol_when_required(client, admins, settings, login):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    login(client, "sysadmin1")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("audit:otp_setup"))
    page = client.get(reverse("audit:otp_setup"))
    html = page.content.decode()
    assert re.search(r"<svg[^>]*>.*<path", html, re.S), "the QR code is drawn locally as SVG"
    assert "http" not in re.search(r"<svg.*</svg>", html, re.S).group(0).replace("http://www.w3.org", "")
    device = TOTPDevice.objects.get(user=admins.system, confirmed=False)
    assert client.post(reverse("audit:otp_setup"), {"token": "000000"}).status_code == 200
    response = client.post(reverse("audit:otp_setup"), {"token": code(device)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_ENROLLED, actor=admins.system).exists()


def test_an_enrolled_user_verifies_a_code_at_every_login(client, org, login):
    device = TOTPDevice.objects.create(user=org.staff_a, name="phone", confirmed=True)
    login(client, "staff_a")
    response = client.get(reverse("my_measures"))
    assert response["Location"].startswith(reverse("audit:otp_verify"))
    assert client.post(reverse("audit:otp_verify"), {"token": "123456"}).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OTP_FAILED, success=False).exists()
    client.post(reverse("audit:otp_verify"), {"token": code(device)})
    assert client.get(reverse("my_measures")).status_code == 200


def test_business_users_are_not_asked_for_a_second_factor_by_default(client, org, settings, login):
    settings.OTP_REQUIRED_FOR_ADMINS = True
    login(client, "staff_a")
    assert client.get(reverse("my_measures")).status_code == 200
