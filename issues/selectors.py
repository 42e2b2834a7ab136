"""Reads for setting reviews up: what the rectification office may touch, in bounded queries.

Roll-ups over measures go through the reverse relations by name (``problem.measures``), so this
app never imports ``measures`` (layers point one way: issues ← measures ← reports).
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from accounts.models import Court, Department, Role, User

from .models import Category, Finding, Problem, Review


def setup_court_ids(user: User) -> list[int]:
    """The courts whose reviews this user sets up: their court and those below it, if they are 整改办."""
    if not (user.is_authenticated and user.is_active and user.has_role(Role.RECTIFICATION_OFFICE)):
        return []
    return user.court_tree_ids()


def courts_for_setup(user: User) -> QuerySet[Court]:
    return Court.objects.filter(pk__in=setup_court_ids(user)).order_by("id")


def reviews_for_setup(user: User) -> QuerySet[Review]:
    return Review.objects.filter(court_id__in=setup_court_ids(user))


def categories_for_setup(user: User) -> QuerySet[Category]:
    return Category.objects.filter(review__court_id__in=setup_court_ids(user))


def problems_for_setup(user: User) -> QuerySet[Problem]:
    return Problem.objects.filter(review__court_id__in=setup_court_ids(user))


def findings_for_setup(user: User) -> QuerySet[Finding]:
    return Finding.objects.filter(review__court_id__in=setup_court_ids(user))


def leaders_of(court_id: int) -> QuerySet[User]:
    leaders = [Role.PARTY_SECRETARY, Role.LEADER]
    return User.objects.filter(court_id=court_id, is_active=True, roles__overlap=leaders).order_by("id")


def people_of(court_id: int) -> QuerySet[User]:
    return User.objects.filter(court_id=court_id, is_active=True).select_related("department").order_by("id")


def departments_of(court_id: int) -> QuerySet[Department]:
    return Department.objects.filter(court_id=court_id)


def review_setup_list(user: User) -> list[Review]:
    """The office's reviews with "N categories, N problems, N measures" and untraced findings, one query."""
    untraced = Finding.objects.filter(review=OuterRef("pk"), problems__isnull=True)
    return list(
        reviews_for_setup(user)
        .select_related("court")
        .annotate(
            category_count=Count("categories", distinct=True),
            problem_count=Count("problems", distinct=True),
            measure_count=Count("measures", distinct=True),
            finding_count=Count("findings", distinct=True),
            has_untraced=Exists(untraced),
        )
        .order_by("-feedback_date", "-id")
    )


def review_setup_tree(review: Review) -> tuple[list[Finding], list[Category]]:
    """Findings with the problems they became, and categories → problems → measures.

    A fixed number of queries whatever the size of the review (asserted in the tests).
    """
    findings = list(
        review.findings.order_by("order", "id").prefetch_related(
            Prefetch("problems", queryset=Problem.objects.select_related("category").order_by("order", "id"))
        )
    )
    problems = (
        Problem.objects.select_related("responsible_leader", "lead_department")
        .prefetch_related(
            "supporting_departments",
            Prefetch("findings", queryset=Finding.objects.order_by("order", "id")),
            # The measure model is reached through the reverse relation: issues does not import measures.
            Prefetch(
                "measures",
                queryset=review.measures.model.objects.select_related("lead_department", "owner").order_by(
                    "order", "id"
                ),
                to_attr="ordered_measures",
            ),
        )
        .order_by("order", "id")
    )
    categories = list(
        review.categories.order_by("order", "id").prefetch_related(
            Prefetch("problems", queryset=problems, to_attr="ordered_problems")
        )
    )
    return findings, categories

