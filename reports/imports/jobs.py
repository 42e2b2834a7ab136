"""Uploaded ledgers as jobs: upload, commit now or in the worker (with progress and cancel), reclaim a
job whose worker died, delete uploads left behind.

A commit of more than ``settings.LEDGER_IMPORT_SYNC_MAX_ROWS`` rows is queued on transaction commit
and run by ``ledger_import_run`` (the Celery task is a thin wrapper; a management command can call
it too). The import writes in one transaction, so its progress is written through a second
connection of its own, where the status page can read it, and that same statement reads whether the
office asked to cancel; cancelling rolls the whole import back.

Who runs a job is decided by a PostgreSQL advisory lock (``reports.runlock``): a worker that is
killed loses it with its connection, so the redelivered task, or ``ledger_jobs_reclaim`` from the
beat within a minute, finds a "running" job nobody runs and runs it again (bounded by
``MAX_ATTEMPTS``) or marks it failed. A job is never left "running 0%" for the broker's visibility
timeout.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import asdict

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import User
from issues.models import Review

from ..runlock import job_lock, runner_alive
from . import ledger_import
from .models import LedgerImport

logger = logging.getLogger(__name__)

IMPORT_LOCK = "ledger_import"
MAX_ATTEMPTS = 3
QUEUED_TOO_LONG = datetime.timedelta(minutes=10)  # the broker lost the message: queue it again


class ImportCancelled(Exception):
    pass


# --- upload, preview, commit ---------------------------------------------------------------------

def ledger_import_upload(*, review: Review, actor: User, upload: UploadedFile) -> LedgerImport:
    job = LedgerImport(review=review, uploaded_by=actor, original_name=upload.name[:255])
    job.file.save(upload.name, upload, save=False)
    job.save()
    return job


def options_of(job: LedgerImport) -> ledger_import.Options:
    stored = job.options or {}
    return ledger_import.Options(
        mapping={int(k): v for k, v in stored.get("mapping", {}).items()},
        people={k: (v if v == ledger_import.CONTACT else int(v)) for k, v in stored.get("people", {}).items()},
        close_completed=bool(stored.get("close_completed")),
    )


def _stored(options: ledger_import.Options) -> dict:
    return {key: value for key, value in asdict(options).items()}


def ledger_import_preview(*, job: LedgerImport, actor: User, options: ledger_import.Options):
    with job.file.open("rb") as source:
        preview = ledger_import.ledger_import_preview(review=job.review, actor=actor, source=source, options=options)
    LedgerImport.objects.filter(pk=job.pk).update(row_count=len(preview.rows), options=_stored(options))
    job.row_count, job.options = len(preview.rows), _stored(options)
    return preview


def ledger_import_commit(*, job: LedgerImport, actor: User, options: ledger_import.Options):
    """Commit now (answers the preview), or queue a long import for the worker (answers None)."""
    if job.row_count > settings.LEDGER_IMPORT_SYNC_MAX_ROWS:
        queued = LedgerImport.objects.filter(
            pk=job.pk, status__in=[LedgerImport.Status.UPLOADED, LedgerImport.Status.FAILED,
                                   LedgerImport.Status.CANCELLED],
        ).update(status=LedgerImport.Status.QUEUED, options=_stored(options), progress=0, attempts=0,
                 cancel_requested=False, error="", result={}, finished_at=None)
        if queued:
            transaction.on_commit(lambda: _enqueue(job.pk))
        job.refresh_from_db()
        return None
    with job.file.open("rb") as source:
        preview = ledger_import.ledger_import_commit(review=job.review, actor=actor, source=source, options=options)
    _finish(job.pk, preview)
    return preview


def _enqueue(job_id: int) -> None:
    from .. import tasks

    try:
        tasks.ledger_import_run.delay(job_id)
    except OperationalError as error:
        logger.warning("broker unavailable; ledger import %s not queued", job_id, exc_info=True)
        LedgerImport.objects.filter(pk=job_id, status=LedgerImport.Status.QUEUED).update(
            status=LedgerImport.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )


def ledger_import_cancel(*, job: LedgerImport) -> None:
    """Before it runs: cancelled at once. While it runs: the worker stops at its next progress step
    and rolls back. An upload not yet committed: deleted."""
    if job.status == LedgerImport.Status.UPLOADED:
        _delete(job)
        return
    LedgerImport.objects.filter(pk=job.pk, status=LedgerImport.Status.QUEUED).update(
        status=LedgerImport.Status.CANCELLED, finished_at=timezone.now()
    )
    LedgerImport.objects.filter(pk=job.pk, status=LedgerImport.Status.RUNNING).update(cancel_requested=True)


def _finish(job_id: int, preview) -> None:
    LedgerImport.objects.filter(pk=job_id).update(
        status=LedgerImport.Status.DONE, progress=100, finished_at=timezone.now(),
        result={"created": preview.created, "updated": preview.updated, "unchanged": preview.unchanged,
                "closed": preview.closing},
    )
    job = LedgerImport.objects.get(pk=job_id)
    if job.file:
        job.file.delete(save=False)
        LedgerImport.objects.filter(pk=job_id).update(file="")


def _delete(job: LedgerImport) -> None:
    if job.file:
        job.file.delete(save=False)
    job.delete()


# --- the worker's side -----------------------------------------------------------------------------

class _ProgressWriter:
    """Writes progress through its own connection (the import's transaction hides its own writes)
    and answers whether the office asked to cancel."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.connection = connections.create_connection("default")
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        if percent == self.last:
            return
        self.last = percent
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {LedgerImport._meta.db_table} SET progress = %s WHERE id = %s RETURNING cancel_requested",
                [percent, self.job_id],
            )
            row = cursor.fetchone()
        if row and row[0]:
            raise ImportCancelled()

    def close(self) -> None:
        self.connection.close()


def _claim(job_id: int) -> bool:
    """With the job's lock held, a job marked running has no live runner: it may be taken over."""
    return bool(LedgerImport.objects.filter(
        pk=job_id, status__in=[LedgerImport.Status.QUEUED, LedgerImport.Status.RUNNING],
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=LedgerImport.Status.RUNNING, started_at=timezone.now(), progress=0, attempts=F("attempts") + 1))


def ledger_import_run(*, import_id: int, progress: Callable[[int, int], None] | None = None) -> LedgerImport:
    """Run a queued import (the Celery task calls this). A second delivery of the same task while
    the first runs finds the lock taken and returns."""
    with job_lock(IMPORT_LOCK, import_id) as held:
        if not held or not _claim(import_id):
            _fail_exhausted(import_id)
            return LedgerImport.objects.get(pk=import_id)
        job = LedgerImport.objects.select_related("review", "uploaded_by").get(pk=import_id)
        writer = _ProgressWriter(import_id)

        def report(done: int, total: int) -> None:
            writer(done, total)
            if progress:
                progress(done, total)

        try:
            with job.file.open("rb") as source:
                preview = ledger_import.ledger_import_commit(
                    review=job.review, actor=job.uploaded_by, source=source, options=options_of(job),
                    progress=report,
                )
        except ImportCancelled:
            LedgerImport.objects.filter(pk=import_id).update(
                status=LedgerImport.Status.CANCELLED, finished_at=timezone.now()
            )
        except ledger_import.LedgerImportError as refused:
            LedgerImport.objects.filter(pk=import_id).update(
                status=LedgerImport.Status.FAILED, finished_at=timezone.now(),
                error="\n".join(str(e) for e in refused.preview.errors[:50])[:5000],
            )
        except Exception as error:
            LedgerImport.objects.filter(pk=import_id).update(
                status=LedgerImport.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
            )
            logger.exception("ledger import %s failed", import_id)
            raise
        else:
            _finish(import_id, preview)
        finally:
            writer.close()
    return LedgerImport.objects.get(pk=import_id)


def _fail_exhausted(job_id: int) -> None:
    LedgerImport.objects.filter(
        pk=job_id, status=LedgerImport.Status.RUNNING, attempts__gte=MAX_ATTEMPTS
    ).update(status=LedgerImport.Status.FAILED, error="worker stopped", finished_at=timezone.now())


# --- the beat's side ------------------------------------------------------------------------------------

def ledger_jobs_reclaim() -> dict[str, int]:
    """Every minute: imports marked running whose runner is gone (its lock is free) are queued again,
    or failed after ``MAX_ATTEMPTS``, and queued ones the broker lost are queued again; such exports
    are marked failed (they can simply be asked for again)."""
    from .. import ledgers
    from ..models import LedgerExport

    requeued = failed = 0
    stale_queue = timezone.now() - QUEUED_TOO_LONG
    for job_id in LedgerImport.objects.filter(
        Q(status=LedgerImport.Status.RUNNING) | Q(status=LedgerImport.Status.QUEUED, uploaded_at__lt=stale_queue)
    ).values_list("pk", flat=True):
        if runner_alive(IMPORT_LOCK, job_id):
            continue
        if LedgerImport.objects.filter(pk=job_id, attempts__gte=MAX_ATTEMPTS).exclude(
            status__in=[LedgerImport.Status.DONE, LedgerImport.Status.CANCELLED]
        ).update(status=LedgerImport.Status.FAILED, error="worker stopped", finished_at=timezone.now()):
            failed += 1
        else:
            transaction.on_commit(lambda job_id=job_id: _enqueue(job_id))
            requeued += 1
    for export_id in LedgerExport.objects.filter(
        Q(status=LedgerExport.Status.RUNNING) | Q(status=LedgerExport.Status.QUEUED, requested_at__lt=stale_queue)
    ).values_list("pk", flat=True):
        if runner_alive(ledgers.EXPORT_LOCK, export_id):
            continue
        # A running export's redelivered task has had its chance (it takes the lock at once); one
        # that kills its worker every time must not loop, so it is failed and can be asked for again.
        if LedgerExport.objects.filter(pk=export_id, status=LedgerExport.Status.RUNNING).update(
            status=LedgerExport.Status.FAILED, error="worker stopped", finished_at=timezone.now()
        ):
            failed += 1
        else:
            transaction.on_commit(lambda export_id=export_id: ledgers._enqueue(export_id))
            requeued += 1
    return {"requeued": requeued, "failed": failed}


def ledger_imports_purge() -> int:
    """Uploads never committed (and the files of failed or cancelled ones) older than
    ``LEDGER_IMPORT_KEEP_HOURS`` are deleted."""
    cutoff = timezone.now() - datetime.timedelta(hours=settings.LEDGER_IMPORT_KEEP_HOURS)
    deleted = 0
    for job in LedgerImport.objects.filter(
        status__in=[LedgerImport.Status.UPLOADED, LedgerImport.Status.FAILED, LedgerImport.Status.CANCELLED],
        uploaded_at__lt=cutoff,
    ):
        _delete(job)
        deleted += 1
    return deleted
