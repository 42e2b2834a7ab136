"""Someone with the audit table owner's rights (not the app's: see test_db_roles.py) tampers with
the log using plain SQL. ``manage.py verify_audit`` must notice each way of doing it, and must not
cry wolf after a legitimate retention purge.

The five methods: deleting the newest rows, deleting the oldest rows, TRUNCATE, rewriting a row and
re-chaining everything after it with the (public) unkeyed hash, and rewriting a row in place.
"""

import datetime
import hashlib
import io
import json
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent
from audit.services import audit_purge, audit_record, audit_verify

A = AuditEvent.Action


@pytest.fixture
def history(org, django_capture_on_commit_callbacks):
    """Twelve committed events of the 中院's 整改办 (each commit checkpoints the chain's head)."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            audit_record(action=A.MEASURE_CHANGED, actor=org.office, object_type="measures.measure",
                         object_id=n, detail={"status": "in_progress", "n": n})
    return list(AuditEvent.objects.filter(chain=org.court.pk).order_by("seq"))


def as_table_owner(*statements):
    """What an attacker holding the owner's credentials can do: switch the guard off, change rows."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        for statement, params in statements:
            cursor.execute(statement, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def verify_audit_fails(match: str):
    with pytest.raises(CommandError, match=match):
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_untouched_log_verifies(history):
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert f"{AuditEvent.objects.count()} rows verified" in out.getvalue()


def test_deleting_the_newest_rows_is_found_by_the_checkpoint(history):
    as_table_owner(("DELETE FROM audit_auditevent WHERE id >= %s", [history[-3].pk]))
    verify_audit_fails("newest rows were removed")


def test_deleting_the_newest_rows_is_still_found_after_new_rows_fill_their_numbers(
    org, history, django_capture_on_commit_callbacks
):
    as_table_owner(("DELETE FROM audit_auditevent WHERE id >= %s", [history[-3].pk]))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):  # the chain grows past the old head: its checkpoint moves on
            audit_record(action=A.LOGIN, actor=org.office)
    assert chain.checkpoint_read(org.court.pk).head_seq == len(history) + 2
    verify_audit_fails(f"seq {history[-3].seq} differs from the head recorded in the journal")


def test_deleting_the_oldest_rows_is_found_by_the_chain_start(history):
    as_table_owner(("DELETE FROM audit_auditevent WHERE chain = %s AND seq <= 4", [history[0].chain]))
    verify_audit_fails(f"id={history[4].pk}.*starts at seq 5")


def test_truncating_the_table_is_found_by_the_checkpoint(history):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_auditevent")
    assert not AuditEvent.objects.exists()
    verify_audit_fails(f"records seq {len(history)} but the chain ends at 0")


def test_rewriting_a_row_and_rechaining_with_the_unkeyed_hash_is_found(history):
    """The attacker knows the row format from the source code, but not the key."""
    victim = history[5]
    victim.success = False
    prev, statements = history[4].hash, []
    for event in [victim, *history[6:]]:
        event.hash = hashlib.sha256((prev + chain.canonical(event)).encode()).hexdigest()
        statements.append(("UPDATE audit_auditevent SET success = %s, prev_hash = %s, hash = %s WHERE id = %s",
                           [event.success, prev, event.hash, event.pk]))
        prev = event.hash
    as_table_owner(*statements)
    report = audit_verify()
    assert report.first_bad_id == victim.pk and "does not match its seal" in report.reason
    verify_audit_fails(f"id={victim.pk}")


def test_rewriting_a_row_in_place_is_found(history):
    victim = history[7]
    as_table_owner(("UPDATE audit_auditevent SET actor_username = 'someone_else' WHERE id = %s", [victim.pk]))
    verify_audit_fails(f"id={victim.pk}.*seq {victim.seq}'s content")


def test_deleting_a_row_in_the_middle_leaves_a_gap_in_the_numbers(history):
    as_table_owner(("DELETE FROM audit_auditevent WHERE id = %s", [history[6].pk]))
    verify_audit_fails(f"id={history[7].pk}.*seq {history[6].seq} to {history[6].seq} are missing")


def test_a_forged_checkpoint_file_is_reported(history):
    path = chain._checkpoint_path(history[0].chain)
    data = json.loads(path.read_text())
    data["head_seq"] = 3  # pretend the chain was shorter, to cover deleting its newest rows
    path.write_text(json.dumps(data))
    verify_audit_fails("checkpoint file's signature does not match")


def test_every_commit_writes_a_signed_checkpoint_and_a_log_line(org, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.INFO, logger="audit.checkpoint"), \
            django_capture_on_commit_callbacks(execute=True):
        event = audit_record(action=A.LOGIN, actor=org.office)
    point = chain.checkpoint_read(org.court.pk)
    assert (point.head_seq, point.head_hash, point.forged) == (event.seq, event.hash, False)
    assert f"chain={org.court.pk} seq={event.seq} hash={event.hash}" in caplog.text


def test_a_rolled_back_write_leaves_no_checkpoint_and_no_gap(org, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        audit_record(action=A.LOGIN, actor=org.office)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action=A.LOGOUT, actor=org.office)
        raise RuntimeError("the business change failed")
    with django_capture_on_commit_callbacks(execute=True):
        last = audit_record(action=A.LOGOUT, actor=org.office)
    assert last.seq == 2 and chain.checkpoint_read(org.court.pk).head_seq == 2
    assert audit_verify().ok


# --- retention ---------------------------------------------------------------------------------

def test_a_retention_purge_leaves_a_signed_checkpoint_and_the_log_still_verifies(
    org, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(now - datetime.timedelta(days=400), tick=False):
            old = [audit_record(action=A.LOGIN, actor=org.office) for _ in range(3)]
        young = audit_record(action=A.LOGOUT, actor=org.office)
        assert audit_purge(older_than_days=180) == 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    point = chain.checkpoint_read(org.court.pk)
    assert (point.start_seq, point.start_prev, point.forged) == (young.seq, old[-1].hash, False)
    assert audit_verify().ok
    # Without the files the purge is still told apart from a deletion: the sealed purge event says
    # where each chain starts now.
    for path in chain._checkpoint_dir().glob("chain-*.json"):
        path.unlink()
    assert audit_verify().ok


def test_a_purge_keeps_each_chains_newest_row_so_numbering_continues(org, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(now - datetime.timedelta(days=400), tick=False):
            for _ in range(3):
                audit_record(action=A.LOGIN, actor=org.office)
        audit_purge(older_than_days=180)
        after = audit_record(action=A.LOGIN, actor=org.office)
    assert after.seq == 4
    assert audit_verify().ok


def test_deleting_more_than_the_purge_did_is_still_found(org, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(now - datetime.timedelta(days=400), tick=False):
            for _ in range(3):
                audit_record(action=A.LOGIN, actor=org.office)
        kept = [audit_record(action=A.LOGOUT, actor=org.office) for _ in range(3)]
        audit_purge(older_than_days=180)
    as_table_owner(("DELETE FROM audit_auditevent WHERE id = %s", [kept[0].pk]))
    verify_audit_fails(f"chain {org.court.pk}: starts at seq {kept[1].seq}")
