"""A number that moves whenever measures change, so aggregates over them are cached and never stale.

The number is a PostgreSQL sequence (``measures_data_version``), advanced when measures (or the
problems, categories and reviews they are counted under, or their history) are written, and again
after that transaction commits: a reader that read the number while a write was still uncommitted
recomputes once the write is visible. Sequences ignore rollbacks, so a rolled-back write costs one
needless recomputation, never a stale figure.

Aggregates over measures (the tiles of 我的整改任务, the dashboards and their burn-down) are cached
in the process under a key made of the query itself (scope and filters included), today's date and
this number; the first request after any change recomputes them. Writers outside Django (psql, a
bulk UPDATE) call ``measures_changed()`` themselves.
"""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction

from .models import local_today

T = TypeVar("T")
# Entries whose version has moved on are never read again; this only bounds how long they linger.
CACHE_SECONDS = 15 * 60


def measures_version() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT last_value FROM measures_data_version")
        return cur.fetchone()[0]


def _advance() -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval('measures_data_version')")


def measures_changed() -> None:
    """Call after writing measures by any path that sends no model signals (bulk_create, raw SQL)."""
    _advance()
    transaction.on_commit(_advance)


def cached_aggregate(key: object, compute: Callable[[], T]) -> T:
    """``compute()``, or its result for the same key since the measures last changed (today)."""
    digest = hashlib.sha256(repr((key, measures_version(), local_today())).encode()).hexdigest()
    name = f"measures:aggregate:{digest}"
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, CACHE_SECONDS)
    return value
