"""Reads: who sees which measures, and the querysets pages are built from (bounded queries)."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Role, User
from issues.models import Category, Problem, Review

from .freshness import cached_aggregate
from .models import Measure


def _court_tree_ids(user: User) -> list[int]:
    return user.court_tree_ids()


def measure_scope_q(user: User) -> Q | None:
    """The measures a user may see, as a filter; None means nothing at all.

    Offices see their court and the courts below it; leaders their supervised departments and the
    measures they lead; staff and heads their department's (lead or supporting) and those they own.

    An office's court tree is given as the ids of the tree's reviews: measures carry ``review_id``,
    and ``review__court_id`` would join issues_review on every measure row (about a third of an
    aggregate's time at 100,000 measures, and it rules out covering indexes). [0] matches nothing
    but still compiles to SQL, where an empty IN would raise EmptyResultSet in raw aggregate passes.
    """
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_office:
        reviews = Review.objects.filter(court_id__in=_court_tree_ids(user)).values_list("id", flat=True)
        return Q(review_id__in=list(reviews) or [0])
    q = Q(owner=user)
    if user.has_role(Role.LEADER):
        q |= Q(responsible_leader=user) | Q(lead_department__in=user.supervised_departments.all())
    if user.has_role(Role.STAFF, Role.DEPARTMENT_HEAD) and user.department_id:
        q |= Q(lead_department_id=user.department_id)
        q |= Q(pk__in=Measure.supporting_departments.through.objects.filter(
            department_id=user.department_id).values("measure_id"))
    return q


def measures_visible_to(user: User) -> QuerySet[Measure]:
    scope = measure_scope_q(user)
    if scope is None:
        return Measure.objects.none()
    return Measure.objects.filter(scope)


def reviews_visible_to(user: User) -> QuerySet[Review]:
    if not user.is_authenticated:
        return Review.objects.none()
    if user.is_office:
        return Review.objects.filter(court_id__in=_court_tree_ids(user))
    return Review.objects.filter(pk__in=measures_visible_to(user).values("review_id"))


def review_list_with_counts(user: User) -> list[Review]:
    """Each review with its roll-up counts ("4类12个问题65条措施") over the measures the user sees."""
    reviews = list(
        reviews_visible_to(user)
        .select_related("court")
        .annotate(category_count=Count("categories", distinct=True), problem_count=Count("problems", distinct=True))
        .order_by("-feedback_date", "-id")
    )
    counts = {
        row["review_id"]: row
        for row in measures_visible_to(user)
        .filter(review__in=[r.pk for r in reviews])
        .values("review_id")
        .annotate(
            measure_count=Count("*"),
            closed_count=Count("pk", filter=Q(status=Measure.Status.CLOSED)),
            ongoing_count=Count("pk", filter=Q(type=Measure.Type.ONGOING)),
            visible_problems=Count("problem", distinct=True),
            visible_categories=Count("problem__category", distinct=True),
        )
    }
    for review in reviews:
        row = counts.get(review.pk, {})
        if not user.is_office:
            # Staff and leaders see the part of the tree their measures are in (as review_tree does).
            review.category_count = row.get("visible_categories", 0)
            review.problem_count = row.get("visible_problems", 0)
        review.measure_count = row.get("measure_count", 0)
        review.closed_count = row.get("closed_count", 0)
        review.ongoing_count = row.get("ongoing_count", 0)
    return reviews


def review_tree(user: User, review: Review) -> list[Category]:
    """Categories → problems → the measures the user sees, in four queries whatever the size."""
    measures = (
        measures_visible_to(user)
        .filter(review=review)
        .select_related("responsible_leader", "lead_department", "owner")
        .order_by("order", "id")
    )
    problems = Problem.objects.select_related("responsible_leader", "lead_department").prefetch_related(
        Prefetch("measures", queryset=measures, to_attr="visible_measures")
    ).order_by("order", "id")
    categories = list(
        review.categories.order_by("order", "id").prefetch_related(
            Prefetch("problems", queryset=problems, to_attr="ordered_problems")
        )
    )
    if not user.is_office:
        for category in categories:
            category.ordered_problems = [p for p in category.ordered_problems if p.visible_measures]
        categories = [c for c in categories if c.ordered_problems]
    return categories


def measure_for_page(user: User, pk: int) -> Measure:
    """One measure the user may see, with everything its page shows; raises Measure.DoesNotExist."""
    return (
        measures_visible_to(user)
        .select_related(
            "review__court", "problem__category", "problem__responsible_leader",
            "responsible_leader", "lead_department", "owner",
        )
        .prefetch_related(
            "supporting_departments",
            "progress_reports__author",
            "progress_reports__evidence",
            "closeouts__requested_by",
            "closeouts__leader_decided_by",
            "closeouts__office_decided_by",
            "closeouts__evidence",
            "extensions__requested_by",
            "extensions__decided_by",
            "lookbacks__checked_by",
        )
        .get(pk=pk)
    )


def measure_list(user: User) -> QuerySet[Measure]:
    """The rows of 我的整改任务: what a user sees, with what each row shows, in one query."""
    return measures_visible_to(user).select_related("review", "problem", "responsible_leader", "lead_department")


def measure_counts(queryset: QuerySet[Measure]) -> dict:
    """The tiles above a measure list: one aggregate query, cached until the measures change."""
    from .filters import traffic_light_q

    tiles = queryset.order_by().values("pk").query.sql_with_params()  # the scope and filters, as the key

    return cached_aggregate(("measure_counts", tiles), lambda: queryset.order_by().aggregate(
        total=Count("*"),
        overdue=Count("pk", filter=traffic_light_q("red")),
        due_soon=Count("pk", filter=traffic_light_q("yellow")),
        closeout_requested=Count("pk", filter=Q(status=Measure.Status.CLOSEOUT_REQUESTED)),
        closed=Count("pk", filter=Q(status=Measure.Status.CLOSED)),
    ))


def closeouts_awaiting(user: User):
    """待我审批: close-outs at the stage this user signs, and extensions for the office."""
    from .models import CloseOut, Extension

    visible = measures_visible_to(user)
    stage_q = Q(pk__in=[])
    if user.has_role(Role.LEADER):
        stage_q |= Q(stage=CloseOut.Stage.PENDING_LEADER) & (
            Q(measure__responsible_leader=user) | Q(measure__lead_department__in=user.supervised_departments.all())
        )
    if user.has_role(Role.RECTIFICATION_OFFICE):
        stage_q |= Q(stage=CloseOut.Stage.PENDING_OFFICE)
    closeouts = (
        CloseOut.objects.filter(stage_q, measure__in=visible)
        .select_related("measure__lead_department", "measure__responsible_leader", "measure__review", "requested_by")
        .prefetch_related("evidence")
        .order_by("requested_at")
    )
    extensions = Extension.objects.none()
    if user.has_role(Role.RECTIFICATION_OFFICE):
        extensions = (
            Extension.objects.filter(decision=Extension.Decision.PENDING, measure__in=visible)
            .select_related("measure__lead_department", "requested_by")
            .order_by("requested_at")
        )
    return closeouts, extensions


def prompts_for(user: User):
    """Prompt sheets the user sees: the office all of its court tree, a department those sent to it."""
    from .models import WorkPrompt

    prompts = WorkPrompt.objects.select_related("review", "issued_by").prefetch_related("receipts__department")
    if user.has_role(Role.RECTIFICATION_OFFICE, Role.DISCIPLINE_OFFICE):
        return prompts.filter(review__court_id__in=_court_tree_ids(user))
    if user.department_id:
        return prompts.filter(receipts__department_id=user.department_id)
    return prompts.none()


def lookbacks_due(user: User):
    """回头看 that the rectification office must record: pending ones of its court tree, due first."""
    from .models import LookBack

    if not user.has_role(Role.RECTIFICATION_OFFICE):
        return LookBack.objects.none()
    return (
        LookBack.objects.filter(outcome=LookBack.Outcome.PENDING, measure__in=measures_visible_to(user))
        .select_related("measure__lead_department", "measure__review", "measure__problem")
        .order_by("due_on", "id")
    )
