"""The audit log's tamper evidence: keyed chains, gapless sequence numbers, and checkpoints kept
outside the database.

- **One chain per court.** An event goes into the chain of its actor's court (chain 0: no court,
  e.g. a failed login for an unknown name or a scheduled job). Appending locks only that chain
  (``pg_advisory_xact_lock(CHAIN_LOCK_CLASS, chain)``) from reading its head to commit, so two
  courts' audited writes never wait for each other, and within a court ``seq`` is gapless: a
  rolled-back transaction takes its number with it.
- **Keyed.** ``hash = HMAC-SHA256(key, prev_hash + canonical row)``. The key (AUDIT_HMAC_KEY) is
  not in the database, so the table's owner can rewrite rows but cannot re-seal them.
- **Checkpoints.** After each commit the chain's head (seq, hash) is written, signed, to
  ``AUDIT_CHECKPOINT_DIR/<database>/chain-<n>.json`` and to the log. Rows deleted at the head
  (or all of them, TRUNCATE) leave the checkpoint pointing past the end of the chain; rows deleted
  at the start leave the chain starting somewhere no signed purge declared.

``audit_verify`` checks all of it; ``manage.py verify_audit`` prints what it found.
"""

import contextlib
import datetime
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

log = logging.getLogger("audit.checkpoint")

# pg_advisory_xact_lock(int, int) class: "audt" in ASCII; the second key is the chain (court id).
CHAIN_LOCK_CLASS = 0x61756474
NO_COURT = 0


# --- the key -----------------------------------------------------------------------------------

@cache
def hmac_key() -> bytes:
    """AUDIT_HMAC_KEY from the environment; in DEMO/DEBUG a key file under var/, made on first use.
    (settings.py refuses to start in production without the environment variable.)"""
    if settings.AUDIT_HMAC_KEY:
        return settings.AUDIT_HMAC_KEY.encode()
    if not (settings.DEMO or settings.DEBUG):
        raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set in production")
    path = Path(settings.AUDIT_HMAC_KEY_FILE)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        # link() fails if another process made the key first: then both use that one.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
    return path.read_text().strip().encode()


def seal(payload: str) -> str:
    return hmac.new(hmac_key(), payload.encode(), hashlib.sha256).hexdigest()


# --- rows --------------------------------------------------------------------------------------

def canonical(event) -> str:
    """The row as sealed: every column but id and hash, with sorted keys and UTC times."""
    at = event.at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    row = {
        "chain": event.chain, "seq": event.seq,
        "actor_id": event.actor_id, "actor_username": event.actor_username, "at": at, "ip": event.ip,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "detail": event.detail, "success": event.success,
    }
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, event) -> str:
    return seal(prev_hash + canonical(event))


def chain_for(actor) -> int:
    return getattr(actor, "court_id", None) or NO_COURT


def lock_head(chain: int) -> tuple[int, str]:
    """Lock the chain until the transaction ends; return its head (seq, hash), (0, "") when empty.

    After the lock is granted the SELECT takes a new snapshot (READ COMMITTED), so it sees the
    head the previous holder committed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [CHAIN_LOCK_CLASS, chain])
        cursor.execute("SELECT seq, hash FROM audit_auditevent WHERE chain = %s ORDER BY seq DESC LIMIT 1", [chain])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, "")


# --- checkpoints outside the database -------------------------------------------------------------

def _checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / connection.settings_dict["NAME"]


def _checkpoint_path(chain: int) -> Path:
    return _checkpoint_dir() / f"chain-{chain}.json"


def _signed(body: dict) -> dict:
    return {**body, "sig": seal(json.dumps(body, sort_keys=True))}


@dataclass
class Checkpoint:
    chain: int
    head_seq: int = 0
    head_hash: str = ""
    start_seq: int = 1
    start_prev: str = ""
    forged: bool = False

    def body(self) -> dict:
        return {"chain": self.chain, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "start_seq": self.start_seq, "start_prev": self.start_prev}


def checkpoint_read(chain: int) -> Checkpoint | None:
    path = _checkpoint_path(chain)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return Checkpoint(chain=chain, forged=True)
    sig = data.pop("sig", "")
    point = Checkpoint(**{k: data[k] for k in Checkpoint(chain).body() if k in data})
    point.forged = not hmac.compare_digest(sig, seal(json.dumps(point.body(), sort_keys=True)))
    return point


def _checkpoint_update(chain: int, change) -> Checkpoint:
    """Read-modify-write the chain's checkpoint under an exclusive file lock (several web and
    worker processes commit into the same chain); ``change`` edits the Checkpoint in place."""
    directory = _checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"chain-{chain}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        point = checkpoint_read(chain) or Checkpoint(chain=chain)
        if point.forged:  # never overwrite evidence: leave it for verify_audit to report
            return point
        change(point)
        tmp = directory / f".chain-{chain}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(_signed(point.body()), sort_keys=True))
        os.replace(tmp, _checkpoint_path(chain))
    return point


def _journal_path(chain: int) -> Path:
    return _checkpoint_dir() / f"chain-{chain}.journal"


def _journal_line(chain: int, seq: int, hash_: str) -> str:
    return f"{seq} {hash_} {seal(f'{chain}:{seq}:{hash_}')}\n"


def checkpoint_head(chain: int, seq: int, hash_: str) -> None:
    """Record a committed head. Never moves back: commits of one chain may finish out of order.

    Every head also goes into the chain's journal (one line per advance, in seq order), so that
    rows deleted at the head and then written over by new ones still differ from what was recorded."""
    def change(point):
        if seq > point.head_seq:
            point.head_seq, point.head_hash = seq, hash_
            with open(_journal_path(chain), "a") as journal:
                journal.write(_journal_line(chain, seq, hash_))

    _checkpoint_update(chain, change)
    log.info("audit checkpoint chain=%s seq=%s hash=%s", chain, seq, hash_)


def checkpoint_start(chain: int, seq: int, prev_hash: str) -> None:
    """A retention purge: the chain now starts at ``seq``, whose predecessor had ``prev_hash``."""
    def change(point):
        point.start_seq, point.start_prev = seq, prev_hash
        path = _journal_path(chain)
        if path.exists():  # the purged rows' heads are no longer needed
            kept = [line for line in path.read_text().splitlines(keepends=True) if int(line.split()[0]) >= seq]
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text("".join(kept))
            os.replace(tmp, path)

    _checkpoint_update(chain, change)
    log.info("audit checkpoint chain=%s starts at seq=%s after a purge", chain, seq)


def checkpoint_chains() -> set[int]:
    directory = _checkpoint_dir()
    if not directory.is_dir():
        return set()
    return {int(p.stem.removeprefix("chain-")) for p in directory.glob("chain-*.json")}


# --- verification ------------------------------------------------------------------------------

@dataclass
class ChainReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return self.problems[0] if self.problems else ""

    def fail(self, message: str, row_id: int | None = None) -> None:
        self.problems.append(message)
        if row_id is not None and self.first_bad_id is None:
            self.first_bad_id = row_id


def audit_verify(*, batch: int = 2000) -> ChainReport:
    """Walk every chain in seq order: each row's seal, its link to the row before, no missing
    number, a start that is seq 1 or one a signed purge declared, and no row missing after the
    last checkpoint."""
    from .models import AuditEvent

    report = ChainReport()
    purged_starts = _purge_declarations()
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct()) | checkpoint_chains()
    for chain in sorted(chains):
        _verify_chain(chain, report, purged_starts.get(chain, set()), batch)
    return report


def _purge_declarations() -> dict[int, set[tuple[int, str]]]:
    """Where purges said each chain starts. Read from the (sealed) purge events themselves: their
    seals are checked with the rest of chain 0, and a forged one fails that check."""
    from .models import AuditEvent

    starts: dict[int, set[tuple[int, str]]] = {}
    for detail in AuditEvent.objects.filter(action=AuditEvent.Action.AUDIT_PURGED).values_list("detail", flat=True):
        for chain, (seq, prev) in (detail.get("starts") or {}).items():
            starts.setdefault(int(chain), set()).add((int(seq), prev))
    return starts


def _verify_chain(chain: int, report: ChainReport, purged: set[tuple[int, str]], batch: int) -> None:
    from .models import AuditEvent

    point = checkpoint_read(chain)
    if point is not None and point.forged:
        report.fail(f"chain {chain}: the checkpoint file's signature does not match")
        point = None
    if point is None:
        report.warnings.append(f"chain {chain}: no checkpoint outside the database")
    allowed_starts = {(1, "")} | purged | ({(point.start_seq, point.start_prev)} if point else set())
    journal = _journal(chain, report)
    recorded = next(journal, None)
    prev, last_seq = None, 0
    while True:
        rows = list(AuditEvent.objects.filter(chain=chain, seq__gt=last_seq).order_by("seq")[:batch])
        if not rows:
            break
        for event in rows:
            if prev is None:
                if (event.seq, event.prev_hash) not in allowed_starts:
                    report.fail(f"chain {chain}: starts at seq {event.seq}; the rows before it were removed "
                                "without a signed purge", event.id)
            elif event.seq != prev.seq + 1:
                report.fail(f"chain {chain}: seq {prev.seq + 1} to {event.seq - 1} are missing", event.id)
            elif event.prev_hash != prev.hash:
                report.fail(f"chain {chain}: seq {event.seq}'s prev_hash does not match the previous row's hash",
                            event.id)
            if chain_hash(event.prev_hash, event) != event.hash:
                report.fail(f"chain {chain}: seq {event.seq}'s content does not match its seal", event.id)
            if point is not None and event.seq == point.head_seq and event.hash != point.head_hash:
                report.fail(f"chain {chain}: seq {event.seq} differs from the checkpoint", event.id)
            while recorded is not None and recorded[0] < event.seq:
                recorded = next(journal, None)
            if recorded is not None and recorded[0] == event.seq and recorded[1] != event.hash:
                report.fail(f"chain {chain}: seq {event.seq} differs from the head recorded in the journal",
                            event.id)
            prev, last_seq = event, event.seq
            report.checked += 1
    if point is not None and point.head_seq > last_seq:
        report.fail(f"chain {chain}: the checkpoint records seq {point.head_seq} but the chain ends at "
                    f"{last_seq}: the newest rows were removed")


def _journal(chain: int, report: ChainReport):
    """The journal's (seq, hash) pairs in order; a line whose signature does not match is reported."""
    try:
        lines = _journal_path(chain).read_text().splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        try:
            seq, hash_, _sig = line.split()
            seq = int(seq)
        except ValueError:
            report.fail(f"chain {chain}: unreadable journal line {line[:40]!r}")
            continue
        if _journal_line(chain, seq, hash_).strip() != line.strip():
            report.fail(f"chain {chain}: the journal line for seq {seq} is not signed with the key")
            continue
        yield seq, hash_


def checkpoint_all_heads() -> int:
    """Write every chain's current head (after a clean verify, or when checkpoints were lost)."""
    from .models import AuditEvent

    heads = AuditEvent.objects.order_by("chain", "-seq").distinct("chain").values_list("chain", "seq", "hash")
    for chain, seq, hash_ in heads:
        checkpoint_head(chain, seq, hash_)
    return len(heads)
