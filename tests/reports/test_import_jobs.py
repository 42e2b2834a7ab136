"""Long ledgers are imported by the worker with progress and cancel; a job whose worker dies is run
again or failed within minutes, never left running; uploads never committed are deleted after a day."""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.urls import reverse
from openpyxl import Workbook

from courtreform.childenv import child_env
from measures.models import Measure
from reports import ledgers
from reports.imports import jobs
from reports.imports.models import LedgerImport
from reports.models import LedgerExport
from reports.runlock import job_lock, runner_alive

from .. import factories as f

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["序号", "问题类别", "具体问题", "整改措施", "责任领导", "牵头部门", "整改时限"]


@pytest.fixture
def review(org):
    return f.ReviewFactory(court=org.court, feedback_date=datetime.date(2020, 7, 16))


def ledger(rows: int) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n in range(1, rows + 1):
        ws.append([n, "政治建设方面", f"问题{n // 10}", f"整改措施{n}", "副院长 赵副院长", "立案庭", "2030年12月底前"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    return out


def upload(client, org, review, rows: int) -> str:
    client.force_login(org.office)
    response = client.post(reverse("ledger_import_upload", args=[review.pk]), {"file": ledger(rows)})
    assert response.status_code == 302
    return response.url


def test_a_long_ledger_is_queued_on_commit_and_the_worker_imports_it_with_progress(
    client, org, review, settings, django_capture_on_commit_callbacks
):
    settings.LEDGER_IMPORT_SYNC_MAX_ROWS = 20
    page = upload(client, org, review, 60)
    assert "在后台导入" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(page, {"action": "commit"})
    assert response.status_code == 302 and response.url == page
    job = LedgerImport.objects.get()
    assert job.status == LedgerImport.Status.QUEUED and len(callbacks) == 1 and job.row_count == 60
    assert not Measure.objects.filter(review=review).exists()
    status = client.get(page)
    assert status.status_code == 200 and 'data-testid="import-cancel"' in status.content.decode()

    seen = []
    jobs.ledger_import_run(import_id=job.pk, progress=lambda done, total: seen.append((done, total)))
    job.refresh_from_db()
    assert job.status == LedgerImport.Status.DONE and job.progress == 100 and not job.file
    assert job.result == {"created": 60, "updated": 0, "unchanged": 0, "closed": 0}
    assert Measure.objects.filter(review=review).count() == 60
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == (60, 60)
    assert client.get(reverse("ledger_import_status_json", args=[review.pk, job.token])).json()["status"] == "done"
    # a redelivered task finds it done and does nothing
    assert jobs.ledger_import_run(import_id=job.pk).status == LedgerImport.Status.DONE
    assert Measure.objects.filter(review=review).count() == 60


@pytest.mark.django_db(transaction=True)
def test_the_office_cancels_a_running_import_and_nothing_is_saved(org, review):
    job = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(300))
    LedgerImport.objects.filter(pk=job.pk).update(status=LedgerImport.Status.QUEUED, row_count=300)

    web = connections.create_connection("default")  # the office's request, in the web process

    def office_clicks_cancel(done, total):
        if done == total // 2:
            with web.cursor() as cursor:  # what jobs.ledger_import_cancel writes for a running job
                cursor.execute("UPDATE reports_ledgerimport SET cancel_requested = true WHERE id = %s AND "
                               "status = 'running'", [job.pk])

    try:
        jobs.ledger_import_run(import_id=job.pk, progress=office_clicks_cancel)
    finally:
        web.close()
    job.refresh_from_db()
    assert job.status == LedgerImport.Status.CANCELLED
    assert not Measure.objects.filter(review=review).exists()


def test_a_job_marked_running_whose_worker_died_is_queued_again_then_failed(
    org, review, django_capture_on_commit_callbacks
):
    job = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(3))
    LedgerImport.objects.filter(pk=job.pk).update(status=LedgerImport.Status.RUNNING, attempts=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.ledger_jobs_reclaim() == {"requeued": 1, "failed": 0}
    assert len(callbacks) == 1
    jobs.ledger_import_run(import_id=job.pk)  # what the queued task runs
    job.refresh_from_db()
    assert job.status == LedgerImport.Status.DONE and job.attempts == 2

    dead = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(3))
    LedgerImport.objects.filter(pk=dead.pk).update(status=LedgerImport.Status.RUNNING, attempts=jobs.MAX_ATTEMPTS)
    assert jobs.ledger_jobs_reclaim() == {"requeued": 0, "failed": 1}
    dead.refresh_from_db()
    assert dead.status == LedgerImport.Status.FAILED


def test_an_export_left_running_by_a_dead_worker_is_failed_by_the_reclaim_not_after_an_hour(
    org, django_capture_on_commit_callbacks
):
    export = LedgerExport.objects.create(requested_by=org.discipline, params={}, background=True,
                                         status=LedgerExport.Status.RUNNING)
    lost = LedgerExport.objects.create(requested_by=org.discipline, params={}, background=True,
                                       requested_at=export.requested_at - datetime.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.ledger_jobs_reclaim() == {"requeued": 1, "failed": 1}
    export.refresh_from_db()
    assert export.status == LedgerExport.Status.FAILED
    assert len(callbacks) == 1 and LedgerExport.objects.get(pk=lost.pk).status == LedgerExport.Status.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_runner_is_alive_is_left_alone(org, review):
    """The runner's lock is held by another session (another worker): neither a redelivered task nor
    the reclaim touches the job."""
    export = LedgerExport.objects.create(requested_by=org.discipline, params={}, background=True,
                                         status=LedgerExport.Status.RUNNING)
    other = connections.create_connection("default")  # another worker's session
    try:
        with other.cursor() as cursor:
            from reports.runlock import _key

            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_key(ledgers.EXPORT_LOCK), export.pk])
        assert jobs.ledger_jobs_reclaim() == {"requeued": 0, "failed": 0}
        assert ledgers.ledger_export_run(export_id=export.pk).status == LedgerExport.Status.RUNNING
    finally:
        other.close()
    # the lock goes with the other session, as soon as its server process has ended
    deadline = time.monotonic() + 10
    while runner_alive(ledgers.EXPORT_LOCK, export.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    with job_lock(ledgers.EXPORT_LOCK, export.pk) as held:
        assert held


def test_uploads_never_committed_are_deleted_after_a_day(org, review):
    kept = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(2))
    left = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(2))
    path = Path(left.file.path)
    LedgerImport.objects.filter(pk=left.pk).update(uploaded_at=left.uploaded_at - datetime.timedelta(hours=25))
    assert path.exists()
    assert jobs.ledger_imports_purge() == 1
    assert not path.exists() and list(LedgerImport.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_truncated_error_list_says_how_many_there_are(client, org, review):
    wb = Workbook()
    wb.active.append(HEADER)
    for n in range(1, 602):
        wb.active.append([n, "类别", "问题", f"措施{n}", "", "", "2020年13月"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    client.force_login(org.office)
    page = client.get(client.post(reverse("ledger_import_upload", args=[review.pk]), {"file": out}).url)
    assert "仅显示前 500 条，共 601 条" in page.content.decode()


# --- a real worker killed mid-import ------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except OSError:
            pass
    return found


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_replaced_and_the_import_completes_once(org, review, tmp_path, settings):
    from reports import tasks

    rows = 4000
    job = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(rows))
    LedgerImport.objects.filter(pk=job.pk).update(status=LedgerImport.Status.QUEUED, row_count=rows)
    queue = f"test-import-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = child_env(REDIS_URL=django_settings.CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER="0", DEMO="1",
                    EVIDENCE_ROOT=str(settings.MEDIA_ROOT))
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "courtreform", "worker", "-Q", queue, "--pool=prefork",
             "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    started = time.monotonic()
    try:
        def wait(condition, seconds):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                if condition():
                    return True
                time.sleep(0.2)
            return False

        assert wait(lambda: " ready." in log.read_text(), 30), log.read_text()
        tasks.ledger_import_run.apply_async(args=[job.pk], queue=queue)
        assert wait(lambda: LedgerImport.objects.filter(pk=job.pk, status="running", progress__gt=0).exists(),
                    120), log.read_text()
        [child] = _children(worker.pid)
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        assert wait(lambda: LedgerImport.objects.filter(pk=job.pk, status="done").exists(), 180), log.read_text()
        print(f"\n[import] {rows} rows: done {time.monotonic() - started:.1f} s after queueing, "
              f"{time.monotonic() - killed:.1f} s after the kill")
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    job.refresh_from_db()
    assert job.attempts == 2
    assert Measure.objects.filter(review=review).count() == rows  # once, not twice


def test_the_status_page_and_json_are_for_the_office_only(client, org, review):
    job = jobs.ledger_import_upload(review=review, actor=org.office, upload=ledger(2))
    url = reverse("ledger_import_status_json", args=[review.pk, job.token])
    client.force_login(org.staff_a)
    assert client.get(url).status_code in (403, 404)
    client.force_login(org.office)
    assert client.get(url).json()["status"] == "uploaded"

