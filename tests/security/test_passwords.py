"""Password policy: length, character classes, no reuse of the last five, forced change of an
initial or reset password, optional expiry."""

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from audit.models import AccountSecurity, PasswordHistory
from tests import factories as f


@pytest.mark.parametrize("password", ["Ab1!xyz", "abcdefgh1", "ABCDEFGH!", "abcdEFGH"])
def test_weak_passwords_are_refused(org, password):
    with pytest.raises(ValidationError):
        validate_password(password, org.staff_a)


@pytest.mark.parametrize("password", ["Court2026!", "zheng-gai-TONG", "法院Zgt#2026x"])
def test_passwords_with_three_character_classes_are_accepted(org, password):
    validate_password(password, org.staff_a)


def test_history_is_written_on_every_set_password_and_the_last_five_cannot_be_reused(org):
    user = org.staff_a
    used = [f"Court{n}-Pass" for n in range(6)]
    for password in used:
        user.set_password(password)
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in used[1:]:
        with pytest.raises(ValidationError) as refused:
            validate_password(recent, user)
        assert [e.code for e in refused.value.error_list] == ["password_reused"]
    validate_password(used[0], user)  # the sixth-oldest may come back


def _admin_creates(client, admins, username="newclerk", password="Initial#2026"):
    client.force_login(admins.system)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": username, "password1": password, "password2": password, "usable_password": "true",
    })
    assert response.status_code == 302, response.content[:2000]
    client.logout()


def test_an_initial_password_set_by_the_administrator_must_be_changed_at_first_login(client, admins, login):
    _admin_creates(client, admins)
    assert AccountSecurity.objects.get(user__username="newclerk").must_change_password
    login(client, "newclerk", "Initial#2026")
    response = client.get(reverse("my_measures"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("audit:password_change"))
    response = client.post(reverse("audit:password_change"), {
        "old_password": "Initial#2026", "new_password1": "Mine#2026zz", "new_password2": "Mine#2026zz",
    })
    assert response.status_code == 302
    assert not AccountSecurity.objects.get(user__username="newclerk").must_change_password
    assert client.get(reverse("my_measures")).status_code == 200


def test_a_password_reset_by_the_administrator_must_be_changed(client, org, admins, login):
    client.force_login(admins.system)
    url = reverse("admin:auth_user_password_change", args=[org.staff_a.pk])
    response = client.post(url, {"password1": "Reset#2026ab", "password2": "Reset#2026ab", "usable_password": "true"})
    assert response.status_code == 302
    client.logout()
    login(client, "staff_a", "Reset#2026ab")
    assert client.get(reverse("my_measures"))["Location"].startswith(reverse("audit:password_change"))


def test_a_password_chosen_by_its_owner_is_not_forced_again(client, org):
    client.force_login(org.staff_a)
    response = client.post(reverse("audit:password_change"), {
        "old_password": f.DEFAULT_PASSWORD, "new_password1": "Mine#2026zz", "new_password2": "Mine#2026zz",
    })
    assert response.status_code == 302
    assert not AccountSecurity.objects.get(user=org.staff_a).must_change_password
    assert client.get(reverse("my_measures")).status_code == 200  # still logged in after the change


def test_passwords_expire_after_the_configured_days(client, org, settings, login):
    settings.PASSWORD_EXPIRY_DAYS = 90
    org.staff_a.set_password("Court#2026a")
    org.staff_a.save()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=89)):
        login(client, "staff_a", "Court#2026a")
        assert client.get(reverse("my_measures")).status_code == 200
        client.logout()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        login(client, "staff_a", "Court#2026a")
        response = client.get(reverse("my_measures"))
        assert response["Location"].startswith(reverse("audit:password_change"))


def test_seeded_accounts_are_exempt_only_in_the_demo(client, org, settings):
    """Accounts whose password never went through the application (seed_demo, imports)."""
    settings.DEMO = True
    client.force_login(org.staff_a)
    assert client.get(reverse("my_measures")).status_code == 200
    client.logout()
    settings.DEMO = False
    client.force_login(org.staff_a)
    assert client.get(reverse("my_measures"))["Location"].startswith(reverse("audit:password_change"))


@pytest.mark.parametrize("password", ["staff_a1A!", "STAFF_A#2026", "x-Staff_A-9"])
def test_a_password_containing_the_username_is_refused_in_chinese(org, password):
    with pytest.raises(ValidationError) as refused, translation.override("zh-hans"):
        validate_password(password, org.staff_a)
    assert "password_contains_username" in [e.code for e in refused.value.error_list]
    assert "用户名" in " ".join(refused.value.messages)


def test_the_administrator_cannot_create_an_account_whose_password_contains_its_name(client, admins):
    client.force_login(admins.system)
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "Liu.Clerk", "password1": "liu.clerk#2026A", "password2": "liu.clerk#2026A",
        "usable_password": "true",
    })
    assert response.status_code == 200
    assert "password2" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="Liu.Clerk").exists()
