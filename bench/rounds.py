"""Ours against its floor in interleaved rounds, so a burst of load on the shared machine falls on both.

Each round runs ours, then the floor (the order alternates from round to round), ``per_round`` times
each. Reported per side: the median of all samples, the spread (the lowest and highest round median,
and p95), the CPU time per request (this process plus the PostgreSQL backend serving it, read from
/proc, or the server processes for HTTP scenarios), and the load average before and after.
"""

import os
import statistics
import time
from collections.abc import Callable

ROUNDS = 4


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (and their threads) so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _pct(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=20)[q] if len(samples) >= 2 else samples[0]


def summary(samples: list[float], round_medians: list[float], cpu: float, requests: int) -> dict:
    return {
        "median": round(statistics.median(samples), 2),
        "p95": round(_pct(samples, 18), 2),
        "spread": [round(min(round_medians), 2), round(max(round_medians), 2)],
        "round_medians": [round(m, 2) for m in round_medians],
        "cpu_ms_per_request": round(1000 * cpu / max(requests, 1), 2),
        "samples": len(samples),
    }


def interleaved(sides: dict[str, Callable[[], float]], *, per_round: int, rounds: int = ROUNDS,
                before: dict[str, Callable[[], None]] | None = None,
                cpu_pids: Callable[[], list[int]] | None = None) -> dict:
    """Time each side ``per_round`` times per round, sides alternating in order round by round.

    A side is a function that does one request and returns its time in ms. ``before[name]`` runs
    before each request of that side, untimed (e.g. emptying the cache for a cold figure).
    ``cpu_pids`` names the processes whose CPU is charged to the requests (default: this process and
    its database backend).
    """
    before = before or {}
    pids = cpu_pids or (lambda: [os.getpid(), backend_pid()])
    names = list(sides)
    samples = {name: [] for name in names}
    medians = {name: [] for name in names}
    cpu = dict.fromkeys(names, 0.0)
    load_before = load()
    for number in range(rounds):
        order = names if number % 2 == 0 else names[::-1]
        for name in order:
            these = []
            for _ in range(per_round):
                if name in before:
                    before[name]()
                watched = pids()
                spent = cpu_seconds(watched)
                these.append(sides[name]())
                cpu[name] += cpu_seconds(watched) - spent
            samples[name] += these
            medians[name].append(statistics.median(these))
    return {
        **{name: summary(samples[name], medians[name], cpu[name], len(samples[name])) for name in names},
        "rounds": rounds, "per_round": per_round, "load_average": {"before": load_before, "after": load()},
    }


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000
