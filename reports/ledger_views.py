"""整改台账 pages: export (at once, or in the background with a status page), and import with a preview."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Court, Department, User
from issues.models import Category, Review
from measures.forms import StyledForm
from measures.selectors import reviews_visible_to
from measures.workflow import is_office_for_court

from . import ledgers
from .imports import jobs, ledger_import
from .models import LedgerExport, LedgerImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- export -------------------------------------------------------------------------------------

@login_required
def ledger_export(request):
    """导出台账 with the list's current filters: the file at once, or the status page of a queued job."""
    try:
        result = ledgers.ledger_export_request(actor=request.user, params=ledgers.ledger_params(request.GET))
    except ledgers.LedgerError as error:
        messages.error(request, error.message)
        back = request.META.get("HTTP_REFERER", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
            return redirect(back)
        return redirect("my_measures")
    if result.file is None:
        return redirect("ledger_export_status", pk=result.export.pk)
    response = FileResponse(
        result.file, as_attachment=True, filename=ledgers.ledger_filename(result.export), content_type=XLSX
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_or_404(request, pk) -> LedgerExport:
    return get_object_or_404(ledgers.exports_visible_to(request.user), pk=pk)


@login_required
def ledger_export_status(request, pk):
    export = _export_or_404(request, pk)
    return render(request, "reports/ledger_export_status.html", {"export": export})


@login_required
def ledger_export_status_json(request, pk):
    export = _export_or_404(request, pk)
    ready = export.status == LedgerExport.Status.DONE and bool(export.file)
    return JsonResponse({
        "status": export.status,
        "status_display": export.get_status_display(),
        "progress": export.progress,
        "row_count": export.row_count,
        "download_url": reverse("ledger_export_download", args=[export.pk]) if ready else None,
    })


@login_required
def ledger_export_download(request, pk):
    """Only the requester and the offices of the requester's court (or one above it) get the file."""
    export = _export_or_404(request, pk)
    if export.status != LedgerExport.Status.DONE or not export.file:
        raise Http404
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=ledgers.ledger_filename(export), content_type=XLSX
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _describe_filters(exports: list[LedgerExport]) -> None:
    """Each export's stored filter as the user chose it: "整改任务：…" rather than "review=1".

    Sets ``export.filter_shown`` to (label, value) pairs; names for ids come from one query per kind.
    """
    models = {"review": (Review, "title"), "lead_department": (Department, "name"),
              "category": (Category, "name"), "court": (Court, "name")}
    ids = {key: {int(e.params[key]) for e in exports if str(e.params.get(key, "")).isdigit()} for key in models}
    names = {
        key: dict(model.objects.filter(pk__in=ids[key]).values_list("pk", field)) if ids[key] else {}
        for key, (model, field) in models.items()
    }
    for export in exports:
        shown = []
        for key, value in export.params.items():
            flt = ledgers.LedgerFilter.base_filters.get(key)
            label = flt.label if flt is not None else key
            if key in names and str(value).isdigit():
                value = names[key].get(int(value), value)
            elif flt is not None and flt.extra.get("choices"):
                value = dict(flt.extra["choices"]).get(value, value)
            shown.append((label, value))
        export.filter_shown = shown


@login_required
def ledger_export_list(request):
    exports = list(ledgers.exports_visible_to(request.user)[:100])
    _describe_filters(exports)
    return render(request, "reports/ledger_export_list.html", {"exports": exports})


# --- import -------------------------------------------------------------------------------------

class LedgerUploadForm(StyledForm):
    file = forms.FileField(
        label=gettext_lazy("Ledger (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() != ".xlsx":
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."))
        if upload.size > settings.LEDGER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload


def _importable_review(request, review_pk):
    review = get_object_or_404(reviews_visible_to(request.user).select_related("court"), pk=review_pk)
    if not is_office_for_court(request.user, review.court_id):
        raise PermissionDenied(_("Only the rectification office can import a ledger into this review."))
    return review


def _import_job(request, review_pk, token) -> LedgerImport:
    review = _importable_review(request, review_pk)
    try:
        return LedgerImport.objects.select_related("review").get(review=review, token=token)
    except (LedgerImport.DoesNotExist, ValidationError):
        raise Http404 from None


@login_required
def ledger_import_upload(request, review_pk):
    review = _importable_review(request, review_pk)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = jobs.ledger_import_upload(review=review, actor=request.user, upload=form.cleaned_data["file"])
        return redirect("ledger_import_preview", review_pk=review.pk, token=job.token)
    return render(request, "reports/ledger_import.html", {"review": review, "form": form})


def _options(data, stored: ledger_import.Options) -> ledger_import.Options:
    """The office's choices from the preview form: column mapping, people, closing completed rows."""
    allowed = set(ledger_import.IMPORTED_FIELDS)
    mapping, people = {}, {}
    for name, value in data.items():
        if name.startswith("map_") and name[4:].isdigit() and (value in allowed or value == ""):
            mapping[int(name[4:])] = value
        elif name.startswith("person_") and value:
            if value == ledger_import.CONTACT:
                people[name[7:]] = value
            elif value.isdigit():
                people[name[7:]] = int(value)
    return ledger_import.Options(
        mapping=mapping or stored.mapping, people=people or stored.people,
        close_completed=data.get("close_completed") == "1",
    )


@login_required
def ledger_import_preview(request, review_pk, token):
    """The dry run (GET, or POST to re-map), the commit (POST action=commit), and the progress of a
    long import committed in the background."""
    job = _import_job(request, review_pk, token)
    review = job.review
    if job.status != LedgerImport.Status.UPLOADED:
        return render(request, "reports/ledger_import_status.html", {"review": review, "job": job})
    stored = jobs.options_of(job)
    options = _options(request.POST, stored) if request.method == "POST" else stored
    if request.method == "POST" and request.POST.get("action") == "commit":
        try:
            done = jobs.ledger_import_commit(job=job, actor=request.user, options=options)
        except ledger_import.LedgerImportError as error:
            preview = error.preview
            messages.error(request, _("Nothing was imported, because of the errors below."))
        else:
            if done is None:
                return redirect("ledger_import_preview", review_pk=review.pk, token=job.token)
            messages.success(request, _("Ledger imported: %(created)d measures created, %(updated)d updated, "
                                        "%(unchanged)d unchanged.") % {
                "created": done.created, "updated": done.updated, "unchanged": done.unchanged})
            return redirect("review_detail", pk=review.pk)
    else:
        preview = jobs.ledger_import_preview(job=job, actor=request.user, options=options)
    field_choices = [(key, ledger_import.FIELD_LABELS[key]) for key in ledger_import.IMPORTED_FIELDS]
    mappable = [c for c in preview.columns if c.header and (not c.recognised or c.index in options.mapping)]
    users = User.objects.filter(court_id=review.court_id, is_active=True).exclude(full_name="").order_by("full_name")
    errors = [str(e) for e in preview.errors]
    return render(request, "reports/ledger_import.html", {
        "review": review,
        "job": job,
        "preview": preview,
        "options": options,
        "mappable": mappable,
        "field_choices": field_choices,
        "users": users,
        "people": [(person, options.people.get(person.name)) for person in preview.unknown_people.values()],
        "background": len(preview.rows) > settings.LEDGER_IMPORT_SYNC_MAX_ROWS,
        "shown_rows": [row for row in preview.rows if row.action != "unchanged"][:SHOWN_ROWS],
        "errors": errors[:SHOWN_ERRORS],
        "errors_total": len(errors),
        "warnings": [str(w) for w in preview.warnings[:SHOWN_ERRORS]],
        "warnings_total": len(preview.warnings),
    })


SHOWN_ROWS = 300
SHOWN_ERRORS = 500


@login_required
def ledger_import_status_json(request, review_pk, token):
    job = _import_job(request, review_pk, token)
    return JsonResponse({
        "status": job.status, "status_display": job.get_status_display(), "progress": job.progress,
        "result": job.result, "error": job.error,
    })


@login_required
@require_POST
def ledger_import_cancel(request, review_pk, token):
    job = _import_job(request, review_pk, token)
    uploaded = job.status == LedgerImport.Status.UPLOADED
    jobs.ledger_import_cancel(job=job)
    if uploaded:
        return redirect("review_detail", pk=job.review_id)
    return redirect("ledger_import_preview", review_pk=job.review_id, token=job.token)
