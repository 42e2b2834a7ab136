"""Reads: who sees which measures, and the querysets pages are built from (bounded queries)."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import OFFICE_ROLES, Role, User
from issues.models import Category, Problem, Review

from .freshness import cached_aggregate
from .models import Measure

# The roles that read the whole of their court tree (see the glossary on accounts.models.Role).
TREE_READER_ROLES = (Role.PARTY_SECRETARY, Role.LEADER, *OFFICE_ROLES)
# Pages that count take ?scope=mine: a court leader's 我分管 instead of 全院.
SCOPE_PARAM = "scope"
SCOPE_MINE = "mine"


def _court_tree_ids(user: User) -> list[int]:
    return user.court_tree_ids()


def reads_court_tree(user: User) -> bool:
    """党组书记, 院领导, 整改办 and 纪检组 read every measure of their court and of the courts below it."""
    return user.is_authenticated and user.is_active and user.has_role(*TREE_READER_ROLES)


def wants_mine(params) -> bool:
    """The 全院 / 我分管 switch of the counting pages, from a query string (a QueryDict or a dict)."""
    return params.get(SCOPE_PARAM) == SCOPE_MINE


@dataclass(frozen=True)
class Scope:
    """Whose measures a user reads: the filter, and what the page says it counts."""

    q: Q | None  # None: nothing at all
    label: Promise | str
    mine: bool = False  # narrowed to 我分管
    can_narrow: bool = False  # the 全院 / 我分管 switch applies to this user
    whole_reviews: bool = False  # reads every category and problem of the reviews it sees
    review_ids: tuple[int, ...] = ()  # with whole_reviews: those reviews (what q filters on)


def _mine_q(user: User) -> Q:
    """A court leader's own part: the measures he leads and those of the departments he supervises."""
    return Q(owner=user) | Q(responsible_leader=user) | Q(lead_department__in=user.supervised_departments.all())


def measure_scope(user: User, *, mine: bool = False) -> Scope:
    """The one definition of which measures a user reads; every page, list, dashboard, ledger,
    bulletin and the API go through it.

    - 党组书记, 院领导, 整改办, 纪检组: their court and every court below it (a higher court reads the lower
      courts as it reads its own). A court leader may narrow to ``mine`` (我分管).
    - Staff and department heads: their department's measures (lead or supporting) and those they own.
    - Anyone else (the three administrators): nothing.

    The court tree is given as the ids of the tree's reviews: measures carry ``review_id``, and
    ``review__court_id`` would join issues_review on every measure row (about a third of an
    aggregate's time at 100,000 measures, and it rules out covering indexes). [0] matches nothing
    but still compiles to SQL, where an empty IN would raise EmptyResultSet in raw aggregate passes.
    """
    if not user.is_authenticated or not user.is_active:
        return Scope(q=None, label=_("No rectification data"))
    leader = user.is_court_leader
    if leader and mine:
        return Scope(q=_mine_q(user), label=_("Departments I supervise"), mine=True, can_narrow=True)
    if reads_court_tree(user):
        tree = _court_tree_ids(user)
        reviews = Review.objects.filter(court_id__in=tree).values_list("id", flat=True)
        label = _("This court and the courts below · all") if len(tree) > 1 else _("This court · all")
        reviews = tuple(reviews)
        return Scope(q=Q(review_id__in=list(reviews) or [0]), label=label, can_narrow=leader, whole_reviews=True,
                     review_ids=reviews)
    if user.has_role(Role.STAFF, Role.DEPARTMENT_HEAD) and user.department_id:
        q = Q(owner=user) | Q(lead_department_id=user.department_id)
        q |= Q(pk__in=Measure.supporting_departments.through.objects.filter(
            department_id=user.department_id).values("measure_id"))
        return Scope(q=q, label=_("My department (lead or supporting)"))
    if user.has_role(Role.STAFF, Role.DEPARTMENT_HEAD):
        return Scope(q=Q(owner=user), label=_("Measures I own"))
    return Scope(q=None, label=_("No rectification data"))


def measures_visible_to(user: User, *, mine: bool = False) -> QuerySet[Measure]:
    scope = measure_scope(user, mine=mine).q
    if scope is None:
        # Not .none(): the counting pages compile the queryset to SQL (cache keys, raw aggregate
        # passes), which .none() refuses with EmptyResultSet. No measure has id 0.
        return Measure.objects.filter(pk__in=[0])
    return Measure.objects.filter(scope)


def reviews_visible_to(user: User, *, mine: bool = False) -> QuerySet[Review]:
    if not user.is_authenticated:
        return Review.objects.none()
    if reads_court_tree(user) and not (mine and user.is_court_leader):
        return Review.objects.filter(court_id__in=_court_tree_ids(user))
    return Review.objects.filter(pk__in=measures_visible_to(user, mine=mine).values("review_id"))


def review_list_with_counts(user: User, *, mine: bool = False) -> list[Review]:
    """Each review with its roll-up counts ("4类12个问题65条措施") over the measures the user sees."""
    whole = measure_scope(user, mine=mine).whole_reviews
    reviews = list(
        reviews_visible_to(user, mine=mine)
        .select_related("court")
        .annotate(category_count=Count("categories", distinct=True), problem_count=Count("problems", distinct=True))
        .order_by("-feedback_date", "-id")
    )
    counts = {
        row["review_id"]: row
        for row in measures_visible_to(user, mine=mine)
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
        if not whole:
            # Staff, and a leader's 我分管, see the part of the tree their measures are in (as review_tree does).
            review.category_count = row.get("visible_categories", 0)
            review.problem_count = row.get("visible_problems", 0)
        review.measure_count = row.get("measure_count", 0)
        review.closed_count = row.get("closed_count", 0)
        review.ongoing_count = row.get("ongoing_count", 0)
    return reviews


def review_tree(user: User, review: Review, *, mine: bool = False) -> list[Category]:
    """Categories → problems → the measures the user sees, in four queries whatever the size."""
    measures = (
        measures_visible_to(user, mine=mine)
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
    if not measure_scope(user, mine=mine).whole_reviews:
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


def measure_list(user: User, *, mine: bool = False) -> QuerySet[Measure]:
    """The rows of 我的整改任务: what a user sees, with what each row shows, in one query."""
    return measures_visible_to(user, mine=mine).select_related("review", "problem", "responsible_leader", "lead_department")


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
    """待我审批: close-outs at the stage this user signs, and extensions for the office.

    Only what the workflow would accept from this user: a leader's own part (我分管) at the first
    step, the office's court tree at the second, and never a close-out he applied for or signed first.
    """
    from .models import CloseOut, Extension

    stage_q = Q(pk__in=[])
    if user.is_court_leader:
        stage_q |= Q(stage=CloseOut.Stage.PENDING_LEADER, measure__in=measures_visible_to(user, mine=True))
    if user.has_role(Role.RECTIFICATION_OFFICE):
        stage_q |= Q(stage=CloseOut.Stage.PENDING_OFFICE, measure__in=measures_visible_to(user))
    closeouts = (
        CloseOut.objects.filter(stage_q)
        .exclude(requested_by=user)
        .exclude(stage=CloseOut.Stage.PENDING_OFFICE, leader_decided_by=user)
        .select_related("measure__lead_department", "measure__responsible_leader", "measure__review", "requested_by")
        .prefetch_related("evidence")
        .order_by("requested_at")
    )
    extensions = Extension.objects.none()
    if user.has_role(Role.RECTIFICATION_OFFICE):
        extensions = (
            Extension.objects.filter(decision=Extension.Decision.PENDING, measure__in=measures_visible_to(user))
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


def page_scope(user: User, params) -> dict:
    """What a counting page says it counts, and its 全院 / 我分管 switch (templates/measures/_scope.html).

    ``params`` is the page's query string; the switch links keep its filters and drop the page cursor.
    """
    scope = measure_scope(user, mine=wants_mine(params))
    query = params.copy() if hasattr(params, "copy") else dict(params)
    for key in ("after", SCOPE_PARAM):
        query.pop(key, None)
    all_query = query.urlencode() if hasattr(query, "urlencode") else ""
    query[SCOPE_PARAM] = SCOPE_MINE
    mine_query = query.urlencode() if hasattr(query, "urlencode") else f"{SCOPE_PARAM}={SCOPE_MINE}"
    prefix = f"{SCOPE_PARAM}={SCOPE_MINE}&" if scope.mine else ""  # for links that start a new query
    return {"scope": scope, "all_query": all_query, "mine_query": mine_query, "prefix": prefix}


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
