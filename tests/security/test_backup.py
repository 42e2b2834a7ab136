"""`make backup-check`: dump, restore into a scratch database, compare row counts and evidence checksums."""

import subprocess
import sys
from pathlib import Path

import pytest

from courtreform.childenv import child_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def backup_check(media_root) -> subprocess.CompletedProcess:
    env = child_env(EVIDENCE_ROOT=str(media_root), LOG_LEVEL="WARNING")
    return subprocess.run([sys.executable, "scripts/backup_check.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_a_backup_restores_with_the_same_rows_and_evidence(org, measure, drive, settings):
    drive.in_progress(measure, with_evidence=True)
    result = backup_check(settings.MEDIA_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 evidence files" in result.stdout and "backup-check: OK" in result.stderr


def test_a_damaged_evidence_file_fails_the_backup_check(org, measure, drive, settings):
    drive.in_progress(measure, with_evidence=True)
    with open(measure.evidence.get().file.path, "ab") as handle:
        handle.write(b"bit rot")
    result = backup_check(settings.MEDIA_ROOT)
    assert result.returncode == 1
    assert "SHA-256" in result.stderr


def test_the_restored_database_keeps_an_intact_audit_chain(org, measure, drive, settings):
    drive.closed(measure)

    result = backup_check(settings.MEDIA_ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "restored audit log: Audit chain intact" in result.stdout
