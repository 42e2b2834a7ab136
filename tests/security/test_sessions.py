"""Sessions: idle timeout 30 minutes, absolute limit 12 hours, a new key at login, and logout,
a disabled account or a new password ending every session of the account."""

import datetime

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import UserSession
from tests import factories as f

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def is_logged_in(client) -> bool:
    return client.get(reverse("my_measures")).status_code == 200


def test_the_session_key_changes_at_login(client, org, login):
    client.get(reverse("login"))
    client.session["before"] = 1  # an anonymous session exists
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key
    login(client, "staff_a")
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_idle_sessions_end_after_thirty_minutes(client, org, login):
    with time_machine.travel(START, tick=False) as clock:
        login(client, "staff_a")
        clock.shift(datetime.timedelta(minutes=29))
        assert is_logged_in(client)  # activity renews the idle timer …
        clock.shift(datetime.timedelta(minutes=29))
        assert is_logged_in(client)
        clock.shift(datetime.timedelta(minutes=31))  # … inactivity ends it
        assert not is_logged_in(client)


def test_sessions_end_after_twelve_hours_even_when_active(client, org, login):
    with time_machine.travel(START, tick=False) as clock:
        login(client, "staff_a")
        for _ in range(23):
            clock.shift(datetime.timedelta(minutes=29))
            assert is_logged_in(client)  # 11 h 07 min
        clock.shift(datetime.timedelta(minutes=29))
        clock.shift(datetime.timedelta(minutes=29))  # past 12 hours, never idle for 30 minutes
        assert not is_logged_in(client)


def two_browsers(login, username="staff_a"):
    first, second = Client(), Client()
    login(first, username)
    login(second, username)
    assert is_logged_in(first) and is_logged_in(second)
    return first, second


def test_logout_ends_every_session_of_the_account(org, login):
    first, second = two_browsers(login)
    first.post(reverse("logout"))
    assert not is_logged_in(first) and not is_logged_in(second)
    assert not UserSession.objects.filter(user=org.staff_a).exists()


def test_disabling_an_account_ends_its_sessions_so_enabling_it_again_does_not_revive_them(org, login):
    first, second = two_browsers(login)
    org.staff_a.is_active = False
    org.staff_a.save()
    assert not is_logged_in(first) and not is_logged_in(second)
    # A disabled account is refused by the login backend anyway; what proves its sessions were ended is
    # that the same browsers stay logged out once the account is enabled again.
    org.staff_a.is_active = True
    org.staff_a.save()
    assert not is_logged_in(first) and not is_logged_in(second)
    assert not UserSession.objects.filter(user=org.staff_a).exists()


def test_a_new_password_ends_the_other_sessions_but_not_the_one_that_changed_it(org, login):
    first, second = two_browsers(login)
    response = first.post(reverse("audit:password_change"), {
        "old_password": f.DEFAULT_PASSWORD, "new_password1": "Mine#2026zz", "new_password2": "Mine#2026zz",
    })
    assert response.status_code == 302
    assert is_logged_in(first)
    assert not is_logged_in(second)


def test_other_accounts_keep_their_sessions(org, login):
    mine, other = Client(), Client()
    login(mine, "staff_a")
    login(other, "staff_b")
    mine.post(reverse("logout"))
    assert is_logged_in(other)
    assert timezone.now()  # (the clock is real here)
