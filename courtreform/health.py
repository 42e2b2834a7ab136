"""/healthz and /readyz for load balancers, container healthchecks and monitoring.

No login and nothing sensitive: each answer names only which dependency failed, never a host,
a password or an exception text (those go to the log, tagged with the request id).

- /healthz: can this process reach PostgreSQL (SELECT 1) and the broker (a Redis PING)? A broker
  that is down must not hang the probe, so the PING has its own short socket timeout.
- /readyz: is this code's schema in the database (no unapplied migrations) and, when a manifest
  static storage is configured, is the manifest there? A web process that answers /healthz but not
  /readyz should get no traffic yet (e.g. during a rolling upgrade before `migrate` has run).

`python -m courtreform.health` runs the /healthz checks and exits 0 or 1: the healthcheck of the
Celery beat container, which has no HTTP port.
"""

import json
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.5


def database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("health: database unreachable", exc_info=True)
        return False


def broker_ok(url: str | None = None) -> bool:
    """PING the broker through kombu (the same client Celery uses, so sentinel:// URLs work too)."""
    from kombu import Connection

    url = url or settings.CELERY_BROKER_URL
    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),  # e.g. Sentinel's master_name
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
        "max_retries": 0,
    }
    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
            client = getattr(conn.default_channel, "client", None)
            if client is not None:  # Redis transports: connecting already pinged, ask once more to be sure
                client.ping()
        return True
    except Exception:
        log.warning("health: broker unreachable", exc_info=True)
        return False


def migrations_applied() -> bool:
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.warning("health: could not read the migration state", exc_info=True)
        return False


def static_manifest_ok() -> bool:
    """Only meaningful with a manifest storage; the plain storage (and DEBUG) has nothing to check."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    if settings.DEBUG or not hasattr(staticfiles_storage, "read_manifest"):
        return True
    try:
        return staticfiles_storage.read_manifest() is not None
    except Exception:
        log.warning("health: static manifest unreadable", exc_info=True)
        return False


def _answer(checks: dict[str, bool]) -> JsonResponse:
    body = {name: "ok" if ok else "failed" for name, ok in checks.items()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def healthz_checks() -> dict[str, bool]:
    return {"database": database_ok(), "broker": broker_ok()}


@never_cache
@require_safe
def healthz(request):
    return _answer(healthz_checks())


@never_cache
@require_safe
def readyz(request):
    checks = {"database": database_ok()}
    checks["migrations"] = checks["database"] and migrations_applied()
    checks["static"] = static_manifest_ok()
    response = _answer(checks)
    warnings = readiness_warnings()
    if warnings:  # worth a look, not a reason to take the process out of rotation
        body = json.loads(response.content)
        body["warnings"] = warnings
        response = JsonResponse(body, status=response.status_code)
    return response


def readiness_warnings() -> list[str]:
    """Things an operator must fix soon that do not stop this process from serving."""
    from django.utils import timezone

    from measures.calendar import years_without_calendar

    try:
        missing = years_without_calendar(timezone.localdate())
    except Exception:
        log.warning("health: could not read the statutory calendar", exc_info=True)
        return ["calendar: unreadable"]
    return [f"calendar: no statutory holiday table for {year}" for year in missing]


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
    import django

    django.setup()
    results = healthz_checks()
    print({name: "ok" if ok else "failed" for name, ok in results.items()})
    sys.exit(0 if all(results.values()) else 1)
