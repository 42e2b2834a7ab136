"""整改办 breaks problems into measures and edits them, in the browser.

Every write goes through ``measures.workflow`` (``measure_create`` / ``measure_update``) or
``measures.services.measure_move``; status is never edited here. Only the rectification office gets
here (403 for everyone else); a problem or measure outside the office's court tree is not found.
The pages around these (the review, its findings, categories and problems) live in ``issues.views``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from issues import selectors as issue_selectors
from issues.views import office_required

from . import workflow
from .models import Measure
from .services import measure_move
from .setup_forms import MeasureEditForm, MeasureSetupForm
from .views import stale_changes as _stale_changes


def _setup_url(review_id: int, anchor: str) -> str:
    return f"{reverse('setup_review', args=[review_id])}#{anchor}"


def _choices(review) -> dict:
    court_id = review.court_id
    return {
        "leaders": issue_selectors.leaders_of(court_id),
        "departments": issue_selectors.departments_of(court_id),
        "people": issue_selectors.people_of(court_id),
    }


def _measures_for_setup(user):
    return Measure.objects.filter(review__court_id__in=issue_selectors.setup_court_ids(user))


def _render(request, form, *, problem, measure=None, status=200, stale_changes=None):
    return render(
        request,
        "measures/setup_measure_form.html",
        {
            "form": form, "problem": problem, "review": problem.review, "measure": measure,
            "stale_changes": stale_changes,
            "title": _("Edit measure") if measure else _("New measure"),
            "cancel_url": _setup_url(problem.review_id, f"measure-{measure.pk}" if measure else f"problem-{problem.pk}"),
        },
        status=status,
    )


def _put_error(form, error: workflow.WorkflowError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@office_required
def measure_new(request, problem_pk):
    problem = get_object_or_404(
        issue_selectors.problems_for_setup(request.user).select_related("review__court", "category"), pk=problem_pk
    )
    initial = {
        "responsible_leader": problem.responsible_leader_id,
        "lead_department": problem.lead_department_id,
        "original_deadline": problem.review.deadline,
    }
    if request.method != "POST":
        return _render(request, MeasureSetupForm(initial=initial, **_choices(problem.review)), problem=problem)
    form = MeasureSetupForm(request.POST, **_choices(problem.review))
    if form.is_valid():
        try:
            measure = workflow.measure_create(
                problem=problem, actor=request.user,
                supporting_departments=form.cleaned_data["supporting_departments"],
                order=problem.measures.count() + 1,
                **form.planning_values(),
            )
        except workflow.WorkflowPermissionError as error:
            raise PermissionDenied(error.message) from error
        except workflow.WorkflowError as error:
            _put_error(form, error)
        else:
            messages.success(request, _("Measure added."))
            return redirect(_setup_url(problem.review_id, f"measure-{measure.pk}"))
    return _render(request, form, problem=problem, status=400)


def _initial(measure: Measure) -> dict:
    initial = {name: getattr(measure, name) for name in MeasureSetupForm.PLANNING}
    initial["supporting_departments"] = list(measure.supporting_departments.all())
    initial["version"] = measure.version
    return initial


@office_required
def measure_edit(request, pk):
    measure = get_object_or_404(
        _measures_for_setup(request.user).select_related("review__court", "problem__category", "problem__review"),
        pk=pk,
    )
    problem = measure.problem
    choices = _choices(measure.review)
    if request.method != "POST":
        return _render(request, MeasureEditForm(initial=_initial(measure), **choices), problem=problem, measure=measure)
    form = MeasureEditForm(request.POST, **choices)
    if form.is_valid():
        try:
            workflow.measure_update(
                measure=measure, actor=request.user, changes=form.planning_values(),
                expected_version=form.cleaned_data["version"],
                supporting_departments=form.cleaned_data["supporting_departments"],
            )
        except workflow.StaleMeasureError as error:
            # Keep what the user typed, but carry the current version: submitting again is a
            # deliberate overwrite after reading what changed.
            seen = form.cleaned_data["version"]
            data = request.POST.copy()
            data["version"] = str(error.measure.version)
            form = MeasureEditForm(data, **choices)
            form.is_valid()
            form.add_error(None, error.message)
            return _render(
                request, form, problem=problem, measure=error.measure, status=409,
                stale_changes=_stale_changes(error.measure, seen),
            )
        except workflow.WorkflowPermissionError as error:
            raise PermissionDenied(error.message) from error
        except workflow.WorkflowError as error:
            _put_error(form, error)
        else:
            messages.success(request, _("Measure saved."))
            return redirect(_setup_url(measure.review_id, f"measure-{measure.pk}"))
    return _render(request, form, problem=problem, measure=measure, status=400)


@office_required
@require_POST
def measure_reorder(request, pk, direction):
    if direction not in ("up", "down"):
        raise Http404
    measure = get_object_or_404(_measures_for_setup(request.user).select_related("review"), pk=pk)
    try:
        measure_move(measure=measure, actor=request.user, direction=direction)
    except workflow.WorkflowPermissionError as error:
        raise PermissionDenied(error.message) from error
    except (workflow.WorkflowError, ValidationError) as error:
        messages.error(request, getattr(error, "message", str(error)))
    return redirect(_setup_url(measure.review_id, f"measure-{measure.pk}"))
