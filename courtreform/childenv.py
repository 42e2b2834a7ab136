"""The environment of a child process (a Celery worker, a health check, the backup script, a bench
server) started from a running process: it must reach the *same* database and Redis as its parent.

One rule in one place. The embedded PostgreSQL of `make run` / `make test` listens on a unix socket
directory (``postgresql://postgres@/courtreform?host=/…/var/pg/data``); rebuilding a URL from
``USER@HOST:PORT`` loses that socket and sends the child to 127.0.0.1:5432, a different server or
none. Under pytest-django the parent's database is also not the one in DATABASE_URL but its test
copy (``test_courtreform_gw0``), which only ``connection.settings_dict`` knows.
"""

import os
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

# libpq keywords that a settings dict's OPTIONS may carry and a URL's query string can hold.
_URL_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "application_name", "connect_timeout",
                "target_session_attrs", "options")


def database_url(settings_dict: dict | None = None, *, name: str | None = None) -> str:
    """A libpq URL for a Django database settings dict (default: the live default connection's).

    A socket directory (a HOST starting with "/") goes in the query string, where libpq reads it;
    ``name`` swaps the database, keeping the server and the credentials.
    """
    if settings_dict is None:
        from django.db import connection

        settings_dict = connection.settings_dict
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = user + (":" + quote(password, safe="") if password else "")
    options = settings_dict.get("OPTIONS") or {}
    # dj-database-url puts a ?host=/socket/dir into OPTIONS, not HOST: both are the server's address.
    host = settings_dict.get("HOST") or options.get("host") or ""
    port = str(settings_dict.get("PORT") or options.get("port") or "")
    query: dict[str, str] = {}
    if host.startswith("/"):
        query["host"] = host
        if port:
            query["port"] = port
        netloc = f"{credentials}@" if credentials else ""
    else:
        netloc = (f"{credentials}@" if credentials else "") + (host or "127.0.0.1") + (f":{port}" if port else "")
    query.update({key: str(options[key]) for key in _URL_OPTIONS if options.get(key) not in (None, "")})
    database = quote(name or settings_dict["NAME"], safe="")
    return urlunsplit(("postgresql", netloc, "/" + database, urlencode(query, safe="/"), ""))


def with_database(url: str, name: str) -> str:
    """The same server URL (socket, port, options kept) pointing at another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name, safe="")))


def child_env(**overrides: str) -> dict[str, str]:
    """os.environ plus the running settings' database, Redis, evidence root and demo flag.

    Keyword arguments override (or add) variables, e.g. ``child_env(CELERY_TASK_ALWAYS_EAGER="0")``.
    """
    from django.conf import settings

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EVIDENCE_ROOT": str(settings.MEDIA_ROOT),
    }
    if settings.DEMO:
        env["DEMO"] = "1"
    env.update({key: str(value) for key, value in overrides.items()})
    return env
