"""The two database roles: the owner (migrations) and the app (everything that serves users).

The owner creates and owns the tables. The app role reads and writes the data but may only SELECT
and INSERT on the audit log: no UPDATE, DELETE or TRUNCATE, and, not owning the table, it cannot
disable its triggers or alter it. A retention purge goes through ``audit_purge()``, a SECURITY
DEFINER function, the one deletion the app may ask for.

``db_roles_setup`` runs as the owner after every ``migrate`` (``manage.py setup_db_roles``: the
Makefile's db step, docker-compose's migrate service, the systemd web unit's ExecStartPre), so
tables a new migration adds are granted too. The app's connection is settings.DATABASE_APP_URL;
processes get it with DATABASE_ROLE=app.

``owner_database_url()`` is the URL a subprocess needs to run as the owner (e.g. migrations in a
scratch database); settings.DATABASE_OWNER_URL is it.
"""

from urllib.parse import unquote, urlsplit

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"
SETUP_LOCK_KEY = 0x7A67745F726F6C65  # "zgt_role"


def app_role() -> tuple[str, str]:
    """The app role's name and password (empty: none, for trust or peer authentication)."""
    parts = urlsplit(settings.DATABASE_APP_URL)
    return unquote(parts.username or ""), unquote(parts.password or "")


def owner_database_url() -> str:
    return settings.DATABASE_OWNER_URL


def db_roles_setup(*, using=None) -> str:
    """Create or update the app role and its grants in the current database; returns its name.
    Safe to repeat, and to run from several processes at once (xdist workers share the cluster's
    roles: a concurrent CREATE ROLE loses the race harmlessly)."""
    name, password = app_role()
    conn = using or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # Two runs against one database (two migrate containers) would update the same catalog rows
        # ("tuple concurrently updated"): one at a time.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SETUP_LOCK_KEY])
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == name:
            raise RuntimeError(f"setup_db_roles must run as the owner, not as the app role {name!r}")
        role = sql.Identifier(name)
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        if cursor.fetchone() is None:
            try:
                with transaction.atomic(using=conn.alias):
                    cursor.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(role)
                                   .as_string(cursor.connection))
            except DatabaseError as error:
                # Another process created it meanwhile ("already exists", or a unique violation when
                # both inserted at once): what we wanted.
                if not isinstance(error.__cause__, psycopg.errors.DuplicateObject | psycopg.errors.UniqueViolation):
                    raise
        if password:
            cursor.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password))
                           .as_string(cursor.connection))
        statements = [
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), role),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(role),
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
            # Tables made by later migrations are granted at once too (and re-checked by the next run).
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}")
            .format(role),
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}")
            .format(role),
            # The audit log: append and read only.
            sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(AUDIT_TABLE), role),
            sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(AUDIT_TABLE), role),
            sql.SQL("REVOKE ALL ON FUNCTION audit_purge(integer) FROM PUBLIC"),
            sql.SQL("GRANT EXECUTE ON FUNCTION audit_purge(integer) TO {}").format(role),
        ]
        for statement in statements:
            cursor.execute(statement.as_string(cursor.connection))
    return name
