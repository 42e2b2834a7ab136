"""Lockout after 5 failed logins for 30 minutes, per account and per IP, on the login page, the
admin and the API; the user is told when to retry."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.tokens import api_token_create
from audit.models import AuditEvent
from tests import factories as f

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def fail(client, login, times, username="staff_a", ip="10.0.0.1", path=None):
    responses = [login(client, username, "wrong-Password1", ip=ip, path=path) for _ in range(times)]
    return responses[-1]


def test_the_lockout_timeline_five_failures_then_thirty_minutes(client, org, login):
    with time_machine.travel(START, tick=False) as clock:
        assert fail(client, login, 4).status_code == 200  # the form again, with its error
        locked = fail(client, login, 1)
        assert locked.status_code == 429
        clock.shift(datetime.timedelta(minutes=29))
        response = login(client, "staff_a")  # the right password, still refused
        assert response.status_code == 429
        clock.shift(datetime.timedelta(minutes=2))  # 31 minutes after the fifth failure
        response = login(client, "staff_a")
        assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_locked_out_user_is_told_when_to_retry(client, org, login):
    with time_machine.travel(START, tick=False):
        page = fail(client, login, 5)
    retry = timezone.localtime(START + datetime.timedelta(minutes=30))
    assert page.status_code == 429
    assert f"{retry:%Y-%m-%d %H:%M}" in page.content.decode()
    assert b'data-testid="lockout"' in page.content
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKOUT, actor_username="staff_a").exists()


def test_an_account_is_locked_whatever_address_the_attempts_come_from(client, org, login):
    for n in range(5):
        login(client, "staff_a", "wrong-Password1", ip=f"10.0.1.{n}")
    assert login(client, "staff_a", ip="10.9.9.9").status_code == 429
    assert login(client, "staff_b", ip="10.9.9.9").status_code == 302  # other accounts are unaffected


def test_an_address_is_locked_whatever_accounts_it_tries(client, org, login):
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        login(client, name, "wrong-Password1", ip="10.0.2.2")
    assert login(client, "staff_b", ip="10.0.2.2").status_code == 429
    assert login(client, "staff_b", ip="10.0.2.3").status_code == 302


def test_the_admin_login_counts_and_locks_too(client, org, admins, login):
    admin_login = reverse("admin:login")
    fail(client, login, 5, username="sysadmin1", path=admin_login)
    assert login(client, "sysadmin1", path=admin_login).status_code == 429
    assert login(client, "sysadmin1").status_code == 429  # the same account on the main login page


def test_wrong_api_tokens_lock_the_address_out_of_the_api(client, org):
    token, raw = api_token_create(name="办公系统", court=org.court, acting_user=org.office, created_by=None)
    codes = [client.get("/api/measures/", HTTP_AUTHORIZATION="Bearer zgt_wrong", REMOTE_ADDR="10.0.3.3").status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]  # the fifth wrong token locks the address
    locked = client.get("/api/measures/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.0.3.3")
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    ok = client.get("/api/measures/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.0.3.4")
    assert ok.status_code == 200  # another address, and the token itself, are not blocked
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, actor_username="api-token").count() >= 5


def test_a_success_before_the_limit_resets_the_count(client, org, login):
    fail(client, login, 4)
    assert login(client, "staff_a").status_code == 302
    client.logout()
    assert fail(client, login, 4).status_code == 200
    assert f.DEFAULT_PASSWORD  # the factories' password is the one used by ``login``
