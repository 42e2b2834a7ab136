"""Lockout after 5 failed logins for 30 minutes, per (account, address) and per address, on the login
page, the admin and the API; the user is told when to retry. An account is never locked for everyone:
failures from many addresses make its login ask for an offline captcha instead."""

import datetime
import re

import time_machine
from captcha.models import CaptchaStore
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tokens import api_token_create
from audit.models import AuditEvent
from tests import factories as f
from tests.security.conftest import login_post

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


def solve_captcha(page) -> dict:
    """Read the picture's answer from the store, as the user reads the picture."""
    html = page.content.decode()
    assert 'data-testid="captcha"' in html
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', html).group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def login_with_captcha(client, username, *, ip, path=None):
    """The user types his password, is asked for the captcha, types it with his password again."""
    first = login_post(client, username, ip=ip, path=path)
    if first.status_code != 200:
        return first
    return client.post(path or reverse("login"), {"username": username, "password": f.DEFAULT_PASSWORD,
                                                  **solve_captcha(first)}, REMOTE_ADDR=ip)


def test_failures_from_other_addresses_never_lock_the_owner_out_they_ask_for_a_captcha(client, org):
    for n in range(5):
        login_post(client, "staff_a", "wrong-Password1", ip=f"10.0.1.{n}")
    asked = login_post(client, "staff_a", ip="10.9.9.9")  # the right password, from his own address
    assert asked.status_code == 200 and not asked.wsgi_request.user.is_authenticated
    assert "验证码" in asked.content.decode()
    response = client.post(reverse("login"), {"username": "staff_a", "password": f.DEFAULT_PASSWORD,
                                              **solve_captcha(asked)}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.logout()
    assert login_post(client, "staff_b", ip="10.9.9.9").status_code == 302  # other accounts are not asked


def test_while_the_captcha_is_unsolved_no_password_is_tried(client, org):
    for n in range(5):
        login_post(client, "staff_a", "wrong-Password1", ip=f"10.0.1.{n}")
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, actor_username="staff_a")
    before = failures.count()
    for guess in ["Guess#0001", "Guess#0002", f.DEFAULT_PASSWORD]:
        page = client.post(reverse("login"), {"username": "staff_a", "password": guess,
                                              "captcha_0": "0" * 40, "captcha_1": "WRONG"}, REMOTE_ADDR="10.0.7.7")
        assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated
    assert failures.count() == before  # not checked, so neither counted nor telling


def test_the_captcha_picture_is_drawn_here_without_any_outside_service(client, org):
    for n in range(5):
        login_post(client, "staff_a", "wrong-Password1", ip=f"10.0.1.{n}")
    html = login_post(client, "staff_a", ip="10.9.9.9").content.decode()
    src = re.search(r'<img src="([^"]+)" alt="captcha"', html).group(1)
    assert src.startswith("/captcha/image/")
    image = client.get(src)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content if image.streaming else [image.content])[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_admin_login_asks_for_the_captcha_too(client, org, admins):
    admin_login = reverse("admin:login")
    for n in range(5):
        login_post(client, "sysadmin1", "wrong-Password1", ip=f"10.0.4.{n}", path=admin_login)
    response = login_with_captcha(client, "sysadmin1", ip="10.9.9.8", path=admin_login)
    assert response.status_code == 302 and response.wsgi_request.user.username == "sysadmin1"


def test_the_lock_everyone_attack_leaves_every_real_user_able_to_log_in(client, org, admins):
    """230 requests: 5 wrong passwords for each of 46 accounts, spread over 46 loopback addresses."""
    users = list(User.objects.filter(is_active=True).order_by("username"))
    users += [f.UserFactory(username=f"clerk{n:02d}", department=org.dept_a) for n in range(46 - len(users))]
    assert len(users) == 46
    for i, user in enumerate(users):
        for j in range(5):
            login_post(client, user.username, "wrong-Password1", ip=f"127.0.0.{(i * 5 + j) % 46 + 2}")
    assert login_post(client, users[0].username, ip="127.0.0.2").status_code == 429  # the attacker's addresses are
    locked_out = []
    for n, user in enumerate(users):
        client.logout()
        response = login_with_captcha(client, user.username, ip=f"10.20.0.{n + 1}")  # his own desk
        if response.status_code != 302:
            locked_out.append(user.username)
    assert locked_out == []  # accounts a 230-request attack can lock: 0


def test_an_address_is_locked_whatever_accounts_it_tries(client, org, login):
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        login(client, name, "wrong-Password1", ip="10.0.2.2")
    assert login(client, "staff_b", ip="10.0.2.2").status_code == 429
    assert login(client, "staff_b", ip="10.0.2.3").status_code == 302


def test_the_admin_login_counts_and_locks_too(client, org, admins):
    admin_login = reverse("admin:login")
    fail(client, login_post, 5, username="sysadmin1", path=admin_login)
    assert login_post(client, "sysadmin1", path=admin_login).status_code == 429
    assert login_post(client, "sysadmin1").status_code == 429  # the same address on the main login page


def test_wrong_api_tokens_lock_the_address_out_of_the_api(client, org):
    token, raw = api_token_create(name="办公系统", court=org.court, acting_user=f.system_account(org.office), created_by=None)
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
