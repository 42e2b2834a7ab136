"""Included at "account/" (password, two-step verification) and "audit/" (the log)."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("account/password/", views.password_change, name="password_change"),
    path("account/2fa/setup/", views.otp_setup, name="otp_setup"),
    path("account/2fa/verify/", views.otp_verify, name="otp_verify"),
    path("audit/", views.audit_log, name="log"),
]
