"""整改台账 exports: which measures a ledger holds (reads), and recording and running an export (writes).

Every export is recorded as a ``LedgerExport`` row (who, when, the filter, how many rows). Up to
``settings.LEDGER_SYNC_MAX_ROWS`` rows the file is written during the request; a larger one is
queued — on commit, so the worker never looks for a row that is not there yet — and
``ledger_export_run`` (called by the Celery task, or directly) writes it under
MEDIA_ROOT/exports, reporting progress on the row as it goes.
"""

import logging
import tempfile
from dataclasses import dataclass
from typing import IO

import django_filters
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from accounts.models import User
from audit.services import audit_record
from issues.models import Review
from measures.filters import MeasureFilter
from measures.models import Measure
from measures.selectors import measures_visible_to, reviews_visible_to

from .exports.ledger import LedgerExporter, ledger_title
from .models import LedgerExport
from .runlock import job_lock

logger = logging.getLogger(__name__)

# The runner of an export holds this advisory lock (reports.runlock): a worker that died mid-export
# has lost it, so its row "running" may be claimed again by the redelivered task at once, and
# reports.imports.jobs.ledger_jobs_reclaim marks it failed within a minute if nothing does.
EXPORT_LOCK = "ledger_export"


class LedgerError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class LedgerFilter(MeasureFilter):
    """The /my/ list's filters plus the problem category; the ledger includes closed measures."""

    category = django_filters.NumberFilter(label=gettext_lazy("Category"), field_name="problem__category_id")

    class Meta(MeasureFilter.Meta):
        fields = [*MeasureFilter.Meta.fields, "category"]


# --- reads ----------------------------------------------------------------------------------------

def ledger_params(query) -> dict[str, str]:
    """The filter part of a query string (a QueryDict or a dict), as stored on the export."""
    return {name: query.get(name) for name in LedgerFilter.base_filters if query.get(name)}


def ledger_measures(*, user: User, params: dict) -> QuerySet[Measure]:
    """The measures the user may see, narrowed by the list's filters; a filter outside the user's
    scope (another court's review, say) is refused rather than silently dropped."""
    ledger_filter = LedgerFilter(params, queryset=measures_visible_to(user), reviews=reviews_visible_to(user))
    if not ledger_filter.is_valid():
        raise LedgerError(_("The filter is not valid: %(errors)s") % {"errors": ledger_filter.errors.as_text()})
    return ledger_filter.qs


def exports_visible_to(user: User) -> QuerySet[LedgerExport]:
    """The requester's own exports, and for the offices the exports made in their court tree."""
    if not user.is_authenticated:
        return LedgerExport.objects.none()
    q = Q(requested_by=user)
    if user.is_office:
        q |= Q(requested_by__court_id__in=user.court_tree_ids())
    return LedgerExport.objects.filter(q).select_related("requested_by")


def _exporter(export: LedgerExport) -> LedgerExporter:
    user = export.requested_by
    measures = ledger_measures(user=user, params=export.params)
    review = None
    if export.params.get("review"):
        review = Review.objects.select_related("court").filter(pk=export.params["review"]).first()
    court_name = review.court.name if review else (user.court.name if user.court_id else "")
    return LedgerExporter(
        measures=measures,
        title=ledger_title(court_name=court_name, review_title=review.title if review else None),
        as_of=timezone.localdate(),
        total=export.row_count,
    )


def ledger_filename(export: LedgerExport) -> str:
    return f"整改台账_{timezone.localtime(export.requested_at):%Y%m%d_%H%M}.xlsx"


# --- writes ---------------------------------------------------------------------------------------

@dataclass
class LedgerRequest:
    export: LedgerExport
    file: IO[bytes] | None  # the finished workbook for a small export; None when it was queued


def ledger_export_request(*, actor: User, params: dict) -> LedgerRequest:
    """Record the export; write a small one now, queue a large one for the worker."""
    measures = ledger_measures(user=actor, params=params)
    count = measures.count()
    background = count > settings.LEDGER_SYNC_MAX_ROWS
    export = LedgerExport.objects.create(
        requested_by=actor, params=params, row_count=count, background=background,
    )
    audit_record(action="ledger_exported", actor=actor, obj=export,
                 detail={"params": params, "rows": count, "background": background})
    if background:
        transaction.on_commit(lambda: _enqueue(export.pk))
        return LedgerRequest(export=export, file=None)
    out = tempfile.TemporaryFile()
    export.started_at = timezone.now()
    rows = _exporter(export).render(out)
    out.seek(0)
    LedgerExport.objects.filter(pk=export.pk).update(
        status=LedgerExport.Status.DONE, progress=100, row_count=rows, started_at=export.started_at,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return LedgerRequest(export=export, file=out)


def _enqueue(export_id: int) -> None:
    """Hand a queued export to the worker. If the broker is down or hangs (bounded by the broker
    socket timeouts in settings), mark the export failed so the status page says so at once,
    instead of a 500 after the row was committed and a row left "queued" that nothing would run."""
    from . import tasks

    try:
        tasks.ledger_export_run.delay(export_id)
    except OperationalError as error:
        logger.warning("broker unavailable; ledger export %s not queued", export_id, exc_info=True)
        LedgerExport.objects.filter(pk=export_id, status=LedgerExport.Status.QUEUED).update(
            status=LedgerExport.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )


def _claim(export_id: int) -> bool:
    """Called with the export's lock held: a row still "running" has no live runner (it died), so
    it may be claimed again; the conditional UPDATE makes the claim, and a done export stays done."""
    return bool(
        LedgerExport.objects.filter(
            pk=export_id, status__in=[LedgerExport.Status.QUEUED, LedgerExport.Status.RUNNING]
        ).update(status=LedgerExport.Status.RUNNING, started_at=timezone.now(), progress=0)
    )


def ledger_export_run(*, export_id: int) -> LedgerExport:
    """Write a queued export's file under MEDIA_ROOT/exports, updating its progress as it goes.

    Runs outside a transaction on purpose: the progress updates must be visible to the status page
    while the rows stream through a server-side cursor.
    """
    with job_lock(EXPORT_LOCK, export_id) as held:
        if not held or not _claim(export_id):
            return LedgerExport.objects.get(pk=export_id)
        return _run(export_id)


def _run(export_id: int) -> LedgerExport:
    export = LedgerExport.objects.select_related("requested_by__court").get(pk=export_id)
    last = {"percent": -1}

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // total) if total else 99
        if percent != last["percent"]:
            last["percent"] = percent
            LedgerExport.objects.filter(pk=export_id).update(progress=percent)

    try:
        with tempfile.TemporaryFile() as out:
            rows = _exporter(export).render(out, progress=progress)
            out.seek(0)
            export.file.save(ledger_filename(export), File(out), save=False)
    except Exception as error:
        LedgerExport.objects.filter(pk=export_id).update(
            status=LedgerExport.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        logger.exception("ledger export %s failed", export_id)
        raise
    LedgerExport.objects.filter(pk=export_id).update(
        status=LedgerExport.Status.DONE, progress=100, file=export.file.name, row_count=rows,
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export
