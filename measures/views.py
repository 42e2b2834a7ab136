"""Thin views: parse the form, call one workflow function or selector, render or redirect."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Department
from issues.outline import outline_number

from . import instructions, rules, selectors, workflow
from . import prompts as prompt_service
from .evidence import evidence_file_response, evidence_tampered_message, stored_file_response
from .filters import MeasureFilter
from .forms import (
    BulkForm,
    ChaseForm,
    CloseOutForm,
    DecisionForm,
    ExtensionDecisionForm,
    ExtensionForm,
    InstructionForm,
    LookBackForm,
    ProgressForm,
    PromptForm,
    RuleForm,
    SupervisionForm,
)
from .models import Evidence, Extension, LookBack, Measure, local_today
from .pagination import keyset_page
from .services import measures_bulk_apply
from .templatetags.measure_display import history_reason


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(default)


@login_required
def home(request):
    return redirect("my_measures")


@login_required
def my_measures(request):
    """我的整改任务: the measures in the user's scope, filtered, counted and keyset-paginated."""
    mine = selectors.wants_mine(request.GET)
    base = selectors.measure_list(request.user, mine=mine)
    measure_filter = MeasureFilter(
        request.GET, queryset=base, reviews=selectors.reviews_visible_to(request.user, mine=mine)
    )
    filtered = measure_filter.qs
    # Closed measures are done: the list shows open work unless asked (the tiles still count all).
    include_closed = bool(request.GET.get("status") or request.GET.get("closed"))
    listed = filtered if include_closed else filtered.exclude(status=Measure.Status.CLOSED)
    page = keyset_page(
        listed, cursor=request.GET.get("after"), size=50, descending=request.GET.get("sort") == "-deadline"
    )
    query = request.GET.copy()
    query.pop("after", None)

    def tile_link(**params) -> str:
        # The current filters plus the tile's own: the list it opens is exactly the rows it counts.
        linked = query.copy()
        for key, value in params.items():
            linked[key] = value
        return "?" + linked.urlencode()

    tile_links = {
        "total": tile_link(closed="1"), "overdue": tile_link(light="red"), "due_soon": tile_link(light="yellow"),
        "closeout_requested": tile_link(status=Measure.Status.CLOSEOUT_REQUESTED),
        "closed": tile_link(status=Measure.Status.CLOSED),
    }
    return render(
        request,
        "measures/my_measures.html",
        {
            "filter": measure_filter,
            "page": page,
            "counts": selectors.measure_counts(filtered),
            "tile_links": tile_links,
            "query": query.urlencode(),
            "can_bulk": request.user.has_role("department_head", "rectification_office"),
            "include_closed": include_closed,
            "page_scope": selectors.page_scope(request.user, request.GET),
        },
    )


@login_required
@require_POST
def bulk_action(request):
    """A department head moves several measures at once; all or nothing, with a per-row report."""
    form = BulkForm(request.POST, measures=selectors.measures_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose measures and an action: %(errors)s") % {"errors": form.errors.as_text()})
        return _back(request, "my_measures")
    report = measures_bulk_apply(
        actor=request.user,
        measures=list(form.cleaned_data["measures"]),
        action=form.cleaned_data["action"],
        note=form.cleaned_data["note"],
        percent=form.cleaned_data["percent"],
    )
    if report.ok:
        messages.success(request, _("%(n)d measures updated.") % {"n": len(report.done)})
    else:
        messages.error(request, _("Nothing was changed, because:"))
        for measure, reason in report.refused:
            messages.error(request, f"「{measure.text[:30]}」 {reason}")
    return _back(request, "my_measures")


@login_required
def review_list(request):
    mine = selectors.wants_mine(request.GET)
    return render(request, "measures/review_list.html", {
        "reviews": selectors.review_list_with_counts(request.user, mine=mine),
        "page_scope": selectors.page_scope(request.user, request.GET),
    })


@login_required
def review_detail(request, pk):
    review = get_object_or_404(selectors.reviews_visible_to(request.user).select_related("court"), pk=pk)
    categories = selectors.review_tree(request.user, review, mine=selectors.wants_mine(request.GET))
    tree = []
    for ci, category in enumerate(categories, start=1):
        problems = []
        for pi, problem in enumerate(category.ordered_problems, start=1):
            measures = [(outline_number(3, mi), m) for mi, m in enumerate(problem.visible_measures, start=1)]
            problems.append((outline_number(2, pi), problem, measures))
        tree.append((outline_number(1, ci), category, problems))
    all_measures = [m for c in categories for p in c.ordered_problems for m in p.visible_measures]
    totals = {
        "categories": len(categories),
        "problems": sum(len(c.ordered_problems) for c in categories),
        "measures": len(all_measures),
        "closed": sum(1 for m in all_measures if m.status == Measure.Status.CLOSED),
    }
    return render(request, "measures/review_detail.html", {
        "review": review, "tree": tree, "totals": totals, "page_scope": selectors.page_scope(request.user, request.GET),
    })


def _measure_or_404(user, pk) -> Measure:
    try:
        return selectors.measure_for_page(user, pk)
    except Measure.DoesNotExist:
        raise Http404 from None


def _render_measure(request, measure, status=200, **forms):
    user = request.user
    initial = {"version": measure.version}
    context = {
        "measure": measure,
        "history": measure.history.select_related("history_user").order_by("-history_date", "-history_id")[:50],
        "can_report": workflow.can_report_progress(user, measure) and measure.status != Measure.Status.CLOSED,
        "can_apply": workflow.is_department_member_for(user, measure),
        "progress_form": forms.get("progress_form") or ProgressForm(initial=initial),
        "closeout_form": forms.get("closeout_form") or CloseOutForm(initial=initial),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(initial=initial),
        "stale_changes": forms.get("stale_changes"),
        "instructions": instructions.instructions_for_measure(measure),
        "can_instruct": instructions.can_instruct(user, measure),
        "instruction_form": forms.get("instruction_form") or InstructionForm(),
        "can_supervise": instructions.can_supervise(user, measure),
        "supervision_form": forms.get("supervision_form") or SupervisionForm(),
        "can_chase": instructions.can_chase(user, measure),
        "chase_form": forms.get("chase_form") or ChaseForm(),
    }
    pending_lookback = next((lb for lb in measure.lookbacks.all() if lb.outcome == LookBack.Outcome.PENDING), None)
    context["pending_lookback"] = pending_lookback
    context["can_record_lookback"] = pending_lookback is not None and workflow.is_rectification_office_for(
        user, measure
    )
    context["lookback_form"] = forms.get("lookback_form") or LookBackForm()
    context["rules"] = measure.rules.select_related("issuing_department").order_by("-adopted_on")
    context["can_register_rule"] = rules.can_register_for(user, measure)
    pending = next((c for c in measure.closeouts.all() if c.is_pending), None)
    context["pending_closeout"] = pending
    context["can_decide"] = pending is not None and not workflow.is_supervisor_only(user) and (
        workflow.closeout_approval_refusal(user, measure, pending) is None
    )
    return render(request, "measures/measure_detail.html", context, status=status)


@login_required
def measure_detail(request, pk):
    return _render_measure(request, _measure_or_404(request.user, pk))


def stale_changes(measure: Measure, seen_version: int) -> list[str]:
    """What changed since the version the user saw, from the measure's history, in local (Beijing) time
    like the history table. Shown above a stale form on the measure page and on the setup page."""
    records = measure.history.filter(version__gt=seen_version).select_related("history_user").order_by("history_date")
    return [
        f"{timezone.localtime(r.history_date):%Y-%m-%d %H:%M} {r.history_user or '—'}: {history_reason(r.history_change_reason)}"
        for r in records
    ]


def _run(request, pk, form_class, form_key, action):
    """POST handler shared by every measure form: validate, call the workflow, show errors in place."""
    measure = _measure_or_404(request.user, pk)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(measure, form.cleaned_data)
        except workflow.StaleMeasureError as error:
            form.add_error(None, error.message)
            fresh = _measure_or_404(request.user, pk)
            return _render_measure(
                request, fresh, status=409, **{form_key: form},
                stale_changes=stale_changes(error.measure, form.cleaned_data.get("version", 0)),
            )
        except workflow.WorkflowError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("measure_detail", pk=pk)
    return _render_measure(request, measure, status=400, **{form_key: form})


@login_required
@require_POST
def measure_progress(request, pk):
    def action(measure, data):
        workflow.measure_report_progress(
            measure=measure, actor=request.user, note=data["note"], percent=data["percent"],
            files=data["files"], expected_version=data["version"],
        )
        messages.success(request, _("Progress saved."))

    return _run(request, pk, ProgressForm, "progress_form", action)


@login_required
@require_POST
def measure_closeout(request, pk):
    def action(measure, data):
        workflow.measure_submit_closeout(
            measure=measure, actor=request.user, result=data["result"], files=data["files"],
            rules_adopted=data["rules_adopted"], expected_version=data["version"],
        )
        messages.success(request, _("Close-out requested; it now awaits the responsible leader."))

    return _run(request, pk, CloseOutForm, "closeout_form", action)


@login_required
@require_POST
def measure_extension(request, pk):
    def action(measure, data):
        workflow.measure_request_extension(
            measure=measure, actor=request.user, new_deadline=data["new_deadline"], reason=data["reason"]
        )
        messages.success(request, _("Extension requested; the rectification office will decide."))

    return _run(request, pk, ExtensionForm, "extension_form", action)


@login_required
@require_POST
def measure_decide(request, pk):
    def action(measure, data):
        if data["decision"] == "approve":
            workflow.measure_approve_closeout(
                measure=measure, actor=request.user, note=data["note"], expected_version=data["version"]
            )
            messages.success(request, _("Close-out approved."))
        else:
            workflow.measure_return_closeout(
                measure=measure, actor=request.user, reason=data["note"], expected_version=data["version"]
            )
            messages.success(request, _("Close-out returned."))

    return _run(request, pk, DecisionForm, "decision_form", action)


@login_required
@require_POST
def extension_decide(request, pk):
    extension = get_object_or_404(
        Extension.objects.filter(measure__in=selectors.measures_visible_to(request.user)).select_related("measure"),
        pk=pk,
    )
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            workflow.measure_decide_extension(
                extension=extension, actor=request.user,
                approve=form.cleaned_data["decision"] == "approve", note=form.cleaned_data["note"],
            )
            messages.success(request, _("Decision saved."))
        except workflow.WorkflowError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, form.errors.as_text())
    return _back(request, "approvals")


@login_required
@require_POST
def measure_lookback(request, pk):
    def action(measure, data):
        pending = measure.lookbacks.filter(outcome=LookBack.Outcome.PENDING).order_by("due_on").first()
        if pending is None:
            raise workflow.WorkflowError(_("This measure has no look-back due."))
        workflow.measure_record_lookback(
            lookback=pending, actor=request.user, outcome=data["outcome"], note=data["note"],
            new_deadline=data["new_deadline"],
        )
        messages.success(request, _("Look-back recorded."))

    return _run(request, pk, LookBackForm, "lookback_form", action)


@login_required
def lookback_list(request):
    """回头看: the office's list of look-backs due, each recorded on its measure's page."""
    if not request.user.has_role("rectification_office"):
        raise PermissionDenied
    return render(request, "measures/lookbacks.html",
                  {"lookbacks": selectors.lookbacks_due(request.user), "today": local_today()})


@login_required
def rule_list(request):
    """制度成果: the register, optionally for one review."""
    visible = rules.rules_visible_to(request.user)
    reviews = selectors.reviews_visible_to(request.user).order_by("-id")
    review = None
    if request.GET.get("review", "").isdigit():
        review = get_object_or_404(reviews, pk=int(request.GET["review"]))
        visible = visible.filter(pk__in=rules.rules_for_review(review).values("pk"))
    rows = (visible.select_related("issuing_department", "court")
            .prefetch_related("measures", "problems").order_by("-adopted_on", "-id"))
    return render(request, "measures/rules.html", {"rules": rows, "reviews": reviews, "review": review})


@login_required
def rule_new(request, pk):
    measure = _measure_or_404(request.user, pk)
    if not rules.can_register_for(request.user, measure):
        raise PermissionDenied
    form = RuleForm(request.POST or None, request.FILES or None, measure=measure)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rules.rule_register(
                actor=request.user, name=data["name"], document_number=data["document_number"],
                adopted_on=data["adopted_on"], issuing_department=data["issuing_department"],
                measures=[measure, *data["other_measures"]], problems=[measure.problem] if data["on_problem"] else [],
                file=data["file"],
            )
        except workflow.WorkflowError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Rule registered."))
            return redirect("measure_detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "measures/rule_form.html", {"form": form, "measure": measure}, status=status)


@login_required
def rule_file(request, pk):
    rule = get_object_or_404(rules.rules_visible_to(request.user), pk=pk)
    if not rule.file:
        raise Http404
    response = stored_file_response(obj=rule, fieldfile=rule.file, sha256=rule.sha256, request=request,
                                    name=rule.original_name or "rule", kind="rule_file")
    if response is None:  # changed or lost on disk since it was registered
        return HttpResponse(evidence_tampered_message(), status=409, content_type="text/plain; charset=utf-8")
    return response


@login_required
def approvals(request):
    """待我审批."""
    closeouts, extensions = selectors.closeouts_awaiting(request.user)
    # The approver weighs all the measure's evidence: files come with progress reports as well as the request.
    closeouts = closeouts.annotate(evidence_count=Count("measure__evidence", distinct=True))
    return render(request, "measures/approvals.html", {"closeouts": closeouts, "extensions": extensions})


@login_required
def evidence_download(request, pk):
    """Evidence is only ever served here, after the same scope check as its measure."""
    evidence = get_object_or_404(
        Evidence.objects.filter(measure__in=selectors.measures_visible_to(request.user)), pk=pk
    )
    response = evidence_file_response(evidence=evidence, request=request)
    if response is None:  # changed or lost on disk since upload: never hand out what was not recorded
        return HttpResponse(evidence_tampered_message(), status=409, content_type="text/plain; charset=utf-8")
    return response


@login_required
def prompt_list(request):
    """工作提示单: the office issues them and sees who has not read; departments confirm reading."""
    user = request.user
    form = None
    if user.has_role("rectification_office"):
        reviews = selectors.reviews_visible_to(user)
        departments = Department.objects.filter(court__reviews__in=reviews).distinct()
        form = PromptForm(request.POST or None, reviews=reviews, departments=departments)
        if request.method == "POST" and form.is_valid():
            try:
                prompt = prompt_service.prompt_issue(actor=user, **form.cleaned_data)
            except workflow.WorkflowError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Prompt sheet No. %(n)d issued.") % {"n": prompt.number})
                return redirect("prompt_list")
    elif request.method == "POST":
        raise Http404
    return render(request, "measures/prompts.html", {"prompts": selectors.prompts_for(user), "form": form})


@login_required
@require_POST
def prompt_confirm(request, pk):
    prompt = get_object_or_404(selectors.prompts_for(request.user).distinct(), pk=pk)
    try:
        prompt_service.prompt_confirm_read(prompt=prompt, actor=request.user)
        messages.success(request, _("Marked as read."))
    except workflow.WorkflowError as error:
        messages.error(request, error.message)
    return redirect("prompt_list")


@login_required
@require_POST
def measure_instruct(request, pk):
    """批示: a court leader's instruction on this measure or on its whole problem."""

    def action(measure, data):
        instructions.instruction_give(
            author=request.user, measure=measure, text=data["text"], on_problem=data["on_problem"]
        )
        messages.success(request, _("Instruction given."))

    return _run(request, pk, InstructionForm, "instruction_form", action)


@login_required
@require_POST
def measure_supervise(request, pk):
    """督办意见: the discipline office presses on this measure (or its whole problem)."""

    def action(measure, data):
        instructions.supervision_note_add(
            author=request.user, measure=measure, text=data["text"], on_problem=data["on_problem"]
        )
        messages.success(request, _("Supervision note added."))

    return _run(request, pk, SupervisionForm, "supervision_form", action)


@login_required
@require_POST
def measure_chase(request, pk):
    """催办: a leader or the office presses the measure's owner; the owner is told at once."""

    def action(measure, data):
        instructions.measure_chase(author=request.user, measure=measure, text=data["text"])
        messages.success(request, _("Chased: the owner has been notified."))

    return _run(request, pk, ChaseForm, "chase_form", action)
