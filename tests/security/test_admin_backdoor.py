"""The admin is not a back door: no business data in it, 三员分立 on accounts (nobody edits his own
roles or flags, nobody grants superuser there), role groups defined in code, every change audited,
and a break-glass command for superuser that is audited too."""

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.tokens import api_token_create
from audit.models import AuditEvent
from audit.roles import ROLE_GROUPS
from tests import factories as f

BUSINESS_APPS = {"issues", "measures", "reports", "notifications"}
SYSTEM_CONFIGURATION = {"measures.calendarday"}  # the statutory holiday table: the system administrator's
A = AuditEvent.Action


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def user_form(user, **changes):
    """The user change form as the browser posts it (every editable field), with ``changes``."""
    data = {"username": user.username, "full_name": user.full_name, "title": user.title,
            "first_name": "", "last_name": "", "email": user.email or "",
            "court": user.court_id or "", "department": user.department_id or "",
            "roles": ",".join(user.roles), "is_active": "on" if user.is_active else "",
            "supervised_departments": [d.pk for d in user.supervised_departments.all()]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_no_business_model_is_in_the_admin_at_all():
    business = {model._meta.label_lower for model in admin.site._registry if model._meta.app_label in BUSINESS_APPS}
    assert business == SYSTEM_CONFIGURATION
    assert all(model in admin.site._registry for model in apps.get_app_config("accounts").get_models())


def test_the_basic_courts_office_cannot_list_or_edit_another_courts_measure_in_the_admin(client, org, measure):
    office = org.basic_office
    office.is_staff = True  # as the demo once made it, with every permission on rectification data
    office.save()
    office.user_permissions.set(Permission.objects.filter(content_type__app_label__in=BUSINESS_APPS))
    client.force_login(office)
    assert client.get("/admin/measures/measure/").status_code == 404
    assert client.get(f"/admin/measures/measure/{measure.pk}/change/").status_code == 404
    response = client.post(f"/admin/measures/measure/{measure.pk}/change/", {"text": "改过的措施"})
    assert response.status_code == 404
    measure.refresh_from_db()
    assert measure.text != "改过的措施" and measure.version == 1
    assert client.get(f"/admin/measures/evidence/{measure.pk}/delete/").status_code == 404
    index = client.get("/admin/").content.decode()
    assert "/admin/measures/measure/" not in index and "/admin/issues/" not in index


def test_the_security_administrator_cannot_tick_is_superuser_for_anyone(client, admins, org):
    client.force_login(admins.security)
    page = client.get(change_url(org.staff_a)).content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page and 'name="groups"' not in page
    client.post(change_url(org.staff_a), user_form(org.staff_a, is_superuser="on", is_staff="on",
                                                   roles="staff,department_head"))
    org.staff_a.refresh_from_db()
    assert not org.staff_a.is_superuser and not org.staff_a.is_staff
    assert org.staff_a.roles == ["staff", "department_head"]  # the roles of others are his to set


def test_the_security_administrator_cannot_give_himself_a_role(client, admins):
    me = admins.security
    client.force_login(me)
    page = client.get(change_url(me)).content.decode()
    assert 'name="roles"' not in page
    client.post(change_url(me), user_form(me, roles="security_admin,rectification_office", is_superuser="on"))
    me.refresh_from_db()
    assert me.roles == [Role.SECURITY_ADMIN] and not me.is_superuser
    assert set(me.groups.values_list("name", flat=True)) == {ROLE_GROUPS[Role.SECURITY_ADMIN]}


def test_the_system_administrator_cannot_disable_or_promote_his_own_account(client, admins):
    me = admins.system
    client.force_login(me)
    page = client.get(change_url(me)).content.decode()
    assert 'name="is_active"' not in page and 'name="roles"' not in page and 'name="full_name"' in page
    response = client.post(change_url(me), user_form(me, full_name="系统管理员甲", is_active="",
                                                     roles="system_admin,leader", is_superuser="on"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    me.refresh_from_db()
    assert me.full_name == "系统管理员甲"  # his name, yes
    assert me.is_active and me.roles == [Role.SYSTEM_ADMIN] and not me.is_superuser
    assert client.get(reverse("admin:auth_user_password_change", args=[me.pk])).status_code == 403


def test_even_a_superuser_cannot_grant_superuser_in_the_admin(client, org):
    root = f.UserFactory(username="root", court=org.court, is_superuser=True, is_staff=True, roles=[])
    client.force_login(root)
    assert 'name="is_superuser"' not in client.get(change_url(org.office)).content.decode()
    client.post(change_url(org.office), user_form(org.office, is_superuser="on"))
    org.office.refresh_from_db()
    assert not org.office.is_superuser


@pytest.mark.parametrize("who", ["security", "system"])
def test_group_permissions_cannot_be_edited_in_the_admin(client, admins, who):
    group = Group.objects.get(name=ROLE_GROUPS[Role.SECURITY_ADMIN])
    before = set(group.permissions.values_list("pk", flat=True))
    client.force_login(getattr(admins, who))
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(change_url(group), {"name": group.name, "permissions": everything})
    assert response.status_code == 403
    assert client.get(reverse("admin:auth_group_add")).status_code == 403
    assert client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}).status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert not admins.security.has_perm("auth.change_group") and not admins.system.has_perm("auth.change_group")


def test_every_admin_change_is_audited_with_its_fields(client, admins, org):
    client.force_login(admins.system)
    response = client.post(change_url(org.dept_b), {"court": org.court.pk, "name": "刑事审判第一庭", "order": 2})
    assert response.status_code == 302
    row = AuditEvent.objects.get(action=A.ADMIN_CHANGE, object_id=str(org.dept_b.pk))
    assert row.actor == admins.system and row.object_type == "accounts.department"
    assert row.detail["operation"] == "change" and row.detail["fields"] == ["name"]
    client.post(reverse("admin:accounts_court_add"), {"name": "某县人民法院", "level": "basic", "parent": org.court.pk})
    court = org.court.children.get(name="某县人民法院")
    assert AuditEvent.objects.filter(action=A.ADMIN_CHANGE, object_id=str(court.pk), detail__operation="add").exists()
    client.post(reverse("admin:accounts_court_delete", args=[court.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(action=A.ADMIN_CHANGE, object_id=str(court.pk),
                                     detail__operation="delete").exists()


def test_a_role_change_in_the_admin_is_audited_twice_what_and_by_whom(client, admins, org):
    client.force_login(admins.security)
    client.post(change_url(org.staff_b), user_form(org.staff_b, roles="staff,department_head"))
    admin_row = AuditEvent.objects.get(action=A.ADMIN_CHANGE, object_id=str(org.staff_b.pk))
    assert admin_row.actor == admins.security and admin_row.detail["fields"]
    role_row = AuditEvent.objects.filter(action=A.ROLE_CHANGED, object_id=str(org.staff_b.pk)).latest("id")
    assert role_row.actor == admins.security and role_row.detail["roles"] == [["staff"], ["staff", "department_head"]]


def test_revoking_an_api_token_in_the_admin_is_audited(client, admins, org):
    token, _raw = api_token_create(name="办公系统", court=org.court, acting_user=f.system_account(org.office), created_by=None)
    client.force_login(admins.system)
    response = client.post(reverse("admin:accounts_apitoken_changelist"),
                           {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=A.ADMIN_CHANGE, object_id=str(token.pk), detail__operation="revoke",
                                     actor=admins.system).exists()


def test_break_glass_superuser_needs_a_reason_and_is_audited(org):
    with pytest.raises(CommandError):
        call_command("grant_superuser", "office", "--reason", "急")
    assert not User.objects.get(username="office").is_superuser
    call_command("grant_superuser", "office", "--reason", "事故单 2026-113：恢复误删的部门")
    office = User.objects.get(username="office")
    assert office.is_superuser and office.is_staff
    row = AuditEvent.objects.get(action=A.SUPERUSER_GRANTED, object_id=str(office.pk))
    assert row.detail["granted"] is True and row.detail["reason"] == "事故单 2026-113：恢复误删的部门"
    assert row.actor_username == "manage.py"
    call_command("grant_superuser", "office", "--revoke", "--reason", "事故单 2026-113 已处理完毕")
    assert not User.objects.get(username="office").is_superuser
    assert AuditEvent.objects.filter(action=A.SUPERUSER_GRANTED, detail__granted=False).count() == 1


def test_the_security_administrator_clears_others_lockouts_and_second_factors_but_not_his_own(client, admins, org):
    mine = AccessAttempt.objects.create(username=admins.security.username, ip_address="10.1.1.1", user_agent="x",
                                        failures_since_start=5)
    theirs = AccessAttempt.objects.create(username="staff_a", ip_address="10.1.1.2", user_agent="x",
                                          failures_since_start=5)
    my_device = TOTPDevice.objects.create(user=admins.security, name="mine", confirmed=False)  # half-enrolled
    client.force_login(admins.security)
    assert client.post(change_url(mine).replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403
    assert client.post(change_url(my_device).replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:axes_accessattempt_changelist"),
                {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"})
    assert AccessAttempt.objects.filter(pk=mine.pk).exists() and TOTPDevice.objects.filter(pk=my_device.pk).exists()
    assert client.post(change_url(theirs).replace("/change/", "/delete/"), {"post": "yes"}).status_code == 302
    assert not AccessAttempt.objects.filter(pk=theirs.pk).exists()
    assert AuditEvent.objects.filter(action=A.ADMIN_CHANGE, object_type="axes.accessattempt",
                                     object_id=str(theirs.pk), detail__operation="delete").exists()
