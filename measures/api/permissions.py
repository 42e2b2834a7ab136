"""The API's scope: exactly the browser's (measures.selectors), narrowed to a token's court tree.

Every queryset an API view reads from starts here, so an object out of scope is absent (404) and
never appears in a list. Workflow rights (who may approve, extend, …) stay in measures.workflow.
"""

from django.db.models import QuerySet

from accounts.authentication import token_court_ids
from issues.models import Category, Finding, Problem, Review

from ..models import CloseOut, Evidence, Extension, LookBack, Measure, ProgressReport, WorkPrompt
from ..selectors import measure_scope, measures_visible_to, prompts_for, reviews_visible_to, wants_mine


def _narrow(queryset: QuerySet, request, court_path: str) -> QuerySet:
    court_ids = token_court_ids(request)
    if court_ids is None:
        return queryset
    return queryset.filter(**{f"{court_path}__in": court_ids})


def measures_in_scope(request, *, mine: bool = False) -> QuerySet[Measure]:
    """``mine``: a court leader's 我分管, for the lists that count (``?scope=mine``)."""
    return _narrow(measures_visible_to(request.user, mine=mine), request, "review__court_id")


def mine_requested(request) -> bool:
    return wants_mine(request.query_params)


def reviews_in_scope(request) -> QuerySet[Review]:
    return _narrow(reviews_visible_to(request.user), request, "court_id")


def problems_in_scope(request) -> QuerySet[Problem]:
    """Who reads a court tree sees every problem of its reviews; others the problems of measures they see."""
    if measure_scope(request.user).whole_reviews:
        return Problem.objects.filter(review__in=reviews_in_scope(request))
    return Problem.objects.filter(pk__in=measures_in_scope(request).values("problem_id"))


def categories_in_scope(request) -> QuerySet[Category]:
    if measure_scope(request.user).whole_reviews:
        return Category.objects.filter(review__in=reviews_in_scope(request))
    return Category.objects.filter(pk__in=problems_in_scope(request).values("category_id"))


def findings_in_scope(request) -> QuerySet[Finding]:
    return Finding.objects.filter(review__in=reviews_in_scope(request))


def _of_measures(model, request) -> QuerySet:
    return model.objects.filter(measure__in=measures_in_scope(request))


def progress_reports_in_scope(request) -> QuerySet[ProgressReport]:
    return _of_measures(ProgressReport, request)


def evidence_in_scope(request) -> QuerySet[Evidence]:
    return _of_measures(Evidence, request)


def closeouts_in_scope(request) -> QuerySet[CloseOut]:
    return _of_measures(CloseOut, request)


def extensions_in_scope(request) -> QuerySet[Extension]:
    return _of_measures(Extension, request)


def lookbacks_in_scope(request) -> QuerySet[LookBack]:
    return _of_measures(LookBack, request)


def prompts_in_scope(request) -> QuerySet[WorkPrompt]:
    return _narrow(prompts_for(request.user), request, "review__court_id")
