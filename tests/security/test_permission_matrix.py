"""Every role against every URL (and every API endpoint): the status each gets, asserted against
the table in permission_matrix.json. Run with UPDATE_PERMISSION_MATRIX=1 to rewrite the table after
an intended change — and read the diff: it is the access-control change you are making."""

import json
import os
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Role
from tests import factories as f

from .urlwalk import build_world, named_patterns, url_for

TABLE = Path(__file__).with_name("permission_matrix.json")
SCOPE_TABLE = Path(__file__).with_name("scope_matrix.json")
ROLES = ["anonymous", "staff_a", "staff_b", "head_a", "leader_a", "leader_none", "secretary", "office", "discipline",
         "basic_office", "basic_secretary", "system_admin", "security_admin", "audit_admin"]
BUSINESS_OBJECT_ROUTES = ("measure", "review", "evidence", "bulletin", "extension", "setup_", "ledger_export_",
                          "progressreport", "closeout", "finding", "category", "problem")


def user_for(role, org, admins):
    if role == "secretary":  # 党组书记、院长 of the 中院, who also supervises the 政治部
        return f.UserFactory(username="secretary", court=org.court, roles=[Role.PARTY_SECRETARY, Role.LEADER],
                             supervised_departments=[org.office_dept])
    if role == "basic_secretary":
        return f.UserFactory(username="basic_secretary", court=org.basic_court, roles=[Role.PARTY_SECRETARY])
    return {"system_admin": admins.system, "security_admin": admins.security, "audit_admin": admins.audit}.get(
        role) or getattr(org, role)


def _update_or_compare(table: Path, got: dict):
    if os.environ.get("UPDATE_PERMISSION_MATRIX") or not table.exists():
        table.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return json.loads(table.read_text())


@pytest.fixture
def matrix(org, admins, review, category, problem, measure, drive):
    world = build_world(org, review, category, problem, measure, drive)
    urls = {name: url_for(name, kwargs, world) for name, kwargs in named_patterns().items()}
    users = {role: user_for(role, org, admins) for role in ROLES[1:]}
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(users[role])
        for name, url in sorted(urls.items()):
            result.setdefault(name, {})[role] = client.get(url).status_code
    return result


def test_every_role_gets_the_expected_status_on_every_url(matrix):
    expected = _update_or_compare(TABLE, matrix)
    differences = {
        name: {role: (expected.get(name, {}).get(role), got) for role, got in row.items()
               if expected.get(name, {}).get(role) != got}
        for name, row in matrix.items()
    }
    differences = {name: diff for name, diff in differences.items() if diff}
    missing = sorted(set(expected) - set(matrix))
    assert not differences and not missing, f"(expected, got): {differences}; routes gone: {missing}"


def test_no_page_fails_for_any_role(matrix):
    assert {name: row for name, row in matrix.items() if 500 in row.values()} == {}


def test_anonymous_visitors_reach_only_the_login_and_health_pages(matrix):
    open_pages = {name for name, row in matrix.items() if row["anonymous"] == 200}
    assert open_pages <= {"login", "healthz", "readyz", "api:docs", "api:redoc", "api:schema"}


def test_the_three_administrators_see_no_rectification_data(matrix):
    for name, row in matrix.items():
        if name.endswith(("-list", "_list")) or name in ("my_measures", "ledger_export"):
            continue  # lists (empty for them, see test_separation) and the export form
        if any(key in name for key in BUSINESS_OBJECT_ROUTES):
            for role in ("system_admin", "security_admin", "audit_admin"):
                assert row[role] != 200, f"{role} opened {name}"


def test_staff_of_another_department_opens_none_of_department_a_objects(matrix):
    for name, row in matrix.items():
        if any(key in name for key in ("measure_", "evidence", "extension", "progressreport")) and not name.endswith(
                "-list"):
            assert row["staff_b"] in (302, 403, 404, 405), f"staff_b on {name}: {row['staff_b']}"


# --- content: which measures, reviews, courts and people each role is shown ----------------------
# The status table says a page opens; this one says what is on it. Five measures: two of department A
# (立案庭, 赵副院长 leads), one of department B, one of department B led by 钱副院长, and one of the
# 基层法院 below. Run with UPDATE_PERMISSION_MATRIX=1 to rewrite scope_matrix.json after an intended
# change, and read the diff; the rules below hold whatever the table says.

ALL_MEASURES = ["A1 中院立案庭", "A2 中院立案庭", "B 中院刑庭", "B 中院刑庭 钱副院长牵头", "X 某区法院"]
TREE_READERS = ["leader_a", "leader_none", "secretary", "office", "discipline"]


@pytest.fixture
def scope_matrix(org, admins, review, category, problem, measure, drive):
    world = build_world(org, review, category, problem, measure, drive)
    basic_review = f.ReviewFactory(court=org.basic_court, title="某区法院自查自纠")
    basic_problem = f.ProblemFactory(category=f.CategoryFactory(review=basic_review), description="某区问题")
    names = {
        world.measure.pk: "A1 中院立案庭",
        world.closeout.measure_id: "A2 中院立案庭",
        f.MeasureFactory(problem=problem, lead_department=org.dept_b).pk: "B 中院刑庭",
        f.MeasureFactory(problem=problem, lead_department=org.dept_b, responsible_leader=org.leader_none).pk:
            "B 中院刑庭 钱副院长牵头",
        f.MeasureFactory(problem=basic_problem, lead_department=org.basic_office.department).pk: "X 某区法院",
    }

    def measures(ids):
        return sorted(names[pk] for pk in ids)

    pages = {
        "my_measures": lambda c: measures(m.pk for m in c.get("/my/?closed=1").context["page"].items),
        "my_measures?scope=mine": lambda c: measures(
            m.pk for m in c.get("/my/?closed=1&scope=mine").context["page"].items),
        "dashboard": lambda c: c.get("/dashboard/").context["dashboard"].tiles["measures"],
        "review_list": lambda c: sorted(r.title for r in c.get("/reviews/").context["reviews"]),
        "api:measure-list": lambda c: measures(m["id"] for m in c.get("/api/measures/").json()["results"]),
        "api:measure-list?scope=mine": lambda c: measures(
            m["id"] for m in c.get("/api/measures/?scope=mine").json()["results"]),
        "api:review-list": lambda c: sorted(r["title"] for r in c.get("/api/reviews/").json()["results"]),
        "api:problem-list": lambda c: len(c.get("/api/problems/").json()["results"]),
        "api:court-list": lambda c: sorted(r["name"] for r in c.get("/api/courts/").json()["results"]),
        "api:user-list": lambda c: sorted(  # the named people (factories add a few "userN" of their own)
            r["username"] for r in c.get("/api/users/?page_size=500").json()["results"]
            if not r["username"].startswith("user")),
        "bulletin_list (drafts)": lambda c: _bulletins_listed(c, review),
    }
    users = {role: user_for(role, org, admins) for role in ROLES[1:]}  # all of them before anyone looks
    result = {}
    for role, user in users.items():
        client = Client(raise_request_exception=True)
        client.force_login(user)
        for page, read in pages.items():
            result.setdefault(page, {})[role] = read(client)
    return result


def _bulletins_listed(client, review) -> int | None:
    response = client.get(f"/bulletins/review/{review.pk}/")
    return len(response.context["bulletins"]) if response.status_code == 200 else None


def test_every_role_is_shown_exactly_the_expected_content(scope_matrix):
    expected = _update_or_compare(SCOPE_TABLE, scope_matrix)
    differences = {
        page: {role: (expected.get(page, {}).get(role), got) for role, got in row.items()
               if expected.get(page, {}).get(role) != got}
        for page, row in scope_matrix.items()
    }
    assert not {page: diff for page, diff in differences.items() if diff}, f"(expected, got): {differences}"


def test_the_party_group_and_the_offices_read_their_court_and_the_courts_below(scope_matrix):
    for role in TREE_READERS:
        assert scope_matrix["my_measures"][role] == ALL_MEASURES, role
        assert scope_matrix["api:measure-list"][role] == ALL_MEASURES, role
        assert scope_matrix["dashboard"][role] == 5, role
        assert "某区法院自查自纠" in scope_matrix["review_list"][role], role
        assert scope_matrix["bulletin_list (drafts)"][role] == 1, role  # the draft


def test_a_lower_courts_roles_read_only_their_own_court(scope_matrix):
    for role in ("basic_office", "basic_secretary"):
        assert scope_matrix["my_measures"][role] == ["X 某区法院"]
        assert scope_matrix["api:court-list"][role] == ["某市某区人民法院"]


def test_leaders_narrow_to_what_they_lead_or_supervise(scope_matrix):
    mine = scope_matrix["my_measures?scope=mine"]
    assert mine["leader_a"] == ["A1 中院立案庭", "A2 中院立案庭"]
    assert mine["leader_none"] == ["B 中院刑庭 钱副院长牵头"]
    assert mine["secretary"] == []  # he supervises the 政治部, which leads none of these
    assert scope_matrix["api:measure-list?scope=mine"] == {
        role: mine[role] for role in scope_matrix["api:measure-list?scope=mine"]}


def test_staff_read_their_own_department_and_no_drafts(scope_matrix):
    assert scope_matrix["my_measures"]["staff_a"] == scope_matrix["my_measures"]["head_a"] == [
        "A1 中院立案庭", "A2 中院立案庭"]
    assert scope_matrix["my_measures"]["staff_b"] == ["B 中院刑庭", "B 中院刑庭 钱副院长牵头"]
    for role in ("staff_a", "staff_b", "head_a"):
        assert scope_matrix["bulletin_list (drafts)"][role] == 0
        assert "某区法院自查自纠" not in scope_matrix["review_list"][role]


def test_no_business_role_can_list_an_administrator(scope_matrix):
    for role, usernames in scope_matrix["api:user-list"].items():
        if role not in ("system_admin", "security_admin", "audit_admin"):
            assert not {"sysadmin1", "secadmin1", "auditadmin1"} & set(usernames), role


def test_the_three_administrators_are_shown_no_rectification_data(scope_matrix):
    for role in ("system_admin", "security_admin", "audit_admin"):
        assert scope_matrix["my_measures"][role] == [] and scope_matrix["api:measure-list"][role] == []
        assert scope_matrix["dashboard"][role] == 0 and scope_matrix["review_list"][role] == []
