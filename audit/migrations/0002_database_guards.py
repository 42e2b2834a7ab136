"""Guards that hold even against code that bypasses the application:

- audit_auditevent is append-only: UPDATE and DELETE raise. The one exception is audit_purge(days),
  which deletes rows older than ``days`` — and refuses ``days`` < 180 — by setting a transaction-local
  variable that the trigger checks together with each row's age; rows younger than 180 days cannot be
  deleted even by code that sets the variable itself.
- 三员分立 at the database: no accounts_user row may hold two of the three administrator roles.
"""

from django.db import migrations

AUDIT_GUARD = r"""
CREATE OR REPLACE FUNCTION audit_auditevent_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge_days text := current_setting('audit.purge_days', true);
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(purge_days, '') <> '' THEN
    IF OLD.at < now() - make_interval(days => greatest(purge_days::integer, 180)) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit record % is younger than the retention period and cannot be deleted', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_auditevent_append_only
  BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_auditevent_guard();

CREATE OR REPLACE FUNCTION audit_purge(keep_days integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  deleted integer;
BEGIN
  IF keep_days IS NULL OR keep_days < 180 THEN
    RAISE EXCEPTION 'audit records are kept at least 180 days (asked: %)', keep_days
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config('audit.purge_days', keep_days::text, true);
  -- Only a prefix of the chain (in id order), so what remains still verifies from its first row.
  DELETE FROM audit_auditevent
   WHERE at < now() - make_interval(days => keep_days)
     AND id < coalesce((SELECT min(id) FROM audit_auditevent
                         WHERE at >= now() - make_interval(days => keep_days)), 9223372036854775807);
  GET DIAGNOSTICS deleted = ROW_COUNT;
  PERFORM set_config('audit.purge_days', '', true);
  RETURN deleted;
END $$;
"""

AUDIT_GUARD_REVERSE = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_guard();
DROP FUNCTION IF EXISTS audit_purge(integer);
"""

ROLES_GUARD = r"""
CREATE OR REPLACE FUNCTION accounts_user_admin_roles_separated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT count(DISTINCT r) FROM unnest(NEW.roles) AS r
      WHERE r IN ('system_admin', 'security_admin', 'audit_admin')) > 1 THEN
    RAISE EXCEPTION 'system, security and audit administrator roles must be held by different people'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER accounts_user_admin_roles_separated
  BEFORE INSERT OR UPDATE OF roles ON accounts_user
  FOR EACH ROW EXECUTE FUNCTION accounts_user_admin_roles_separated();
"""

ROLES_GUARD_REVERSE = """
DROP TRIGGER IF EXISTS accounts_user_admin_roles_separated ON accounts_user;
DROP FUNCTION IF EXISTS accounts_user_admin_roles_separated();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(AUDIT_GUARD, AUDIT_GUARD_REVERSE),
        migrations.RunSQL(ROLES_GUARD, ROLES_GUARD_REVERSE),
    ]
