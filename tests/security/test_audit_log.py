"""The audit log: what is recorded, that PostgreSQL keeps it append-only, that the hash chain
finds a tampered row, that retention is enforced in the database, and that a failed audit write
fails the business change with it."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_purge, audit_record, audit_verify
from measures import workflow
from measures.models import Measure
from tests import factories as f

A = AuditEvent.Action
DB_REFUSED = (InternalError, ProgrammingError, IntegrityError, DataError)


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_login_success_failure_and_logout_are_recorded_with_ip(client, org, login):
    login(client, "staff_a", "wrong-password", ip="10.1.2.3")
    login(client, "staff_a", ip="10.1.2.3")
    client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3")
    failed = AuditEvent.objects.get(action=A.LOGIN_FAILED)
    assert (failed.actor_username, failed.ip, failed.success) == ("staff_a", "10.1.2.3", False)
    ok = AuditEvent.objects.get(action=A.LOGIN)
    assert (ok.actor, ok.ip, ok.success) == (org.staff_a, "10.1.2.3", True)
    assert AuditEvent.objects.filter(action=A.LOGOUT, actor=org.staff_a).exists()


def test_no_password_or_token_is_ever_stored(client, org, login):
    login(client, "staff_a", "Secret-Guess-123")
    audit_record(action=A.LOGIN_FAILED, detail={"password": "x", "token": "zgt_abc", "note": "kept"})
    text = "".join(str(e.detail) + e.actor_username for e in AuditEvent.objects.all())
    assert "Secret-Guess-123" not in text and "zgt_abc" not in text and "kept" in text


def test_role_and_permission_changes_are_recorded(org):
    org.staff_a.roles = ["staff", "department_head"]
    org.staff_a.is_staff = True
    org.staff_a.save()
    event = AuditEvent.objects.filter(action=A.ROLE_CHANGED, object_id=str(org.staff_a.pk)).order_by("id").last()
    assert event.detail["roles"] == [["staff"], ["staff", "department_head"]]
    assert event.detail["is_staff"] == [False, True]


def test_measure_create_and_every_workflow_move_are_recorded(org, problem, drive):
    measure = workflow.measure_create(problem=problem, actor=org.office, text="建立台账", lead_department=org.dept_a,
                                      responsible_leader=org.leader_a, original_deadline=f.DEADLINE)
    drive.closed(measure)
    events = AuditEvent.objects.filter(object_type="measures.measure", object_id=str(measure.pk)).order_by("id")
    assert events[0].action == A.MEASURE_CREATED and events[0].actor == org.office
    moves = [e.detail["status"] for e in events if e.action == A.MEASURE_CHANGED]
    assert moves == ["in_progress", "closeout_requested", "closeout_requested", "closed"]


def test_evidence_upload_and_download_are_recorded(client, org, measure, drive):
    drive.in_progress(measure, with_evidence=True)
    evidence = measure.evidence.get()
    upload = AuditEvent.objects.get(action=A.EVIDENCE_UPLOADED)
    assert upload.detail["sha256"] == evidence.sha256 and upload.actor == org.staff_a
    client.force_login(org.head_a)
    assert client.get(reverse("evidence_download", args=[evidence.pk])).status_code == 200
    assert AuditEvent.objects.filter(action=A.EVIDENCE_DOWNLOADED, actor=org.head_a,
                                     object_id=str(evidence.pk)).exists()


def test_bulletin_publication_is_recorded(org, review, measure):
    from reports import bulletins

    bulletin = bulletins.bulletin_generate(review=review, actor=org.office, period_start=f.FEEDBACK_DATE,
                                           period_end=f.FEEDBACK_DATE + datetime.timedelta(days=30))
    bulletins.bulletin_advance(bulletin=bulletin, actor=org.office, to="reviewed")
    bulletins.bulletin_advance(bulletin=bulletin, actor=org.office, to="published")
    assert AuditEvent.objects.filter(action=A.BULLETIN_PUBLISHED, actor=org.office,
                                     object_id=str(bulletin.pk)).count() == 1


def test_ledger_export_is_recorded(org, measure):
    from reports import ledgers

    ledgers.ledger_export_request(actor=org.discipline, params={})
    assert AuditEvent.objects.filter(action=A.LEDGER_EXPORTED, actor=org.discipline).exists()


# --- append-only, chain, retention -------------------------------------------------------------

def test_postgresql_refuses_an_update_of_an_audit_row(org):
    event = audit_record(action=A.LOGIN, actor=org.staff_a)
    with pytest.raises(DB_REFUSED, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(success=False)
    with pytest.raises(DB_REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET actor_username = 'someone' WHERE id = %s", [event.pk])


def test_postgresql_refuses_a_delete_of_an_audit_row(org):
    event = audit_record(action=A.LOGIN, actor=org.staff_a)
    with pytest.raises(DB_REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_setting_the_purge_variable_by_hand_still_cannot_delete_young_rows(org):
    event = audit_record(action=A.LOGIN, actor=org.staff_a)
    with pytest.raises(DB_REFUSED, match="retention"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('audit.purge_days', '1', true)")
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_purge_keeps_everything_younger_than_180_days_and_refuses_a_shorter_period(db):
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=200), tick=False):
        old = audit_record(action=A.LOGIN, username="staff_a")
    with time_machine.travel(now - datetime.timedelta(days=170), tick=False):
        young = audit_record(action=A.LOGIN, username="staff_a")
    with pytest.raises(DB_REFUSED, match="at least 180"), transaction.atomic():
        audit_purge(older_than_days=30)
    assert audit_purge(older_than_days=180) == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert audit_verify().ok  # the chain now starts at the oldest kept row


def test_the_chain_links_every_row_to_the_one_before(org, drive, measure):
    drive.closed(measure)
    rows = list(AuditEvent.objects.order_by("chain", "seq"))
    assert len(rows) > 5
    assert all(b.prev_hash == a.hash and b.seq == a.seq + 1
               for a, b in zip(rows, rows[1:], strict=False) if a.chain == b.chain)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_verify_audit_names_the_first_tampered_row(org, drive, measure):
    drive.closed(measure)
    rows = list(AuditEvent.objects.order_by("id"))
    victim = rows[len(rows) // 2]
    with connection.cursor() as cur:  # what an attacker with the table owner's rights could do
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cur.execute("UPDATE audit_auditevent SET success = NOT success WHERE id = %s", [victim.pk])
        cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    with pytest.raises(CommandError, match=f"id={victim.pk}"):
        call_command("verify_audit")


def test_a_deleted_row_breaks_the_chain_at_its_successor(org, drive, measure):
    drive.closed(measure)
    rows = list(AuditEvent.objects.filter(chain=org.court.pk).order_by("seq"))
    victim, successor = rows[-2], rows[-1]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
        cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    report = audit_verify()
    assert report.first_bad_id == successor.pk


def test_when_the_audit_write_fails_the_measure_change_fails_too(org, measure):
    with connection.cursor() as cur:  # the audit table refuses inserts (disk full, revoked grant …)
        cur.execute("CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION 'audit unavailable'; END $$")
        cur.execute("CREATE TRIGGER test_refuse BEFORE INSERT ON audit_auditevent "
                    "FOR EACH ROW EXECUTE FUNCTION test_refuse()")
    with pytest.raises(DB_REFUSED, match="audit unavailable"):
        workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="已部署", percent=20)
    measure.refresh_from_db()
    assert measure.status == Measure.Status.NOT_STARTED and measure.progress_reports.count() == 0


# --- the audit administrator's page -------------------------------------------------------------

def test_audit_admin_searches_the_log(client, org, admins, login):
    login(client, "staff_a", "wrong-password")
    audit_record(action=A.LOGIN, actor=org.office)
    client.force_login(admins.audit)
    page = client.get(reverse("audit:log"), {"actor": "staff_a", "success": "0"})
    assert page.status_code == 200
    events = list(page.context["events"])
    assert events and all(e.actor_username == "staff_a" and not e.success for e in events)
    today = timezone.localdate().isoformat()
    page = client.get(reverse("audit:log"), {"action": "login", "date_from": today, "date_to": today})
    assert {e.action for e in page.context["events"]} == {"login"}


@pytest.mark.parametrize("who", ["system", "security"])
def test_the_other_administrators_cannot_read_the_audit_log(client, admins, who):
    client.force_login(getattr(admins, who))
    assert client.get(reverse("audit:log")).status_code == 404


def test_audit_export_is_csv_with_formula_cells_defused(client, org, admins, login):
    login(client, "=HYPERLINK(\"http://x\")", "bad")
    login(client, "+cmd|' /C calc'!A0", "bad")
    login(client, "@SUM(1)", "bad")
    login(client, "-2+3", "bad")
    client.force_login(admins.audit)
    response = client.get(reverse("audit:log"), {"format": "csv", "action": "login_failed"})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    import csv

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    users = [row[2] for row in rows[1:]]
    assert len(users) == 4
    assert all(cell.startswith("'") for cell in users)
    assert not any(cell and cell[0] in "=+-@" for row in rows[1:] for cell in row)
    assert AuditEvent.objects.filter(action=A.AUDIT_EXPORTED, actor=admins.audit).exists()


def test_audit_admin_sees_who_changed_what_but_not_the_rectification_text(client, org, admins, problem, drive):
    measure = workflow.measure_create(problem=problem, actor=org.office, text="清理长期未结案件三十件",
                                      lead_department=org.dept_a, responsible_leader=org.leader_a,
                                      original_deadline=f.DEADLINE)
    workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="已清理十二件，余下月底前结案",
                                     percent=40)
    secrets_ = ["清理长期未结案件三十件", "已清理十二件"]
    client.force_login(admins.audit)
    page = client.get(reverse("audit:log"))
    text = page.content.decode()
    assert "measures.measure" in text
    assert not any(s in text for s in secrets_)
    created = AuditEvent.objects.get(action=A.MEASURE_CREATED, object_id=str(measure.pk))
    assert created.detail_redacted["text"] == "[…]" and created.detail_redacted["problem"] == problem.pk
    export = client.get(reverse("audit:log"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "measures.measure" in export and not any(s in export for s in secrets_)
    admin_page = client.get(reverse("admin:audit_auditevent_change", args=[created.pk]))
    assert admin_page.status_code == 200
    assert not any(s in admin_page.content.decode() for s in secrets_)
    # The 纪检组 reads the text where it belongs: on the measure's own page, with its history.
    client.force_login(org.discipline)
    measure_page = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
    assert all(s in measure_page for s in secrets_)


def test_on_a_phone_each_audit_event_reads_as_a_card_with_labelled_fields(client, org, admins, login):
    """At 390 px the table's rows become cards (static/css/app.css .card-table): every cell carries its label."""
    login(client, "staff_a", "wrong-password")
    client.force_login(admins.audit)

    page = client.get(reverse("audit:log"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'card-table" data-testid="audit-events"' in page
    for label in ("用户", "操作", "结果", "详情"):
        assert f'data-label="{label}"' in page
