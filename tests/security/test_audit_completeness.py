"""Every state change leaves an audit row: who did what to which object. These were missing:
prompt sheets, category renames, bulletin drafting and review, 批示, API tokens."""

import datetime

from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_tokens_revoke
from audit.models import AuditEvent
from audit.services import audit_verify
from issues import services as issues
from measures.instructions import instruction_give
from measures.prompts import prompt_issue
from reports import bulletins
from tests import factories as f

A = AuditEvent.Action


def audited(action, obj, actor):
    return list(AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
                                          actor=actor).order_by("id").values_list("detail", flat=True))


def test_issuing_a_prompt_sheet_is_audited(org, review):
    prompt = prompt_issue(review=review, actor=org.office, title="关于报送整改进展的提示", body="请于周五前报送",
                          departments=[org.dept_a, org.dept_b])
    [detail] = audited(A.PROMPT_ISSUED, prompt, org.office)
    assert detail["number"] == 1 and detail["departments"] == sorted([org.dept_a.pk, org.dept_b.pk])


def test_creating_and_renaming_a_category_is_audited_with_the_old_and_new_name(org, review):
    category = issues.category_create(review=review, actor=org.office, name="党的建设方面")
    issues.category_update(category=category, actor=org.office, name="党的政治建设方面")
    issues.category_update(category=category, actor=org.office, name="党的政治建设方面")  # no change: no row
    created, renamed = audited(A.CATEGORY_CHANGED, category, org.office)
    assert created["created"] is True
    assert renamed["name"] == ["党的建设方面", "党的政治建设方面"]


def test_drafting_reviewing_and_publishing_a_bulletin_are_each_audited(org, review, measure):
    bulletin = bulletins.bulletin_generate(review=review, actor=org.office, period_start=f.FEEDBACK_DATE,
                                           period_end=f.FEEDBACK_DATE + datetime.timedelta(days=30))
    bulletins.bulletin_advance(bulletin=bulletin, actor=org.office, to="reviewed")
    bulletins.bulletin_advance(bulletin=bulletin, actor=org.office, to="published")
    assert [d["version"] for d in audited(A.BULLETIN_DRAFTED, bulletin, org.office)] == [1]  # no number yet
    assert len(audited(A.BULLETIN_REVIEWED, bulletin, org.office)) == 1
    assert [d["number"] for d in audited(A.BULLETIN_PUBLISHED, bulletin, org.office)] == [1]


def test_a_leaders_instruction_is_audited(org, measure):
    instruction = instruction_give(author=org.leader_a, measure=measure, text="要抓紧推进，月底前见成效")
    [detail] = audited(A.INSTRUCTION_GIVEN, instruction, org.leader_a)
    assert detail["measure"] == measure.pk


def test_creating_and_revoking_an_api_token_is_audited_without_the_token(org):
    token, raw = api_token_create(name="法综系统", court=org.court, acting_user=f.system_account(org.office), created_by=org.office)
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))  # already revoked: nothing new
    [created] = audited(A.API_TOKEN_CREATED, token, org.office)
    assert created["name"] == "法综系统" and raw not in str(created)
    assert AuditEvent.objects.filter(action=A.API_TOKEN_REVOKED, object_id=str(token.pk)).count() == 1
    assert audit_verify().ok


def test_a_page_download_is_audited_through_the_shared_gate(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    client.force_login(org.head_a)
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 200
    [detail] = audited(A.EVIDENCE_DOWNLOADED, evidence, org.head_a)
    assert (detail["name"], detail["sha256"]) == (evidence.original_name, evidence.sha256)


def test_setting_up_a_review_its_findings_and_problems_is_audited_with_the_fields_changed(org, review, category):
    issues.review_update(review=review, actor=org.office, title="市委第二巡察组反馈意见整改（修订）")
    finding = issues.finding_create(review=review, actor=org.office, text="审判质效不高")
    issues.finding_update(finding=finding, actor=org.office, text="审判质效有待提升")
    problem = issues.problem_create(category=category, actor=org.office, description="案件久拖不结",
                                    responsible_leader=org.leader_a, lead_department=org.dept_a)
    issues.problem_update(problem=problem, actor=org.office, root_cause="责任落实不到位")
    assert audited(A.REVIEW_CHANGED, review, org.office) == [{"fields": ["title"]}]
    assert audited(A.FINDING_CHANGED, finding, org.office) == [{"created": True}, {"fields": ["text"]}]
    assert audited(A.PROBLEM_CHANGED, problem, org.office) == [{"created": True}, {"fields": ["root_cause"]}]


def test_confirming_a_prompt_sheet_as_read_is_audited_once(org, review):
    from measures.prompts import prompt_confirm_read

    prompt = prompt_issue(review=review, actor=org.office, title="提示", body="请报送", departments=[org.dept_a])
    prompt_confirm_read(prompt=prompt, actor=org.staff_a)
    prompt_confirm_read(prompt=prompt, actor=org.staff_a)  # already read: nothing new
    assert audited(A.PROMPT_READ, prompt, org.staff_a) == [{"department": org.dept_a.pk}]


def test_reordering_categories_and_tracing_a_finding_are_audited(org, review, category):
    """Moving a category changes every outline number after it (一、二、…); tracing a finding changes what the
    inspection's feedback became. Both are state changes, and both are in the audit log."""
    second = issues.category_create(review=review, actor=org.office, name="司法作风方面")
    finding = issues.finding_create(review=review, actor=org.office, text="审判质效不高")
    problem = f.ProblemFactory(category=second)

    assert issues.siblings_move(obj=second, actor=org.office, direction="up")
    issues.finding_link_problems(finding=finding, actor=org.office, problems=[problem])

    [moved] = [d for d in audited(A.CATEGORY_CHANGED, second, org.office) if d.get("fields") == ["order"]]
    assert moved["direction"] == "up" and set(moved["orders"]) == {str(second.pk), str(category.pk)}
    assert [problem.pk] in [d.get("problems") for d in audited(A.FINDING_CHANGED, finding, org.office)]
