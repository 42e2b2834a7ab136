"""The measures API follows the browser's rules: same scope, same workflow, same refusals."""

import datetime

import pytest
import time_machine
from django.db.models import F

from measures.models import Extension, Measure, ProgressReport
from tests import factories as f

from .conftest import etag

pytestmark = pytest.mark.django_db


def url(measure, action=""):
    return f"/api/measures/{measure.pk}/" + (f"{action}/" if action else "")


# --- reading -----------------------------------------------------------------------------------

def test_staff_lists_only_their_departments_measures(api, org, measure, problem):
    other = f.MeasureFactory(problem=problem, lead_department=org.dept_b)
    ids = {row["id"] for row in api(org.staff_a).get("/api/measures/").json()["results"]}
    assert measure.pk in ids and other.pk not in ids


def test_staff_of_another_department_gets_404_for_a_measure(api, org, measure):
    response = api(org.staff_b).get(url(measure))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "field": None}


def test_basic_court_office_gets_404_for_the_intermediate_courts_measure(api, org, measure):
    assert api(org.basic_office).get(url(measure)).status_code == 404


def test_anonymous_request_is_refused(api, measure):
    response = api().get("/api/measures/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_measure_carries_its_version_as_etag(api, org, measure):
    response = api(org.office).get(url(measure))
    assert response.status_code == 200
    assert etag(response) == f'"{measure.pk}-{measure.version}"' == response.json()["etag"]


def test_list_filters_are_the_list_pages_filters(api, org, problem, measure):
    f.MeasureFactory(problem=problem, lead_department=org.dept_a, read_only_in_progress=True,
                     original_deadline=datetime.date(2026, 3, 1))
    client = api(org.office)
    with time_machine.travel(datetime.date(2026, 4, 1)):
        red = client.get("/api/measures/", {"light": "red"}).json()["results"]
        started = client.get("/api/measures/", {"status": "in_progress"}).json()["results"]
        searched = client.get("/api/measures/", {"q": "长期未结"}).json()["results"]
    assert [m["traffic_light"] for m in red] == ["red"]
    assert [m["status"] for m in started] == ["in_progress"]
    assert [m["id"] for m in searched] == [measure.pk]


def test_invalid_filter_value_is_a_400_naming_the_field(api, org, measure):
    response = api(org.office).get("/api/measures/", {"deadline_from": "not-a-date"})
    assert response.status_code == 400
    assert response.json()["field"] == "deadline_from"


def test_cursor_pages_walk_every_measure_in_deadline_order(api, org, problem):
    for day in range(1, 8):
        f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=datetime.date(2026, 6, day))
    f.MeasureFactory(problem=problem, lead_department=org.dept_a, ongoing=True)  # no deadline: last
    client, seen, link = api(org.office), [], "/api/measures/?page_size=3"
    while link:
        body = client.get(link).json()
        seen += body["results"]
        link = body["next"]
    deadlines = [m["current_deadline"] for m in seen]
    assert len(seen) == 8 and deadlines[-1] is None and deadlines[:-1] == sorted(deadlines[:-1])


@pytest.mark.parametrize("ordering", ["current_deadline", "-current_deadline"])
def test_cursor_pages_cross_equal_deadlines_and_undated_measures_in_either_order(api, org, problem, ordering):
    for day in [1, 1, 1, 2, 3, 3]:
        f.MeasureFactory(problem=problem, lead_department=org.dept_a, original_deadline=datetime.date(2026, 6, day))
    for _ in range(3):
        f.MeasureFactory(problem=problem, lead_department=org.dept_a, ongoing=True)
    client, seen, link = api(org.office), [], f"/api/measures/?page_size=2&ordering={ordering}"
    while link:
        body = client.get(link).json()
        seen += [m["id"] for m in body["results"]]
        link = body["next"]
    deadline = F("current_deadline")
    in_order = Measure.objects.order_by(
        *([deadline.asc(nulls_last=True), "id"] if ordering == "current_deadline"
          else [deadline.desc(nulls_first=True), "-id"])
    )
    assert seen == list(in_order.values_list("id", flat=True))


def test_a_garbled_cursor_is_a_404_not_a_crash(api, org, measure):
    assert api(org.office).get("/api/measures/", {"cursor": "!!not-base64"}).status_code == 404


@pytest.mark.parametrize("rows", [5, 50])
def test_listing_measures_takes_a_constant_number_of_queries(api, org, problem, rows, django_assert_max_num_queries):
    for _ in range(rows):
        m = f.MeasureFactory(problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a,
                             supporting_departments=[org.dept_b])
        f.ProgressReportFactory(measure=m, author=org.staff_a)
    client = api(org.office)
    with django_assert_max_num_queries(8):  # session, user, court tree, the page, session save (3)
        body = client.get("/api/measures/").json()
    assert len(body["results"]) == rows
    row = body["results"][0]
    assert row["responsible_leader_name"] == "赵副院长" and row["supporting_departments"][0]["name"] == "刑事审判庭"
    assert row["latest_progress_percent"] == 50


# --- optimistic concurrency ---------------------------------------------------------------------

def test_workflow_action_without_if_match_is_428_and_changes_nothing(api, org, measure):
    response = api(org.staff_a).post(url(measure, "start"))
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.NOT_STARTED


def test_stale_if_match_is_412_and_changes_nothing(api, org, measure):
    client = api(org.staff_a)
    seen = etag(client.get(url(measure)))
    api(org.office).patch(url(measure), {"target": "改了"}, format="json", HTTP_IF_MATCH=seen)
    response = client.post(url(measure, "report-progress"), {"note": "进展", "percent": 40}, HTTP_IF_MATCH=seen)
    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert response.headers["ETag"] == f'"{measure.pk}-{measure.version + 1}"'
    assert not ProgressReport.objects.filter(measure=measure).exists()


def test_if_match_of_another_measure_is_412(api, org, measure, problem):
    other = f.MeasureFactory(problem=problem, lead_department=org.dept_a)
    response = api(org.staff_a).post(url(measure, "start"), HTTP_IF_MATCH=f'"{other.pk}-{other.version}"')
    assert response.status_code == 412


# --- planning edits -----------------------------------------------------------------------------

def test_office_edits_planning_fields_and_gets_the_new_etag(api, org, measure):
    client = api(org.office)
    response = client.patch(url(measure), {"target": "案件清零", "original_deadline": "2026-07-31"}, format="json",
                            HTTP_IF_MATCH=etag(client.get(url(measure))))
    assert response.status_code == 200, response.json()
    measure.refresh_from_db()
    assert (measure.target, measure.current_deadline) == ("案件清零", datetime.date(2026, 7, 31))
    assert etag(response) == f'"{measure.pk}-{measure.version}"'


def test_status_is_never_writable(api, org, measure):
    client = api(org.office)
    response = client.patch(url(measure), {"status": "closed"}, format="json",
                            HTTP_IF_MATCH=etag(client.get(url(measure))))
    assert response.status_code == 400
    assert response.json()["field"] == "status"
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.NOT_STARTED


def test_current_deadline_moves_only_by_extension(api, org, measure):
    client = api(org.office)
    response = client.patch(url(measure), {"current_deadline": "2027-01-01"}, format="json",
                            HTTP_IF_MATCH=etag(client.get(url(measure))))
    assert response.status_code == 400 and response.json()["field"] == "current_deadline"


@pytest.mark.parametrize("field, value", [("original_deadline", "2026-12-31"), ("responsible_leader", None)])
def test_department_head_may_not_change_deadline_or_leader(api, org, measure, field, value):
    client = api(org.head_a)
    response = client.patch(url(measure), {field: value}, format="json", HTTP_IF_MATCH=etag(client.get(url(measure))))
    assert response.status_code == 403
    assert response.json()["field"] == field
    assert Measure.objects.get(pk=measure.pk).version == measure.version


# --- workflow actions ---------------------------------------------------------------------------

def test_staff_reports_progress_with_evidence_as_multipart(api, org, measure, upload):
    client = api(org.staff_a)
    response = client.post(
        url(measure, "report-progress"), {"note": "已召开专题部署会", "percent": 30, "files": [upload.pdf()]},
        format="multipart", HTTP_IF_MATCH=etag(client.get(url(measure))),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "in_progress"
    report = ProgressReport.objects.get(measure=measure)
    assert response.headers["Location"] == f"/api/progress-reports/{report.pk}/"
    assert report.evidence.count() == 1
    listed = client.get("/api/progress-reports/", {"measure": measure.pk}).json()["results"]
    assert listed[0]["evidence"][0]["original_name"] == "整改报告.pdf"


def test_disguised_file_is_refused_naming_files(api, org, measure, upload):
    client = api(org.staff_a)
    response = client.post(
        url(measure, "report-progress"), {"note": "进展", "percent": 30, "files": [upload.disguised_exe()]},
        format="multipart", HTTP_IF_MATCH=etag(client.get(url(measure))),
    )
    assert response.status_code == 400 and response.json()["field"] == "files"


def test_staff_of_another_department_cannot_act_on_a_measure(api, org, measure):
    client = api(org.staff_b)
    response = client.post(url(measure, "start"), HTTP_IF_MATCH=f'"{measure.pk}-{measure.version}"')
    assert response.status_code == 404


def test_closeout_goes_through_leader_and_office(api, org, drive, measure, upload):
    measure = drive.in_progress(measure)
    staff = api(org.staff_a)
    response = staff.post(url(measure, "submit-closeout"), {"result": "已制定制度", "files": [upload.pdf()]},
                          format="multipart", HTTP_IF_MATCH=etag(staff.get(url(measure))))
    assert response.status_code == 201 and response.json()["status"] == "closeout_requested"

    # 钱副院长 reads the whole court but neither leads this measure nor supervises its department.
    refused = api(org.leader_none).post(url(measure, "approve"), HTTP_IF_MATCH=etag(response))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    staff_try = staff.post(url(measure, "approve"), HTTP_IF_MATCH=etag(response))
    assert staff_try.status_code == 403 and staff_try.json()["code"] == "forbidden"

    leader = api(org.leader_a)
    signed = leader.post(url(measure, "approve"), {"note": "同意"}, format="json", HTTP_IF_MATCH=etag(response))
    assert signed.status_code == 200
    office = api(org.office)
    closed = office.post(url(measure, "approve"), format="json", HTTP_IF_MATCH=etag(signed))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_returning_a_closeout_needs_a_reason(api, org, drive, measure):
    measure = drive.closeout_requested(measure)
    leader = api(org.leader_a)
    response = leader.post(url(measure, "return"), {"reason": " "}, format="json",
                           HTTP_IF_MATCH=etag(leader.get(url(measure))))
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_extension_is_requested_then_decided_by_the_office(api, org, drive, measure):
    measure = drive.in_progress(measure)
    staff = api(org.staff_a)
    response = staff.post(url(measure, "extend"), {"new_deadline": "2026-09-30", "reason": "需协调"},
                          format="json", HTTP_IF_MATCH=etag(staff.get(url(measure))))
    assert response.status_code == 201, response.json()
    extension = Extension.objects.get(measure=measure)

    assert staff.post(f"/api/extensions/{extension.pk}/decide/", {"decision": "approve"},
                      format="json").status_code == 403
    assert api(org.staff_b).post(f"/api/extensions/{extension.pk}/decide/", {"decision": "approve"},
                                 format="json").status_code == 404
    decided = api(org.office).post(f"/api/extensions/{extension.pk}/decide/", {"decision": "approve"}, format="json")
    assert decided.status_code == 200 and decided.json()["decision"] == "approved"
    measure.refresh_from_db()
    assert (measure.original_deadline, measure.current_deadline) == (f.DEADLINE, datetime.date(2026, 9, 30))


def test_office_records_a_relapse_in_a_lookback(api, org, drive, measure):
    measure = drive.closed(measure)
    lookback = f.LookBackFactory(measure=measure)
    assert api(org.staff_a).post(f"/api/lookbacks/{lookback.pk}/record/", {"outcome": "held"},
                                 format="json").status_code == 403
    without_deadline = api(org.office).post(f"/api/lookbacks/{lookback.pk}/record/",
                                            {"outcome": "relapsed", "note": "问题反弹"}, format="json")
    response = api(org.office).post(f"/api/lookbacks/{lookback.pk}/record/",
                                    {"outcome": "relapsed", "note": "问题反弹", "new_deadline": "2099-06-30"},
                                    format="json")
    assert without_deadline.status_code == 400
    assert "new_deadline" in without_deadline.content.decode()
    assert response.status_code == 200
    measure.refresh_from_db()
    assert (measure.status, measure.relapse_count) == (Measure.Status.IN_PROGRESS, 1)
    assert measure.current_deadline == datetime.date(2099, 6, 30)


# --- evidence -----------------------------------------------------------------------------------

def test_evidence_downloads_as_attachment_only_in_scope(api, org, drive, measure):
    measure = drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    response = api(org.staff_a).get(f"/api/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert api(org.staff_b).get(f"/api/evidence/{evidence.pk}/download/").status_code == 404
    assert api(org.staff_b).get("/api/evidence/").json()["results"] == []


# --- reviews, problems, prompts, dashboard, notifications -----------------------------------------

def test_problems_are_visible_through_the_measures_one_sees(api, org, problem, measure):
    assert [p["id"] for p in api(org.staff_a).get("/api/problems/").json()["results"]] == [problem.pk]
    assert api(org.staff_b).get(f"/api/problems/{problem.pk}/").status_code == 404
    assert api(org.staff_b).get(f"/api/reviews/{problem.review_id}/").status_code == 404
    assert api(org.office).get(f"/api/categories/{problem.category_id}/").status_code == 200


def test_office_issues_a_prompt_sheet_and_the_department_confirms(api, org, review, measure):
    office = api(org.office)
    response = office.post("/api/prompts/", {"review": review.pk, "title": "第一期", "body": "请按时报送",
                                             "departments": [org.dept_a.pk]}, format="json")
    assert response.status_code == 201, response.json()
    prompt_id = response.json()["id"]
    assert api(org.staff_a).post("/api/prompts/", {"review": review.pk, "title": "x", "body": "y",
                                                   "departments": [org.dept_a.pk]}, format="json").status_code == 403
    confirmed = api(org.staff_a).post(f"/api/prompts/{prompt_id}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["receipts"][0]["read_at"]
    assert api(org.staff_b).post(f"/api/prompts/{prompt_id}/confirm/").status_code == 404


def test_dashboard_counts_the_measures_in_scope(api, org, problem, measure):
    f.MeasureFactory(problem=problem, lead_department=org.dept_b, read_only_closed=True)
    assert api(org.office).get("/api/dashboard/").json()["total"] == 2
    staff = api(org.staff_a).get("/api/dashboard/").json()
    assert (staff["total"], staff["closed"]) == (1, 0)


def test_notifications_are_the_callers_own(api, org):
    from notifications.models import Notification

    mine = Notification.objects.create(recipient=org.staff_a, batch_key="t1", title="超期提醒")
    theirs = Notification.objects.create(recipient=org.staff_b, batch_key="t1", title="超期提醒")
    client = api(org.staff_a)
    assert [n["id"] for n in client.get("/api/notifications/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{mine.pk}/read/").json()["read_at"]


def test_courts_and_users_are_limited_to_the_court_tree(api, org):
    basic = api(org.basic_office)
    assert [c["id"] for c in basic.get("/api/courts/").json()["results"]] == [org.basic_court.pk]
    assert basic.get(f"/api/users/{org.staff_a.pk}/").status_code == 404
    office_courts = {c["id"] for c in api(org.office).get("/api/courts/").json()["results"]}
    assert office_courts == {org.court.pk, org.basic_court.pk}
    depts = api(org.office).get("/api/departments/", {"court": org.basic_court.pk}).json()["results"]
    assert [d["name"] for d in depts] == ["政治处"]


# --- error shape and language --------------------------------------------------------------------

def test_errors_come_in_chinese_by_default_and_english_on_request(api, org, measure):
    chinese = api(org.staff_b, language="zh-hans").get(url(measure))
    english = api(org.staff_b, language="en").get(url(measure))
    assert chinese.json() == {"code": "not_found", "message": "未找到。", "field": None}
    assert english.json()["message"] == "Not found."
    missing = api(org.office, language="zh-hans").patch(url(measure), {"type": "nonsense"}, format="json",
                                                         HTTP_IF_MATCH=f'"{measure.pk}-{measure.version}"')
    assert missing.status_code == 400
    assert missing.json()["field"] == "type" and "不是合法选项" in missing.json()["message"]
