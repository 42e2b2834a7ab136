"""Token auth for other systems: created by an administrator, scoped to a court, revocable."""

import datetime
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import api_tokens_revoke, token_hash
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_valid_token_acts_as_its_acting_user(token_client, org, measure):
    client, _token = token_client(org.court, org.office)
    assert [m["id"] for m in client.get("/api/measures/").json()["results"]] == [measure.pk]


def test_a_revoked_token_is_refused(token_client, org, measure):
    client, token = token_client(org.court, org.office)
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))
    response = client.get("/api/measures/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_unknown_token_is_refused():
    assert APIClient(HTTP_AUTHORIZATION="Bearer zgt_nope").get("/api/measures/").status_code == 401


def test_a_token_of_another_court_gets_404_for_objects_out_of_scope(token_client, org, measure):
    # The 中院's office account, narrowed by its token to the 基层法院: the 中院's measure is absent.
    client, _token = token_client(org.basic_court, org.office)
    assert client.get(f"/api/measures/{measure.pk}/").status_code == 404
    assert client.get("/api/measures/").json()["results"] == []
    assert client.get(f"/api/reviews/{measure.review_id}/").status_code == 404
    assert [c["id"] for c in client.get("/api/courts/").json()["results"]] == [org.basic_court.pk]
    basic_review = f.ReviewFactory(court=org.basic_court)
    basic_measure = f.MeasureFactory(problem=f.ProblemFactory(category=f.CategoryFactory(review=basic_review)))
    assert client.get(f"/api/measures/{basic_measure.pk}/").status_code == 200


@pytest.mark.parametrize("acting", ["office", "leader_a", "staff_a"])
def test_a_token_never_acts_as_a_person_so_the_system_administrator_cannot_borrow_their_powers(org, acting):
    """The system administrator creates tokens; a token acting as the office (or any person) would give him the
    office's sign-off without its password. Tokens act only as system accounts, which nobody logs in with."""
    from django.core.exceptions import ValidationError

    from accounts.models import ApiToken
    from accounts.tokens import api_token_create

    with pytest.raises(ValidationError) as refused:
        api_token_create(name="办公系统", court=org.court, acting_user=getattr(org, acting), created_by=None)

    assert "acting_user" in refused.value.message_dict
    assert not ApiToken.objects.exists()


def test_a_token_cannot_reach_above_its_acting_users_court(org):
    from django.core.exceptions import ValidationError

    from accounts.tokens import api_token_create

    with pytest.raises(ValidationError):
        api_token_create(name="x", court=org.court, acting_user=f.system_account(org.basic_office), created_by=org.office)


def test_last_used_is_recorded_at_most_once_a_minute(token_client, org, measure):
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        client, token = token_client(org.court, org.office)
        client.get("/api/measures/")
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 0, 30, tzinfo=datetime.UTC), tick=False):
        client.get("/api/measures/")
        token.refresh_from_db()
        assert token.last_used_at == first
    with time_machine.travel(datetime.datetime(2026, 5, 1, 9, 2, tzinfo=datetime.UTC), tick=False):
        client.get("/api/measures/")
        token.refresh_from_db()
        assert token.last_used_at > first


def test_a_token_used_within_the_minute_lists_measures_without_a_write(token_client, org, measure,
                                                                      django_assert_max_num_queries):
    client, _token = token_client(org.court, org.office)
    client.get("/api/measures/")  # records the use
    with django_assert_max_num_queries(5) as captured:  # lockout check, token and user, court tree, its reviews, page
        assert client.get("/api/measures/").status_code == 200
    assert not [q for q in captured.captured_queries if q["sql"].startswith("UPDATE")]


def test_token_writes_go_through_the_same_workflow(token_client, org, measure):
    client, _token = token_client(org.court, org.staff_a)
    response = client.post(f"/api/measures/{measure.pk}/start/", HTTP_IF_MATCH=f'"{measure.pk}-{measure.version}"')
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


def test_administrator_creates_a_token_and_sees_it_once(client, org):
    admin = f.UserFactory(username="sysadmin", court=org.court, roles=["system_admin"], is_staff=True,
                          is_superuser=True)
    system = f.system_account(org.office)
    client.force_login(admin)
    as_a_person = client.post("/admin/accounts/apitoken/add/", {
        "name": "法综系统", "court": org.court.pk, "acting_user": org.office.pk,
    })
    response = client.post("/admin/accounts/apitoken/add/", {
        "name": "法综系统", "court": org.court.pk, "acting_user": system.pk,
    })
    assert as_a_person.status_code == 200 and "acting_user" in as_a_person.context["adminform"].form.errors
    assert response.status_code == 302, response.content
    token = ApiToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    raw = next(m.group(0) for message in shown if (m := re.search(r"zgt_[A-Za-z0-9_\-]+", message)))
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    assert token.created_by == admin
    assert raw.encode() in client.get("/admin/accounts/apitoken/").content  # the message, once
    assert raw.encode() not in client.get("/admin/accounts/apitoken/").content

    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/measures/").status_code == 401
