"""The office sets up many measures at once (a ledger import): the same checks as one by one, all or
nothing, and the same trail — a creation history row per measure and an audit chain that verifies."""

import datetime

import pytest

from audit.models import AuditEvent
from audit.services import audit_record, audit_record_many, audit_verify
from measures import workflow
from measures.models import Measure
from measures.workflow import WorkflowError, WorkflowPermissionError
from tests import factories as f

pytestmark = pytest.mark.time_machine(f.shanghai(2026, 3, 10, 10, 0), tick=True)


def rows(problem, org, n=3, **extra):
    return [
        {"problem": problem, "text": f"整改措施{i}", "lead_department": org.dept_a, "responsible_leader": org.leader_a,
         "original_deadline": f.DEADLINE, "order": i, **extra}
        for i in range(1, n + 1)
    ]


def written() -> dict:
    return {
        "measures": Measure.objects.count(),
        "history": Measure.history.count(),
        "links": Measure.supporting_departments.through.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_office_creates_measures_in_bulk_with_history_supporting_departments_and_audit(org, problem):
    before = AuditEvent.objects.count()
    created = workflow.measures_create_bulk(
        actor=org.office, rows=rows(problem, org, supporting_departments=[org.dept_b, org.office_dept]),
    )
    assert [m.text for m in created] == ["整改措施1", "整改措施2", "整改措施3"]
    for measure in Measure.objects.filter(pk__in=[m.pk for m in created]):
        assert (measure.review_id, measure.status, measure.version) == (problem.review_id, "not_started", 1)
        assert measure.current_deadline == measure.original_deadline == f.DEADLINE
        assert set(measure.supporting_departments.all()) == {org.dept_b, org.office_dept}
        (history,) = measure.history.all()
        assert (history.history_type, history.history_user) == ("+", org.office)
        assert {d.department_id for d in history.supporting_departments.all()} == {org.dept_b.pk, org.office_dept.pk}
    events = list(AuditEvent.objects.filter(action=AuditEvent.Action.MEASURE_CREATED).order_by("id"))
    assert AuditEvent.objects.count() == before + 3
    assert [e.object_id for e in events] == [str(m.pk) for m in created]
    assert all(e.actor == org.office and e.detail["problem"] == problem.pk for e in events)
    assert audit_verify().ok


def test_an_ongoing_measure_created_in_bulk_has_no_deadline(org, problem):
    (measure,) = workflow.measures_create_bulk(
        actor=org.office, rows=[{"problem": problem, "text": "坚持每周调度", "type": Measure.Type.ONGOING,
                                 "original_deadline": f.DEADLINE}],
    )
    measure.refresh_from_db()
    assert (measure.original_deadline, measure.current_deadline) == (None, None)


@pytest.mark.parametrize("who", ["staff_a", "leader_a", "basic_office"])
def test_only_the_courts_rectification_office_creates_measures_in_bulk(org, problem, who):
    before = written()
    with pytest.raises(WorkflowPermissionError):
        workflow.measures_create_bulk(actor=getattr(org, who), rows=rows(problem, org))
    assert written() == before


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"text": "  "}, "text"),
        ({"original_deadline": f.FEEDBACK_DATE - datetime.timedelta(days=1)}, "original_deadline"),
        ({"type": "someday"}, "type"),
        ({"status": "closed"}, "status"),
    ],
)
def test_one_bad_row_writes_nothing_and_names_the_row_and_field(org, problem, bad, field):
    before = written()
    batch = rows(problem, org, n=5, supporting_departments=[org.dept_b])
    batch[3].update(bad)
    with pytest.raises(WorkflowError) as refused:
        workflow.measures_create_bulk(actor=org.office, rows=batch)
    assert (refused.value.index, refused.value.field) == (3, field)
    assert written() == before


def test_a_row_the_database_refuses_rolls_back_every_measure_and_audit_row(org, problem):
    from django.db import IntegrityError

    before = written()
    batch = rows(problem, org, n=4, supporting_departments=[org.dept_b])
    batch[2]["order"] = -1  # passes the workflow's checks; the column's CHECK (order >= 0) refuses it
    with pytest.raises(IntegrityError):
        workflow.measures_create_bulk(actor=org.office, rows=batch)
    assert written() == before


def test_bulk_creation_costs_a_fixed_number_of_queries(org, problem, django_assert_max_num_queries):
    batch = rows(problem, org, n=60, supporting_departments=[org.dept_b])
    with django_assert_max_num_queries(16):
        workflow.measures_create_bulk(actor=org.office, rows=batch)
    assert Measure.objects.filter(problem=problem).count() == 60


def test_a_chain_written_in_bulk_verifies_between_single_records(org, measure):
    audit_record(action=AuditEvent.Action.LOGIN, actor=org.office)
    audit_record_many(actor=org.office, events=[
        {"action": AuditEvent.Action.MEASURE_CHANGED, "obj": measure, "detail": {"n": i, "password": "x"}}
        for i in range(50)
    ])
    audit_record(action=AuditEvent.Action.LOGOUT, actor=org.office)
    rows_ = list(AuditEvent.objects.filter(chain=org.office.court_id).order_by("seq"))
    assert all(b.prev_hash == a.hash and b.seq == a.seq + 1 for a, b in zip(rows_, rows_[1:], strict=False))
    assert all(e.detail.get("password") in (None, "[removed]") for e in rows_)
    assert audit_verify().ok


def test_tampering_with_a_row_written_in_bulk_is_found(org, measure):
    from django.db import connection

    audit_record_many(actor=org.office, events=[{"action": AuditEvent.Action.MEASURE_CHANGED, "obj": measure}] * 5)
    victim = AuditEvent.objects.order_by("id")[AuditEvent.objects.count() - 3]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cur.execute("UPDATE audit_auditevent SET success = NOT success WHERE id = %s", [victim.pk])
        cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    assert audit_verify().first_bad_id == victim.pk
