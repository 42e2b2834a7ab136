"""三员分立: no account holds two administrator roles (model, admin form, PostgreSQL trigger);
each administrator has exactly their own permissions and none sees rectification data."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import Role
from audit.roles import ROLE_GROUPS
from measures.selectors import measures_visible_to, reviews_visible_to
from tests import factories as f


def test_postgresql_refuses_two_administrator_roles_on_one_account(admins):
    with pytest.raises(IntegrityError, match="different people"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("UPDATE accounts_user SET roles = ARRAY['system_admin','audit_admin'] WHERE id = %s",
                        [admins.system.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        f.UserFactory(username="both", roles=[Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])


def test_the_model_and_the_admin_form_refuse_it_with_a_message(client, admins, org):
    admins.system.roles = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]
    with pytest.raises(ValidationError):
        admins.system.full_clean()
    client.force_login(admins.security)
    url = reverse("admin:accounts_user_change", args=[org.staff_a.pk])
    response = client.post(url, {"roles": "security_admin,audit_admin", "is_staff": "on", "is_active": "on"})
    assert response.status_code == 200
    assert "roles" in response.context["adminform"].form.errors
    org.staff_a.refresh_from_db()
    assert org.staff_a.roles == ["staff"]


def test_each_administrator_is_in_exactly_their_group(admins):
    for user, role in [(admins.system, Role.SYSTEM_ADMIN), (admins.security, Role.SECURITY_ADMIN),
                       (admins.audit, Role.AUDIT_ADMIN)]:
        assert set(user.groups.values_list("name", flat=True)) == {ROLE_GROUPS[role]}
        assert user.is_staff
    admins.audit.roles = []
    admins.audit.save()
    assert not admins.audit.groups.exists()


def test_the_groups_hold_exactly_their_functions(admins):
    system = admins.system
    security = admins.security
    audit = admins.audit
    assert system.has_perm("accounts.change_user") and system.has_perm("accounts.add_court")
    assert not system.has_perm("auth.change_group") and not system.has_perm("audit.view_auditevent")
    assert security.has_perm("auth.view_group") and not security.has_perm("auth.change_group")
    assert security.has_perm("accounts.change_user")
    assert not security.has_perm("accounts.add_user") and not security.has_perm("audit.view_auditevent")
    assert audit.has_perm("audit.view_auditevent")
    assert not audit.has_perm("accounts.change_user") and not audit.has_perm("auth.change_group")
    for user in (system, security, audit):
        assert not user.has_perm("measures.view_measure") and not user.has_perm("issues.view_review")
    assert Group.objects.get(name=ROLE_GROUPS[Role.AUDIT_ADMIN]).permissions.count() == 3


def test_the_system_administrator_cannot_change_roles_in_the_admin(client, admins, org):
    client.force_login(admins.system)
    url = reverse("admin:accounts_user_change", args=[org.staff_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="roles"' not in page.content.decode()  # shown read-only
    assert 'name="full_name"' in page.content.decode()


def test_the_security_administrator_changes_roles_but_not_accounts(client, admins, org):
    client.force_login(admins.security)
    html = client.get(reverse("admin:accounts_user_change", args=[org.staff_a.pk])).content.decode()
    assert 'name="roles"' in html and 'name="full_name"' not in html
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.get(reverse("admin:auth_user_password_change", args=[org.staff_a.pk])).status_code == 403


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_no_administrator_sees_rectification_data(client, admins, measure, who):
    user = getattr(admins, who)
    assert not measures_visible_to(user).exists() and not reviews_visible_to(user).exists()
    client.force_login(user)
    assert client.get(reverse("measure_detail", args=[measure.pk])).status_code == 404
    assert client.get("/admin/measures/measure/").status_code == 404  # not in the admin at all
    assert client.get("/admin/issues/review/").status_code == 404


def test_only_the_audit_administrator_reads_the_audit_log_in_the_admin(client, admins):
    for who, status in [("audit", 200), ("system", 403), ("security", 403)]:
        client.force_login(getattr(admins, who))
        assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == status
    client.force_login(admins.audit)
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_the_administrators_lists_of_measures_and_reviews_are_empty(client, admins, measure, who):
    client.force_login(getattr(admins, who))
    assert client.get(reverse("my_measures")).context["page"].items == []
    assert client.get(reverse("review_list")).context["reviews"] == []
    assert client.get("/api/measures/").json()["results"] == []
