"""三员分立: no account holds two administrator roles (model, admin form, PostgreSQL trigger);
each administrator has exactly their own permissions and none sees rectification data. Separation of
duties in the close-out, and /api/users/ listing only whom a role picks from."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from audit.roles import ROLE_GROUPS
from measures import workflow
from measures.models import CloseOut, Measure
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


# --- separation of duties in the close-out (measures/workflow.py) ------------------------------
# Whoever does a piece of work never approves it; the two sign-offs are two different people; the
# responsible leader is a court leader of the measure's court; nobody makes himself the owner or the
# leader of what he will approve; the discipline office never moves a status. Refusals say why, in Chinese.


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _closeout_alone_in_four_calls(client, measure, me):
    """The story of issue 13: PATCH myself as owner and responsible leader, submit, approve, approve."""
    url = f"/api/measures/{measure.pk}/"
    responses = [client.patch(url, {"owner": me.pk, "responsible_leader": me.pk}, format="json",
                              HTTP_IF_MATCH=client.get(url).headers["ETag"])]
    responses.append(client.post(url + "submit-closeout/", {"result": "已整改完毕"}, format="json",
                                 HTTP_IF_MATCH=client.get(url).headers["ETag"]))
    for _ in range(2):
        responses.append(client.post(url + "approve/", {"note": "同意"}, format="json",
                                     HTTP_IF_MATCH=client.get(url).headers["ETag"]))
    return responses


def test_the_office_cannot_close_a_measure_alone_in_four_api_calls(org, measure, drive):
    measure = drive.in_progress(measure, with_evidence=True)

    patched, submitted, approved, approved_again = _closeout_alone_in_four_calls(_api(org.office), measure, org.office)

    assert patched.status_code == 403 and patched.json()["field"] == "responsible_leader"
    assert "不能把自己设为" in patched.json()["message"]
    assert submitted.status_code == 403 and approved.status_code == 400 and approved_again.status_code == 400
    measure.refresh_from_db()
    assert (measure.status, measure.owner, measure.responsible_leader) == (
        Measure.Status.IN_PROGRESS, None, org.leader_a)
    assert not CloseOut.objects.filter(measure=measure).exists()


def test_an_office_member_who_is_also_a_party_group_member_cannot_either(org, measure, drive):
    """政治部主任 is often a 党组成员 too: holding both roles still never lets one person close his own work."""
    both = f.UserFactory(username="office_leader", court=org.court, department=org.office_dept,
                         roles=[Role.RECTIFICATION_OFFICE, Role.LEADER])
    measure = drive.in_progress(measure, with_evidence=True)

    patched, submitted, approved, approved_again = _closeout_alone_in_four_calls(_api(both), measure, both)

    assert patched.status_code == 403 and "不能把自己设为" in patched.json()["message"]
    assert {r.status_code for r in (submitted, approved, approved_again)} <= {400, 403}
    measure.refresh_from_db()
    assert measure.status == Measure.Status.IN_PROGRESS


def test_whoever_applied_for_close_out_approves_neither_step(org, measure, drive):
    """A leader who owns and leads a measure (set up by someone else) applies; he cannot sign it himself."""
    measure.owner = org.leader_a
    measure.save()
    measure = drive.in_progress(measure, with_evidence=True)
    workflow.measure_submit_closeout(measure=measure, actor=org.leader_a, result="已整改")

    with pytest.raises(workflow.WorkflowPermissionError, match="销号申请是您提交的"), translation.override("zh-hans"):
        workflow.measure_approve_closeout(measure=measure, actor=org.leader_a)
    assert Measure.objects.get(pk=measure.pk).closeouts.get().stage == CloseOut.Stage.PENDING_LEADER


def test_the_two_sign_offs_are_two_different_people(org, measure, drive):
    both = f.UserFactory(username="office_leader", court=org.court, department=org.office_dept,
                         roles=[Role.RECTIFICATION_OFFICE, Role.LEADER], supervised_departments=[org.dept_a])
    measure = drive.closeout_requested(measure)
    workflow.measure_approve_closeout(measure=measure, actor=both)  # first step: he supervises 立案庭

    with pytest.raises(workflow.WorkflowPermissionError, match="第二步审核须由另一人"), translation.override("zh-hans"):
        workflow.measure_approve_closeout(measure=measure, actor=both)
    closeout = CloseOut.objects.get(measure=measure)
    assert closeout.stage == CloseOut.Stage.PENDING_OFFICE and closeout.leader_decided_by == both

    workflow.measure_approve_closeout(measure=measure, actor=org.office)
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.CLOSED


def test_the_owner_of_a_measure_does_not_sign_it_off_in_the_office(org, measure, drive):
    measure = drive.leader_approved(measure)
    Measure.objects.filter(pk=measure.pk).update(owner=org.office)

    with pytest.raises(workflow.WorkflowPermissionError), translation.override("zh-hans"):
        workflow.measure_approve_closeout(measure=measure, actor=org.office)
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.CLOSEOUT_REQUESTED


@pytest.mark.parametrize("who", ["staff_a", "office", "discipline", "basic_leader"])
def test_a_responsible_leader_is_a_court_leader_of_the_measures_court(org, measure, who):
    person = (f.UserFactory(username="basic_leader", court=org.basic_court, leader=True) if who == "basic_leader"
              else getattr(org, who))
    actor = f.UserFactory(username="office2", department=org.office_dept, rectification_office=True)

    with pytest.raises(workflow.WorkflowError) as refused, translation.override("zh-hans"):
        workflow.measure_update(measure=measure, actor=actor, changes={"responsible_leader": person},
                                expected_version=None)
    assert refused.value.field == "responsible_leader" and "院领导" in refused.value.message
    secretary = f.UserFactory(username="secretary", court=org.court, roles=[Role.PARTY_SECRETARY])
    workflow.measure_update(measure=measure, actor=actor, changes={"responsible_leader": secretary},
                            expected_version=None)
    assert Measure.objects.get(pk=measure.pk).responsible_leader == secretary


def test_a_leader_who_does_not_lead_or_supervise_the_measure_cannot_sign_it(org, measure, drive):
    measure = drive.closeout_requested(measure)
    with pytest.raises(workflow.WorkflowPermissionError):
        workflow.measure_approve_closeout(measure=measure, actor=org.leader_none)


def test_the_discipline_office_never_moves_a_status_even_as_an_owner(org, measure, drive):
    Measure.objects.filter(pk=measure.pk).update(owner=org.discipline)
    with pytest.raises(workflow.WorkflowPermissionError, match="纪检组"), translation.override("zh-hans"):
        workflow.measure_start(measure=measure, actor=org.discipline)
    measure = drive.closeout_requested(measure)
    with pytest.raises(workflow.WorkflowPermissionError), translation.override("zh-hans"):
        workflow.measure_approve_closeout(measure=measure, actor=org.discipline)
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.CLOSEOUT_REQUESTED


def test_whoever_asked_for_an_extension_does_not_decide_it(org, measure, drive):
    Measure.objects.filter(pk=measure.pk).update(owner=org.office)
    measure = drive.in_progress(measure)
    extension = workflow.measure_request_extension(measure=measure, actor=org.office,
                                                   new_deadline=f.DEADLINE.replace(month=9), reason="需要更多时间")
    with pytest.raises(workflow.WorkflowPermissionError), translation.override("zh-hans"):
        workflow.measure_decide_extension(extension=extension, actor=org.office, approve=True)


def test_the_approvals_page_lists_only_what_the_user_may_sign(client, org, measure, drive):
    both = f.UserFactory(username="office_leader", court=org.court, department=org.office_dept,
                         roles=[Role.RECTIFICATION_OFFICE, Role.LEADER], supervised_departments=[org.dept_a])
    drive.closeout_requested(measure)
    client.force_login(both)
    assert [c.measure_id for c in client.get(reverse("approvals")).context["closeouts"]] == [measure.pk]
    workflow.measure_approve_closeout(measure=measure, actor=both)
    assert list(client.get(reverse("approvals")).context["closeouts"]) == []
    client.force_login(org.office)
    assert [c.measure_id for c in client.get(reverse("approvals")).context["closeouts"]] == [measure.pk]


# --- /api/users/: only the people a role needs to pick from -------------------------------------

def _usernames(user) -> set[str]:
    return {row["username"] for row in _api(user).get("/api/users/?page_size=500").json()["results"]}


def test_staff_cannot_enumerate_administrators_or_other_departments(org, admins):
    seen = _usernames(org.staff_a)
    assert seen == {"staff_a", "head_a", "leader_a", "leader_none"}  # his department and the court's leaders
    assert not seen & {"sysadmin1", "secadmin1", "auditadmin1"}


def test_the_office_lists_the_people_who_can_own_or_lead_measures_in_its_tree(org, admins):
    seen = _usernames(org.office)
    assert {"staff_a", "staff_b", "head_a", "leader_a", "leader_none"} <= seen
    assert not seen & {"sysadmin1", "secadmin1", "auditadmin1", "office", "discipline", "basic_office"}
    assert _usernames(org.basic_office) & {"staff_a", "leader_a"} == set()  # not the court above


def test_the_administrators_still_list_every_account_they_manage(org, admins):
    assert {"staff_a", "sysadmin1", "auditadmin1", "office"} <= _usernames(admins.system)
