"""Is the process that claimed a background job still alive? A PostgreSQL session advisory lock says.

The runner takes ``pg_try_advisory_lock(kind, id)`` before it claims a job and holds it until it
is done. PostgreSQL releases a session lock when the session ends, so when a worker is killed (or
its machine dies) the lock goes with its connection at once. Whoever then gets the lock — the same
task redelivered, or the reclaim task of the beat — knows that a job still marked "running" has
nobody running it, and can take it over; while the runner lives, nobody else gets the lock, so a
redelivered task never runs a job twice. No time window is guessed.
"""

import zlib
from contextlib import contextmanager

from django.db import connection


def _key(kind: str) -> int:
    return zlib.crc32(kind.encode()) & 0x7FFFFFFF


@contextmanager
def job_lock(kind: str, job_id: int):
    """Yield True while this session holds the lock of (kind, job_id), False when another does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_key(kind), job_id])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_key(kind), job_id])


def runner_alive(kind: str, job_id: int) -> bool:
    """Does another session hold the job's lock (its runner is alive)?"""
    with job_lock(kind, job_id) as held:
        return not held
