"""Every role against every URL (and every API endpoint): the status each gets, asserted against
the table in permission_matrix.json. Run with UPDATE_PERMISSION_MATRIX=1 to rewrite the table after
an intended change — and read the diff: it is the access-control change you are making."""

import json
import os
from pathlib import Path

import pytest
from django.test import Client

from .urlwalk import build_world, named_patterns, url_for

TABLE = Path(__file__).with_name("permission_matrix.json")
ROLES = ["anonymous", "staff_a", "staff_b", "head_a", "leader_a", "office", "discipline", "basic_office",
         "system_admin", "security_admin", "audit_admin"]
BUSINESS_OBJECT_ROUTES = ("measure", "review", "evidence", "bulletin", "extension", "setup_", "ledger_export_",
                          "progressreport", "closeout", "finding", "category", "problem")


def user_for(role, org, admins):
    return {"system_admin": admins.system, "security_admin": admins.security, "audit_admin": admins.audit}.get(
        role) or getattr(org, role)


@pytest.fixture
def matrix(org, admins, review, category, problem, measure, drive):
    world = build_world(org, review, category, problem, measure, drive)
    urls = {name: url_for(name, kwargs, world) for name, kwargs in named_patterns().items()}
    result = {}
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role != "anonymous":
            client.force_login(user_for(role, org, admins))
        for name, url in sorted(urls.items()):
            result.setdefault(name, {})[role] = client.get(url).status_code
    return result


def test_every_role_gets_the_expected_status_on_every_url(matrix):
    if os.environ.get("UPDATE_PERMISSION_MATRIX") or not TABLE.exists():
        TABLE.write_text(json.dumps(matrix, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    expected = json.loads(TABLE.read_text())
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
