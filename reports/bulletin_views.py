"""整改通报 pages: list and generate per review, read, review/publish, download .docx / .xlsx."""

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

from . import bulletin_render, bulletins


class GenerateForm(StyledForm):
    period_start = forms.DateField(label=gettext_lazy("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("Period to"), widget=forms.DateInput(attrs={"type": "date"}))


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
                messages.success(request, _("Bulletin No. %(n)d drafted.") % {"n": bulletin.number})
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
        "period_end": bulletin_render.chinese_date(snapshot["period_end"]),
        "can_advance": is_office_for_court(request.user, bulletin.review.court_id),
    })


@login_required
@require_POST
def bulletin_advance(request, pk):
    bulletin = get_object_or_404(bulletins.bulletins_visible_to(request.user), pk=pk)
    try:
        bulletins.bulletin_advance(bulletin=bulletin, actor=request.user, to=request.POST.get("to", ""))
        messages.success(request, _("Bulletin status updated."))
    except bulletins.BulletinError as error:
        messages.error(request, error.message)
    return redirect("bulletin_detail", pk=pk)


@login_required
def bulletin_download(request, pk, fmt):
    bulletin = get_object_or_404(bulletins.bulletins_visible_to(request.user), pk=pk)
    name = f"整改通报第{bulletin.number}期"
    if fmt == "docx":
        content = bulletin_render.render_docx(bulletin)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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


