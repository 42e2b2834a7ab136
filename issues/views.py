"""整改办 sets a review up in the browser: the review, its findings, categories and problems.

Thin views: parse a form, call one service, redirect or re-render with the errors in place. Only
the rectification office gets here (403 for everyone else); a review of a court outside the
office's court tree is not found (404). Measures are set up by ``measures.setup_views``.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role

from . import selectors, services
from .forms import CategoryForm, FindingForm, ProblemForm, ReviewForm
from .outline import outline_number


def office_required(view):
    """Logged in and 整改办; which court's data they reach is decided by the selectors."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_role(Role.RECTIFICATION_OFFICE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _setup_url(review_id: int, anchor: str = "") -> str:
    url = reverse("setup_review", args=[review_id])
    return f"{url}#{anchor}" if anchor else url


def _render_form(request, form, *, title, review=None, cancel_url, status=200, intro=""):
    return render(
        request,
        "issues/form.html",
        {"form": form, "title": title, "review": review, "cancel_url": cancel_url, "intro": intro},
        status=status,
    )


def _submit(request, form, write, *, title, review=None, cancel_url, success_url, intro=""):
    """Shared POST handling: valid form → service → redirect; refused → the same form, errors in place."""
    if form.is_valid():
        try:
            obj = write(form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect(success_url(obj) if callable(success_url) else success_url)
    return _render_form(request, form, title=title, review=review, cancel_url=cancel_url, status=400, intro=intro)


# --- reviews -----------------------------------------------------------------------------------

@office_required
def setup_index(request):
    return render(request, "issues/setup_index.html", {"reviews": selectors.review_setup_list(request.user)})


@office_required
def review_new(request):
    courts = selectors.courts_for_setup(request.user)
    title = _("New review")
    cancel = reverse("setup_index")
    if request.method != "POST":
        form = ReviewForm(courts=courts, initial={"court": request.user.court_id})
        return _render_form(request, form, title=title, cancel_url=cancel)

    def write(data):
        return services.review_create(actor=request.user, **data)

    form = ReviewForm(request.POST, courts=courts)
    return _submit(
        request, form, write, title=title, cancel_url=cancel, success_url=lambda r: _setup_url(r.pk)
    )


@office_required
def review_edit(request, pk):
    review = get_object_or_404(selectors.reviews_for_setup(request.user), pk=pk)
    courts = selectors.courts_for_setup(request.user)
    title = _("Edit review")
    cancel = _setup_url(review.pk)
    if request.method != "POST":
        form = ReviewForm(courts=courts, initial=model_to_dict(review, fields=ReviewForm._meta.fields))
        return _render_form(request, form, title=title, review=review, cancel_url=cancel)

    def write(data):
        return services.review_update(review=review, actor=request.user, **data)

    form = ReviewForm(request.POST, courts=courts)
    return _submit(request, form, write, title=title, review=review, cancel_url=cancel, success_url=cancel)


@office_required
def review_setup(request, pk):
    """The set-up page: findings traced to problems, and categories → problems → measures, numbered."""
    review = get_object_or_404(selectors.reviews_for_setup(request.user).select_related("court"), pk=pk)
    findings, categories = selectors.review_setup_tree(review)
    finding_no = {finding.pk: fi for fi, finding in enumerate(findings, start=1)}
    numbers, tree, measure_total = {}, [], 0
    for ci, category in enumerate(categories, start=1):
        cat_no = outline_number(1, ci)
        problems = []
        for pi, problem in enumerate(category.ordered_problems, start=1):
            numbers[problem.pk] = f"{cat_no}{outline_number(2, pi)}"
            problem.finding_numbers = [(finding_no[f.pk], f.pk) for f in problem.findings.all()]
            measures = [(outline_number(3, mi), m) for mi, m in enumerate(problem.ordered_measures, start=1)]
            measure_total += len(measures)
            problems.append((outline_number(2, pi), problem, measures))
        tree.append((cat_no, category, problems))
    traced = [(fi, finding, [(numbers.get(p.pk, ""), p) for p in finding.problems.all()])
              for fi, finding in enumerate(findings, start=1)]
    totals = {
        "findings": len(findings),
        "untraced": sum(1 for _no, _f, problems in traced if not problems),
        "categories": len(categories),
        "problems": len(numbers),
        "measures": measure_total,
        "problems_without_measures": sum(1 for c in categories for p in c.ordered_problems if not p.ordered_measures),
    }
    return render(
        request,
        "issues/review_setup.html",
        {"review": review, "findings": traced, "tree": tree, "totals": totals, "category_form": CategoryForm()},
    )


# --- findings ----------------------------------------------------------------------------------

@office_required
def finding_new(request, review_pk):
    review = get_object_or_404(selectors.reviews_for_setup(request.user), pk=review_pk)
    title = _("New finding")
    cancel = _setup_url(review.pk, "findings")
    if request.method != "POST":
        return _render_form(request, FindingForm(review=review), title=title, review=review, cancel_url=cancel)

    def write(data):
        return services.finding_create(review=review, actor=request.user, **data)

    form = FindingForm(request.POST, review=review)
    return _submit(
        request, form, write, title=title, review=review, cancel_url=cancel,
        success_url=lambda f: _setup_url(review.pk, f"finding-{f.pk}"),
    )


@office_required
def finding_edit(request, pk):
    finding = get_object_or_404(selectors.findings_for_setup(request.user).select_related("review"), pk=pk)
    review = finding.review
    title = _("Edit finding")
    cancel = _setup_url(review.pk, f"finding-{finding.pk}")
    if request.method != "POST":
        initial = model_to_dict(finding, fields=FindingForm._meta.fields)
        return _render_form(
            request, FindingForm(review=review, initial=initial), title=title, review=review, cancel_url=cancel
        )

    def write(data):
        return services.finding_update(finding=finding, actor=request.user, **data)

    form = FindingForm(request.POST, review=review)
    return _submit(request, form, write, title=title, review=review, cancel_url=cancel, success_url=cancel)


# --- categories and problems -------------------------------------------------------------------

@office_required
def category_new(request, review_pk):
    review = get_object_or_404(selectors.reviews_for_setup(request.user), pk=review_pk)
    title = _("New problem category")
    cancel = _setup_url(review.pk, "problems")
    if request.method != "POST":
        return _render_form(request, CategoryForm(), title=title, review=review, cancel_url=cancel)

    def write(data):
        return services.category_create(review=review, actor=request.user, name=data["name"])

    return _submit(
        request, CategoryForm(request.POST), write, title=title, review=review, cancel_url=cancel,
        success_url=lambda c: _setup_url(review.pk, f"category-{c.pk}"),
    )


@office_required
def category_edit(request, pk):
    category = get_object_or_404(selectors.categories_for_setup(request.user).select_related("review"), pk=pk)
    review = category.review
    title = _("Edit problem category")
    cancel = _setup_url(review.pk, f"category-{category.pk}")
    if request.method != "POST":
        form = CategoryForm(initial={"name": category.name})
        return _render_form(request, form, title=title, review=review, cancel_url=cancel)

    def write(data):
        return services.category_update(category=category, actor=request.user, name=data["name"])

    return _submit(
        request, CategoryForm(request.POST), write, title=title, review=review, cancel_url=cancel,
        success_url=cancel,
    )


def _problem_form(review, *args, **kwargs) -> ProblemForm:
    return ProblemForm(
        *args, review=review, leaders=selectors.leaders_of(review.court_id),
        departments=selectors.departments_of(review.court_id), **kwargs,
    )


def _problem_write_args(data: dict) -> dict:
    data = dict(data)
    return {
        "supporting_departments": data.pop("supporting_departments"),
        "findings": data.pop("findings"),
        **data,
    }


@office_required
def problem_new(request, category_pk):
    category = get_object_or_404(selectors.categories_for_setup(request.user).select_related("review"), pk=category_pk)
    review = category.review
    title = _("New problem")
    cancel = _setup_url(review.pk, f"category-{category.pk}")
    if request.method != "POST":
        form = _problem_form(review, initial={"category": category.pk})
        return _render_form(request, form, title=title, review=review, cancel_url=cancel)

    def write(data):
        args = _problem_write_args(data)
        chosen = args.pop("category")
        return services.problem_create(category=chosen, actor=request.user, **args)

    return _submit(
        request, _problem_form(review, request.POST), write, title=title, review=review, cancel_url=cancel,
        success_url=lambda p: _setup_url(review.pk, f"problem-{p.pk}"),
    )


@office_required
def problem_edit(request, pk):
    problem = get_object_or_404(selectors.problems_for_setup(request.user).select_related("review"), pk=pk)
    review = problem.review
    title = _("Edit problem")
    cancel = _setup_url(review.pk, f"problem-{problem.pk}")
    if request.method != "POST":
        initial = model_to_dict(problem, fields=ProblemForm._meta.fields)
        initial["findings"] = list(problem.findings.values_list("pk", flat=True))
        return _render_form(request, _problem_form(review, initial=initial), title=title, review=review,
                            cancel_url=cancel)

    def write(data):
        return services.problem_update(problem=problem, actor=request.user, **_problem_write_args(data))

    return _submit(
        request, _problem_form(review, request.POST), write, title=title, review=review, cancel_url=cancel,
        success_url=cancel,
    )


# --- order -------------------------------------------------------------------------------------

_MOVABLE = {
    "category": selectors.categories_for_setup,
    "problem": selectors.problems_for_setup,
    "finding": selectors.findings_for_setup,
}


@office_required
@require_POST
def move(request, kind, pk, direction):
    if kind not in _MOVABLE or direction not in (services.UP, services.DOWN):
        raise Http404
    obj = get_object_or_404(_MOVABLE[kind](request.user).select_related("review"), pk=pk)
    services.siblings_move(obj=obj, actor=request.user, direction=direction)
    return redirect(_setup_url(obj.review_id, f"{kind}-{obj.pk}"))
