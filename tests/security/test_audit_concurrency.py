"""The audit log does not queue the province behind one court: each court's chain has its own
lock. Within a court, concurrent writers still get consecutive numbers. Real threads, each with its
own PostgreSQL connection, made to overlap with a barrier."""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from audit.models import AuditEvent
from audit.services import audit_record, audit_verify
from tests import factories as f

A = AuditEvent.Action
pytestmark = pytest.mark.django_db(transaction=True)


def run_threads(*targets):
    errors = []

    def wrapped(target):
        try:
            target()
        except Exception as error:  # handed to the test, which fails with it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_courts_audited_writes_do_not_wait_for_each_other():
    office_a = f.UserFactory(court=f.CourtFactory(), roles=["rectification_office"])
    office_b = f.UserFactory(court=f.CourtFactory(), roles=["rectification_office"])
    a_holds_its_chain = threading.Barrier(2, timeout=30)
    b_finished = threading.Event()
    outcome = {}

    def court_a_long_transaction():
        with transaction.atomic():
            audit_record(action=A.MEASURE_CHANGED, actor=office_a, detail={"n": 1})
            a_holds_its_chain.wait()  # A's chain lock is held from here until its commit
            b_finished.wait(timeout=30)

    def court_b_write():
        a_holds_its_chain.wait()
        try:
            with connection.cursor() as cursor:
                # Behind a global lock this write would wait for A, which waits for it: fail fast instead.
                cursor.execute("SET lock_timeout = '5s'")
            try:
                outcome["b"] = audit_record(action=A.MEASURE_CHANGED, actor=office_b, detail={"n": 2})
            except OperationalError as error:
                outcome["b_error"] = error
        finally:
            b_finished.set()

    assert run_threads(court_a_long_transaction, court_b_write) == []
    assert "b_error" not in outcome, outcome.get("b_error")
    assert outcome["b"].chain == office_b.court_id and outcome["b"].seq == 1
    assert AuditEvent.objects.filter(chain=office_a.court_id).count() == 1
    assert audit_verify().ok


def test_concurrent_writes_within_one_court_get_consecutive_numbers():
    court = f.CourtFactory()
    writers = [f.UserFactory(court=court, roles=["staff"]) for _ in range(4)]
    start_together = threading.Barrier(len(writers) + 1, timeout=30)

    def write_five(user, fail=False):
        def run():
            start_together.wait()
            with transaction.atomic():
                for n in range(5):
                    audit_record(action=A.MEASURE_CHANGED, actor=user, detail={"n": n})
                if fail:
                    raise RuntimeError("rolled back: its numbers must be reused, not skipped")
        return run

    def rolls_back():
        try:
            write_five(writers[3], fail=True)()
        except RuntimeError:
            pass

    assert run_threads(*(write_five(u) for u in writers[:3]), rolls_back, start_together.wait) == []
    seqs = list(AuditEvent.objects.filter(chain=court.pk).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 16))
    # each writer's five rows went in as one block: the chain lock is held to commit
    owners = list(AuditEvent.objects.filter(chain=court.pk).order_by("seq").values_list("actor_id", flat=True))
    assert all(len(set(owners[i:i + 5])) == 1 for i in range(0, 15, 5))
    assert audit_verify().ok


class WatchedUpload:
    """Wraps a test upload: every time its bytes are read in chunks (hashing, storing), note which
    advisory locks (the audit chains') this connection holds at that moment."""

    def __init__(self, upload, seen):
        self._upload, self._seen = upload, seen

    def __getattr__(self, name):
        return getattr(self._upload, name)

    def chunks(self, *args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            self._seen.append(cursor.fetchone()[0])
        return self._upload.chunks(*args, **kwargs)


def test_uploading_several_files_reads_none_of_them_while_the_audit_chain_is_locked(org, measure):
    from measures import workflow

    seen = []
    files = [WatchedUpload(f.pdf_upload(f"材料{n}.pdf", padding=2000), seen) for n in range(3)]
    workflow.measure_report_progress(measure=measure, actor=org.staff_a, note="已部署", percent=30, files=files)
    assert measure.evidence.count() == 3
    assert seen and set(seen) == {0}, seen
    uploads = AuditEvent.objects.filter(action=A.EVIDENCE_UPLOADED, chain=org.staff_a.court_id).order_by("seq")
    assert [e.detail["name"] for e in uploads] == ["材料0.pdf", "材料1.pdf", "材料2.pdf"]
