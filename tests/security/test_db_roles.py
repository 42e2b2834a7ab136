"""The app runs as a database role that does not own the audit log: connected as that role, even
someone with the app's credentials (a compromised web process) cannot change or remove history.
The grants are the ones ``manage.py setup_db_roles`` gives after every migrate."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audit.dbroles import app_role

pytestmark = pytest.mark.django_db(transaction=True)  # the grants must be committed to be seen


@pytest.fixture
def app_cursor():
    """A connection to this test database as the app role, after setup_db_roles ran as the owner."""
    call_command("setup_db_roles", stdout=None)
    name, password = app_role()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.update(user=name, password=password or None)
    with psycopg.connect(**params, autocommit=True) as conn, conn.cursor() as cursor:
        yield cursor


REFUSED = [
    "UPDATE audit_auditevent SET success = false",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
    "SET session_replication_role = replica",  # would silence every trigger
    "DROP TABLE audit_auditevent",
]


def test_the_app_role_cannot_change_remove_or_unguard_the_audit_log(app_cursor):
    allowed = []
    for statement in REFUSED:
        try:
            app_cursor.execute(statement)
            allowed.append(statement)
        except psycopg.errors.InsufficientPrivilege:
            pass
    assert allowed == []


def test_the_app_role_runs_as_itself_reads_and_appends_and_works_on_the_data(app_cursor):
    app_cursor.execute("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
    assert app_cursor.fetchone() == (app_role()[0], False)
    app_cursor.execute("SELECT count(*) FROM audit_auditevent")
    app_cursor.execute(
        "INSERT INTO audit_auditevent (actor_username, at, action, object_type, object_id, detail, success, "
        "prev_hash, hash, chain, seq) VALUES ('x', now(), 'login', '', '', '{}', true, '', 'h', 999999, 1)"
    )
    app_cursor.execute("UPDATE measures_measure SET version = version WHERE false")
    app_cursor.execute("DELETE FROM django_session WHERE false")


def test_the_app_role_can_still_run_the_retention_purge(app_cursor):
    app_cursor.execute("SELECT audit_purge(180)")
    assert app_cursor.fetchone() == (0,)
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="at least 180"):
        app_cursor.execute("SELECT audit_purge(30)")


    call_command("setup_db_roles", stdout=None)  # repeatable (it runs after every migrate)
    app_cursor.execute("SELECT has_table_privilege(current_user, 'audit_auditevent', 'DELETE')")
    assert app_cursor.fetchone() == (False,)
