"""Who reads which measures (measures.selectors.measure_scope, the one definition), and what each
page that counts says it counts. The court's chain of responsibility, as domain.md tells it:
党组书记 reads his court and the courts below; 院领导 the whole court, or 我分管; 纪检组 everything of
its tree, drafts included; 整改办 its tree; staff their department; the 三员 nothing."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from measures import instructions, workflow
from measures.models import Instruction, Measure
from measures.selectors import measure_scope, measures_visible_to
from reports import bulletins
from tests import factories as f


@pytest.fixture
def courts(org, problem):
    """Three measures of the 中院 (立案庭, 刑事审判庭, one led by 钱副院长) and one of the 基层法院."""
    basic_review = f.ReviewFactory(court=org.basic_court, title="某区法院自查自纠")
    basic_problem = f.ProblemFactory(category=f.CategoryFactory(review=basic_review))
    return {
        "a": f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a),
        "b": f.MeasureFactory(problem=problem, lead_department=org.dept_b, responsible_leader=org.leader_a),
        "led": f.MeasureFactory(problem=problem, lead_department=org.dept_b, responsible_leader=org.leader_none),
        "basic": f.MeasureFactory(problem=basic_problem, lead_department=org.basic_office.department),
    }


def _seen(user, **kwargs) -> set[str]:
    ids = set(measures_visible_to(user, **kwargs).values_list("pk", flat=True))
    return {name for name, m in _seen.courts.items() if m.pk in ids}


@pytest.fixture(autouse=True)
def _names(courts):
    _seen.courts = courts


def test_the_party_secretary_reads_his_court_and_the_courts_below(org):
    secretary = f.UserFactory(username="secretary", court=org.court, roles=[Role.PARTY_SECRETARY])
    assert _seen(secretary) == {"a", "b", "led", "basic"}


def test_a_basic_court_party_secretary_reads_only_his_own_court(org):
    secretary = f.UserFactory(username="basic_secretary", court=org.basic_court, roles=[Role.PARTY_SECRETARY])
    assert _seen(secretary) == {"basic"}


def test_a_party_group_member_reads_the_whole_court_and_switches_to_his_own_part(org):
    assert _seen(org.leader_a) == {"a", "b", "led", "basic"}
    assert _seen(org.leader_a, mine=True) == {"a", "b"}  # he leads both; he supervises 立案庭
    assert _seen(org.leader_none, mine=True) == {"led"}


def test_the_offices_read_their_court_tree(org):
    assert _seen(org.office) == _seen(org.discipline) == {"a", "b", "led", "basic"}
    assert _seen(org.basic_office) == {"basic"}


def test_staff_and_heads_read_their_department_only(org):
    assert _seen(org.staff_a) == _seen(org.head_a) == {"a"}
    assert _seen(org.staff_b) == {"b", "led"}


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_three_administrators_read_nothing(org, role):
    assert _seen(f.UserFactory(username=role, department=org.office_dept, roles=[role])) == set()


def test_mine_is_ignored_for_those_who_have_no_part_of_their_own(org):
    assert _seen(org.office, mine=True) == _seen(org.office)
    assert not measure_scope(org.office).can_narrow and measure_scope(org.leader_a).can_narrow


# --- the pages say whose measures they count -----------------------------------------------------

@pytest.mark.parametrize(("who", "params", "label", "total"), [
    ("leader_a", {}, "本院及下级法院 · 全部", 4),
    ("leader_a", {"scope": "mine"}, "我分管的部门", 2),
    ("basic_office", {}, "本院 · 全部", 1),
    ("staff_b", {}, "本部门（牵头或配合）", 2),
])
def test_my_measures_says_whose_measures_it_counts(client, org, who, params, label, total):
    client.force_login(getattr(org, who))
    response = client.get(reverse("my_measures"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert f'data-testid="scope-label">{label}</span>' in html
    assert response.context["counts"]["total"] == total
    assert ('data-testid="scope-switch"' in html) == (who == "leader_a")


def test_the_leader_switches_the_dashboard_between_the_whole_court_and_his_part(client, org):
    client.force_login(org.leader_none)
    whole = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    mine = client.get(reverse("dashboard"), {"scope": "mine"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert whole.context["dashboard"].tiles["measures"] == 4 and mine.context["dashboard"].tiles["measures"] == 1
    assert "本院及下级法院 · 全部" in whole.content.decode() and "我分管的部门" in mine.content.decode()
    assert 'href="?scope=mine"' in whole.content.decode()


def test_the_api_list_and_counts_take_the_same_switch(client, org):
    client.force_login(org.leader_a)
    assert len(client.get("/api/measures/").json()["results"]) == 4
    assert len(client.get("/api/measures/?scope=mine").json()["results"]) == 2
    assert client.get("/api/dashboard/?scope=mine").json()["total"] == 2


def test_review_pages_count_the_whole_review_for_the_party_group(client, org, review, category):
    f.ProblemFactory(category=category)  # not yet broken into measures: the whole review shows it
    client.force_login(org.leader_none)
    totals = client.get(reverse("review_detail", args=[review.pk])).context["totals"]
    assert (totals["problems"], totals["measures"]) == (2, 3)
    mine = client.get(reverse("review_detail", args=[review.pk]), {"scope": "mine"}).context["totals"]
    assert (mine["problems"], mine["measures"]) == (1, 1)


# --- 批示 and 督办意见 ------------------------------------------------------------------------------

def test_the_party_secretary_instructs_on_any_measure_of_his_tree(org, courts):
    secretary = f.UserFactory(username="secretary", court=org.court, roles=[Role.PARTY_SECRETARY])
    note = instructions.instruction_give(author=secretary, measure=courts["basic"], text="抓紧整改，按期销号")
    assert note.kind == Instruction.Kind.INSTRUCTION
    assert AuditEvent.objects.filter(action="instruction_given", object_id=str(note.pk)).exists()


def test_a_leader_instructs_only_on_what_he_leads_or_supervises(org, courts):
    instructions.instruction_give(author=org.leader_none, measure=courts["led"], text="本周内报送进展")
    with pytest.raises(workflow.WorkflowPermissionError):
        instructions.instruction_give(author=org.leader_none, measure=courts["a"], text="越权批示")
    assert Instruction.objects.count() == 1


def test_the_discipline_office_adds_a_supervision_note_shown_on_the_measure_page(client, org, courts):
    before = courts["a"].version
    client.force_login(org.discipline)
    page = client.get(reverse("measure_detail", args=[courts["a"].pk])).content.decode()
    assert 'id="supervision-form"' in page and 'id="instruction-form"' not in page

    response = client.post(reverse("measure_supervise", args=[courts["a"].pk]), {"text": "该措施进度滞后，请说明原因"})

    assert response.status_code == 302
    note = Instruction.objects.get()
    assert (note.kind, note.author, note.measure) == (Instruction.Kind.SUPERVISION, org.discipline, courts["a"])
    assert AuditEvent.objects.filter(action="supervision_noted", actor=org.discipline).count() == 1
    assert Measure.objects.get(pk=courts["a"].pk).version == before  # a note, not a change of the measure
    client.force_login(org.staff_a)
    shown = client.get(reverse("measure_detail", args=[courts["a"].pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "该措施进度滞后，请说明原因" in shown.content.decode() and "督办意见" in shown.content.decode()


def test_only_the_discipline_office_adds_supervision_notes(client, org, courts):
    for user in (org.staff_a, org.office, org.leader_a):
        client.force_login(user)
        refused = client.post(reverse("measure_supervise", args=[courts["a"].pk]), {"text": "督办"},
                              HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert refused.status_code == 400 and "只有本院（或上级法院）纪检组才能提出督办意见" in refused.content.decode()
    assert not Instruction.objects.exists()


# --- draft bulletins ----------------------------------------------------------------------------

@pytest.fixture
def draft(org, review, courts):
    return bulletins.bulletin_generate(review=review, period_start=datetime.date(2026, 2, 1),
                                       period_end=datetime.date(2026, 2, 28), actor=org.office)


@pytest.mark.parametrize("route", ["page", "docx", "xlsx"])
def test_staff_do_not_read_draft_bulletins(client, org, draft, route):
    url = (reverse("bulletin_detail", args=[draft.pk]) if route == "page"
           else reverse("bulletin_download", args=[draft.pk, route]))
    client.force_login(org.staff_a)
    assert client.get(url).status_code == 404
    for reader in (org.discipline, org.office, org.leader_none):
        client.force_login(reader)
        assert client.get(url).status_code == 200


def test_staff_read_a_bulletin_once_it_is_published(client, org, draft, review):
    client.force_login(org.staff_a)
    assert list(client.get(reverse("bulletin_list", args=[review.pk])).context["bulletins"]) == []
    for step in ("reviewed", "published"):
        bulletins.bulletin_advance(bulletin=draft, actor=org.office, to=step)
    assert [b.pk for b in client.get(reverse("bulletin_list", args=[review.pk])).context["bulletins"]] == [draft.pk]
    assert client.get(reverse("bulletin_detail", args=[draft.pk])).status_code == 200


def test_the_workflow_refuses_the_discipline_office_whatever_the_page_offers(org, courts):
    with pytest.raises(workflow.WorkflowPermissionError):
        workflow.measure_report_progress(measure=courts["a"], actor=org.discipline, note="代为报送", percent=50)
