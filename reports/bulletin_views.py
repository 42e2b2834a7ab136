"""整改通报 pages: list and generate per review, read, review/publish, download .docx / .pdf / .xlsx."""

import datetime
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from measures.forms import StyledForm
from measures.selectors import reviews_visible_to
from measures.workflow import is_office_for_court

from . import bulletin_render, bulletins, rates
from .models import Bulletin


def _date_input():
    # <input type="date"> only shows a value written as yyyy-MM-dd, whatever the page's language.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GenerateForm(StyledForm):
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=_date_input())
    period_end = forms.DateField(label=gettext_lazy("Period to"), widget=_date_input())


@login_required
def bulletin_list(request, review_pk):
    review = get_object_or_404(reviews_visible_to(request.user), pk=review_pk)
    can_generate = is_office_for_court(request.user, review.court_id)
    today = timezone.localdate()
    form = GenerateForm(request.POST or None, initial={"period_start": today.replace(day=1), "period_end": today})
    if request.method == "POST":
        if not can_generate:
            raise Http404
        if form.is_valid():
            try:
                bulletin = bulletins.bulletin_generate(
                    review=review, actor=request.user, regenerate=True, **form.cleaned_data
                )
            except bulletins.BulletinError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("%(label)s drafted.") % {"label": bulletin.label})
                return redirect("bulletin_detail", pk=bulletin.pk)
    return render(request, "reports/bulletin_list.html", {
        "review": review, "bulletins": bulletins.bulletins_visible_to(request.user).filter(review=review),
        "form": form if can_generate else None,
    })


@login_required
def bulletin_detail(request, pk):
    bulletin = get_object_or_404(bulletins.bulletins_visible_to(request.user), pk=pk)
    snapshot = bulletin.snapshot
    return render(request, "reports/bulletin_detail.html", {
        "bulletin": bulletin,
        "s": snapshot,
        "period_end": datetime.date.fromisoformat(snapshot["period_end"]),  # in the reader's date format
        "measure_rate": rates.rate_text(bulletin_render.measure_rate(snapshot)),
        "rate_definition": rates.MEASURE_RATE,
        "can_advance": is_office_for_court(request.user, bulletin.review.court_id),
        "pdf_available": bulletin_render.pdf_available(bulletin),
    })


@login_required
@require_POST
def bulletin_advance(request, pk):
    bulletin = get_object_or_404(bulletins.bulletins_visible_to(request.user), pk=pk)
    to = request.POST.get("to", "")
    if to == Bulletin.Status.PUBLISHED and request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the confirmation before publishing: a published bulletin takes the next "
                                  "number and can no longer be changed."))
        return redirect("bulletin_detail", pk=pk)
    try:
        bulletins.bulletin_advance(bulletin=bulletin, actor=request.user, to=to)
        messages.success(request, _("Bulletin status updated."))
    except bulletins.BulletinError as error:
        messages.error(request, error.message)
    return redirect("bulletin_detail", pk=pk)


@login_required
def bulletin_download(request, pk, fmt):
    bulletin = get_object_or_404(bulletins.bulletins_visible_to(request.user), pk=pk)
    name = f"整改通报第{bulletin.number}期" if bulletin.number else f"整改通报（草稿）{bulletin.period_end:%Y%m%d}"
    if fmt == "docx":
        content = bulletin_render.render_docx(bulletin)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elif fmt == "pdf":
        if not bulletin_render.pdf_available(bulletin):
            messages.error(request, _(
                "This bulletin lists more than %(n)d measures, too many to lay out as a PDF while you wait: "
                "download the Word document and print it to PDF."
            ) % {"n": bulletin_render.PDF_MAX_MEASURES})
            return redirect("bulletin_detail", pk=bulletin.pk)
        content, mime = bulletin_render.render_pdf(bulletin), "application/pdf"
    elif fmt == "xlsx":
        content, name = bulletin_render.render_xlsx(bulletin), name + "附件"
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.{fmt}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    return quote(name)


