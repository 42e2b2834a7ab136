"""Keyed chains per court with gapless sequence numbers (audit/chain.py).

- ``chain`` and ``seq`` columns, unique together. Rows written before this migration become chain 0,
  numbered in id order and sealed afresh with the HMAC key (the unkeyed hashes they had could be
  recomputed by anyone, so they proved nothing the new seal does not).
- (TRUNCATE gets no trigger: the app's role lacks the privilege, and test runs and `flush` as the owner
  need it. verify_audit finds a truncation through the checkpoints.)
- audit_purge(days) deletes, per chain, the rows older than ``days`` that come before the chain's
  oldest young row, and always keeps the chain's head, so numbering continues after a purge. It is
  SECURITY DEFINER: the app's role, which may not DELETE from the table, can still run a purge,
  and only this one.
"""

from django.db import migrations, models

PURGE = r"""
CREATE OR REPLACE FUNCTION audit_purge(keep_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  deleted integer;
BEGIN
  IF keep_days IS NULL OR keep_days < 180 THEN
    RAISE EXCEPTION 'audit records are kept at least 180 days (asked: %)', keep_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config('audit.purge_days', keep_days::text, true);
  -- Per chain, only a prefix (in seq order) and never the head: what remains still verifies from
  -- its first row, and the next row appended continues the numbering.
  DELETE FROM audit_auditevent e
   WHERE e.at < now() - make_interval(days => keep_days)
     AND e.seq < (SELECT coalesce(min(y.seq) FILTER (WHERE y.at >= now() - make_interval(days => keep_days)),
                                  max(y.seq))
                    FROM audit_auditevent y WHERE y.chain = e.chain);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('audit.purge_days', '', true);
  RETURN deleted;
END $$;
REVOKE ALL ON FUNCTION audit_purge(integer) FROM PUBLIC;
"""


def reseal(apps, schema_editor):
    """Number and seal the rows that exist (in id order, chain 0)."""
    from audit.chain import chain_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    if not AuditEvent.objects.exists():
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
    prev, seq, batch = "", 0, []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        event.chain, event.seq, event.prev_hash = 0, seq, prev
        prev = event.hash = chain_hash(prev, event)
        batch.append(event)
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["chain", "seq", "prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["chain", "seq", "prev_hash", "hash"])
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_database_guards")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="chain",
            field=models.PositiveIntegerField(default=0, verbose_name="chain"),
        ),
        migrations.AddField(
            model_name="auditevent", name="seq",
            field=models.BigIntegerField(null=True, verbose_name="sequence number"),
        ),
        migrations.RunPython(reseal, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent", name="seq",
            field=models.BigIntegerField(verbose_name="sequence number"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="audit_chain_seq_unique"),
        ),
        migrations.RunSQL(PURGE, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Login'), ('login_failed', 'Failed login'), ('logout', 'Logout'), ('lockout', 'Account or address locked out'), ('otp_failed', 'Wrong one-time code'), ('otp_enrolled', 'Second factor enrolled'), ('password_changed', 'Password changed'), ('role_changed', 'Roles or permissions changed'), ('account_disabled', 'Account disabled'), ('sessions_ended', 'All sessions ended'), ('measure_created', 'Measure created'), ('measure_changed', 'Measure changed'), ('evidence_uploaded', 'Evidence uploaded'), ('evidence_downloaded', 'Evidence downloaded'), ('evidence_tampered', 'Evidence checksum mismatch'), ('evidence_quarantined', 'Evidence quarantined by the virus scan'), ('ledger_exported', 'Ledger exported'), ('bulletin_published', 'Bulletin published'), ('audit_exported', 'Audit log exported'), ('audit_purged', 'Old audit records purged'), ('prompt_issued', 'Prompt sheet issued'), ('prompt_read', 'Prompt sheet confirmed as read'), ('review_changed', 'Review created or changed'), ('finding_changed', 'Feedback finding created or changed'), ('problem_changed', 'Problem created or changed'), ('category_changed', 'Problem category created or renamed'), ('bulletin_drafted', 'Bulletin drafted'), ('bulletin_reviewed', 'Bulletin reviewed'), ('instruction_given', 'Instruction given'), ('api_token_created', 'API token created'), ('api_token_revoked', 'API token revoked'), ('admin_changed', 'Changed in the admin')], db_index=True, max_length=40, verbose_name='action'),
        ),
    ]
