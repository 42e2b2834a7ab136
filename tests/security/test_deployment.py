"""Deployment: `check --deploy` is clean with production settings, no default or demo accounts in
production, a Content-Security-Policy without inline script, and errors without tracebacks."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from courtreform.childenv import child_env, database_url
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3J9!qT7#vLm2@Xz8$Rp4^Wn6&Bs1*Hd5(Fg0)Yc-Ua_Ee=Io+Oa"


def check_deploy(db_name: str, **extra) -> subprocess.CompletedProcess:
    env = child_env(**{
        "DEBUG": "0", "DEMO": "0", "HTTPS": "1", "SECRET_KEY": STRONG_KEY, "AUDIT_HMAC_KEY": STRONG_KEY[::-1],
        "ALLOWED_HOSTS": "zgt.court.example", "CSRF_TRUSTED_ORIGINS": "https://zgt.court.example",
        "DATABASE_URL": database_url(name=db_name), "LOG_LEVEL": "WARNING", **extra,
    })
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
def test_production_settings_pass_check_deploy_without_warnings():
    result = check_deploy(django_settings.DATABASES["default"]["NAME"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_audit_chain_key():
    result = check_deploy("unused", AUDIT_HMAC_KEY="")
    assert result.returncode != 0 and "AUDIT_HMAC_KEY must be set" in result.stderr


def test_demo_accounts_fail_the_deploy_check_when_the_demo_is_off(settings, org):
    f.UserFactory(username="zhengzhibu", department=org.office_dept, roles=[Role.RECTIFICATION_OFFICE])
    settings.DEMO = True
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id == "measures.E001"]
    settings.DEMO = False
    assert [m for m in run_checks(include_deployment_checks=True) if m.id == "measures.E001"]


def test_a_superuser_with_a_default_or_unusable_password_fails_the_deploy_check(settings, org):
    settings.DEMO = False
    admin = f.UserFactory(username="admin", court=org.court, is_superuser=True, is_staff=True, roles=[])
    admin.set_password("admin123")
    admin.save()
    assert [m for m in run_checks(include_deployment_checks=True) if m.id == "audit.E002"]
    admin.set_unusable_password()
    admin.save()
    assert [m for m in run_checks(include_deployment_checks=True) if m.id == "audit.E001"]


def test_every_page_sends_a_content_security_policy_without_unsafe_inline_script(client, org):
    client.force_login(org.staff_a)
    for url in [reverse("login"), reverse("my_measures"), reverse("review_list")]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        script = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "unsafe-inline" not in script and "unsafe-eval" not in script


def test_templates_have_no_inline_script_or_event_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.parts[-2] == "api":  # Swagger UI / ReDoc pages get the relaxed policy
            continue
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            if 'type="application/json"' not in match.group(0):
                offenders.append(f"{path.name}: {match.group(0)}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert offenders == []


def test_a_forced_error_shows_the_chinese_error_page_without_a_traceback(settings, org):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.security.urls_boom"
    client = Client(raise_request_exception=False)
    client.force_login(org.staff_a)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "ZeroDivisionError" not in body and "settings" not in body.lower()
    assert "500" in body


def test_a_missing_page_shows_the_404_page_without_debug_details(settings, client, org):
    settings.DEBUG = False
    client.force_login(org.staff_a)
    response = client.get("/measures/999999/")
    assert response.status_code == 404 and "URLconf" not in response.content.decode()
