"""Writes for setting a review up: reviews, findings, categories, problems and their order.

Every function checks that the actor is the rectification office (整改办) of the review's court or
a court above it, validates the whole change before writing (``ValidationError`` naming the field),
and writes in one transaction, so a refused change leaves nothing half-written. Views, imports and
the API call these; nothing else saves these models for the office.
"""

from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import Court, Role, User
from audit.services import audit_record

from .models import Category, Finding, Problem, Review

REVIEW_FIELDS = (
    "title", "source", "issuing_body", "period_start", "period_end", "feedback_date", "deadline",
    "leading_group", "status", "reminder_days", "reminder_working_days", "escalation_days", "lookback_months",
    "bulletin_frequency",
)
FINDING_FIELDS = ("text", "aspect", "benchmark_practice", "gap")
PROBLEM_FIELDS = ("category", "description", "root_cause", "responsible_leader", "lead_department")

UP, DOWN = "up", "down"


# --- who may do what ---------------------------------------------------------------------------

def is_rectification_office_for(actor: User, court_id: int) -> bool:
    return (
        actor.is_active
        and actor.has_role(Role.RECTIFICATION_OFFICE)
        and actor.court_id is not None
        and court_id in actor.court_tree_ids()
    )


def _require_office(actor: User, court_id: int) -> None:
    if not is_rectification_office_for(actor, court_id):
        raise PermissionDenied(_("Only the rectification office of this court can set up its reviews."))


# --- helpers -------------------------------------------------------------------------------------

def _refuse_unknown(values: dict, allowed: Sequence[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _next_order(queryset: models.QuerySet) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


def _check_people(court_id: int, *, responsible_leader=None, lead_department=None, supporting_departments=()):
    """Leaders and departments must belong to the review's court."""
    errors = {}
    if responsible_leader is not None and (
        responsible_leader.court_id != court_id or not responsible_leader.is_court_leader
    ):
        errors["responsible_leader"] = _("Choose a leader of this court.")
    if lead_department is not None and lead_department.court_id != court_id:
        errors["lead_department"] = _("Choose a department of this court.")
    if any(d.court_id != court_id for d in supporting_departments):
        errors["supporting_departments"] = _("Choose departments of this court.")
    if errors:
        raise ValidationError(errors)


def _check_same_review(review_id: int, items: Iterable, field: str) -> None:
    if any(item.review_id != review_id for item in items):
        raise ValidationError({field: _("Choose from this review only.")})


def _save(obj: models.Model, actor: User, fields: Iterable[str] | None = None) -> None:
    """Save and audit: created, or which fields changed (their values are in the object's history)."""
    created = obj.pk is None
    obj._history_user = actor  # read by django-simple-history where the model keeps history
    obj.save()
    audit_record(action=f"{obj._meta.model_name}_changed", actor=actor, obj=obj,
                 detail={"created": True} if created else {"fields": sorted(fields or [])})


# --- reviews -----------------------------------------------------------------------------------

def review_create(*, actor: User, court: Court, **values) -> Review:
    _refuse_unknown(values, REVIEW_FIELDS)
    _require_office(actor, court.pk)
    review = Review(court=court, **values)
    review.full_clean()
    with transaction.atomic():
        _save(review, actor)
    return review


def review_update(*, review: Review, actor: User, court: Court | None = None, **changes) -> Review:
    _refuse_unknown(changes, REVIEW_FIELDS)
    _require_office(actor, review.court_id)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if court is not None and court.pk != review.court_id:
            _require_office(actor, court.pk)
            if review.measures.exists() or review.problems.filter(lead_department__isnull=False).exists():
                raise ValidationError(
                    {"court": _("Problems and measures are assigned already; the court cannot change now.")}
                )
            review.court = court
        for name, value in changes.items():
            setattr(review, name, value)
        review.full_clean()
        _save(review, actor, [*changes, *(["court"] if court is not None else [])])
    return review


# --- findings ----------------------------------------------------------------------------------

def finding_create(*, review: Review, actor: User, problems: Iterable[Problem] = (), **values) -> Finding:
    _refuse_unknown(values, FINDING_FIELDS)
    _require_office(actor, review.court_id)
    problems = list(problems)
    _check_same_review(review.pk, problems, "problems")
    with transaction.atomic():
        finding = Finding(review=review, order=_next_order(review.findings.all()), **values)
        finding.full_clean()
        _save(finding, actor)
        finding.problems.set(problems)
    return finding


def finding_update(*, finding: Finding, actor: User, problems: Iterable[Problem] | None = None, **changes) -> Finding:
    _refuse_unknown(changes, FINDING_FIELDS)
    _require_office(actor, finding.review.court_id)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(finding, name, value)
        finding.full_clean()
        _save(finding, actor, [*changes, *(["problems"] if problems is not None else [])])
        if problems is not None:
            finding_link_problems(finding=finding, actor=actor, problems=problems)
    return finding


def finding_link_problems(*, finding: Finding, actor: User, problems: Iterable[Problem]) -> Finding:
    """Trace a finding to the problem(s) it became; an empty list leaves it untraced."""
    _require_office(actor, finding.review.court_id)
    problems = list(problems)
    _check_same_review(finding.review_id, problems, "problems")
    with transaction.atomic():
        finding.problems.set(problems)
        audit_record(action="finding_changed", actor=actor, obj=finding,
                     detail={"fields": ["problems"], "problems": sorted(p.pk for p in problems)})
    return finding


# --- categories and problems -------------------------------------------------------------------

def category_create(*, review: Review, actor: User, name: str) -> Category:
    _require_office(actor, review.court_id)
    category = Category(review=review, name=(name or "").strip(), order=_next_order(review.categories.all()))
    category.full_clean()
    with transaction.atomic():
        category.save()
        audit_record(action="category_changed", actor=actor, obj=category,
                     detail={"review": review.pk, "created": True, "name": category.name})
    return category


def category_update(*, category: Category, actor: User, name: str) -> Category:
    _require_office(actor, category.review.court_id)
    before = Category.objects.filter(pk=category.pk).values_list("name", flat=True).first()
    category.name = (name or "").strip()
    category.full_clean()
    if category.name == before:
        return category  # nothing changed: nothing to save or audit
    with transaction.atomic():
        category.save(update_fields=["name"])
        audit_record(action="category_changed", actor=actor, obj=category,
                     detail={"review": category.review_id, "name": [before, category.name]})
    return category


def problem_create(
    *,
    category: Category,
    actor: User,
    description: str,
    root_cause: str = "",
    responsible_leader: User | None = None,
    lead_department=None,
    supporting_departments: Iterable = (),
    findings: Iterable[Finding] = (),
) -> Problem:
    review = category.review
    _require_office(actor, review.court_id)
    supporting_departments, findings = list(supporting_departments), list(findings)
    _check_people(
        review.court_id, responsible_leader=responsible_leader, lead_department=lead_department,
        supporting_departments=supporting_departments,
    )
    _check_same_review(review.pk, findings, "findings")
    problem = Problem(
        category=category, review=review, description=(description or "").strip(), root_cause=root_cause,
        responsible_leader=responsible_leader, lead_department=lead_department,
        order=_next_order(category.problems.all()),
    )
    problem.full_clean()
    with transaction.atomic():
        _save(problem, actor)
        problem.supporting_departments.set(supporting_departments)
        problem.findings.set(findings)
    return problem


def problem_update(
    *,
    problem: Problem,
    actor: User,
    supporting_departments: Iterable | None = None,
    findings: Iterable[Finding] | None = None,
    **changes,
) -> Problem:
    _refuse_unknown(changes, PROBLEM_FIELDS)
    review = problem.review
    _require_office(actor, review.court_id)
    category = changes.get("category")
    if category is not None and category.review_id != review.pk:
        raise ValidationError({"category": _("Choose a category of this review.")})
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    supporting = None if supporting_departments is None else list(supporting_departments)
    _check_people(
        review.court_id, responsible_leader=changes.get("responsible_leader"),
        lead_department=changes.get("lead_department"), supporting_departments=supporting or (),
    )
    if findings is not None:
        findings = list(findings)
        _check_same_review(review.pk, findings, "findings")
    with transaction.atomic():
        if category is not None and category.pk != problem.category_id:
            problem.order = _next_order(category.problems.all())
        for name, value in changes.items():
            setattr(problem, name, value)
        problem.full_clean()
        _save(problem, actor, [*changes, *(["supporting_departments"] if supporting is not None else []),
                               *(["findings"] if findings is not None else [])])
        if supporting is not None:
            problem.supporting_departments.set(supporting)
        if findings is not None:
            problem.findings.set(findings)
    return problem


# --- order -------------------------------------------------------------------------------------

def reorder_plan(siblings: Sequence[models.Model], obj_pk: int, direction: str) -> dict[int, int]:
    """The new ``order`` of each sibling that changes when ``obj_pk`` moves one place up or down.

    ``siblings`` come sorted by (order, id). When their orders are distinct the two neighbours swap
    values; when some are equal (rows made with the default 0) the whole group is renumbered 1..n,
    because swapping two equal numbers would move nothing.
    """
    if direction not in (UP, DOWN):
        raise ValidationError({"direction": _("Move up or down.")})
    pks = [s.pk for s in siblings]
    i = pks.index(obj_pk)
    j = i - 1 if direction == UP else i + 1
    if not 0 <= j < len(pks):
        return {}
    old = {s.pk: s.order for s in siblings}
    if len(set(old.values())) == len(old):
        return {pks[i]: old[pks[j]], pks[j]: old[pks[i]]}
    pks[i], pks[j] = pks[j], pks[i]
    return {pk: n for n, pk in enumerate(pks, start=1) if old[pk] != n}


# The sibling group of each orderable model of this app: a category among its review's, and so on.
_SIBLING_PARENT = {Category: "review", Finding: "review", Problem: "category"}


def siblings_move(*, obj: Category | Problem | Finding, actor: User, direction: str) -> bool:
    """Move a category, problem or finding one place up or down among its siblings.

    Returns False when it is already first/last. The siblings are locked, so two clicks at once
    cannot leave duplicate numbers. Measures move through ``measures.services.measure_move``, which
    goes through the workflow like every other measure edit.
    """
    model = type(obj)
    if model not in _SIBLING_PARENT:
        raise TypeError(f"{model.__name__} is not ordered here")
    review = obj.review
    _require_office(actor, review.court_id)
    parent = _SIBLING_PARENT[model]
    with transaction.atomic():
        siblings = list(
            model.objects.select_for_update()
            .filter(**{f"{parent}_id": getattr(obj, f"{parent}_id")})
            .order_by("order", "id")
            .only("pk", "order")
        )
        plan = reorder_plan(siblings, obj.pk, direction)
        for pk, order in plan.items():
            model.objects.filter(pk=pk).update(order=order)
        if plan:  # the outline numbers (一、（一）) of the moved rows change: audited like any other edit
            audit_record(action=f"{model._meta.model_name}_changed", actor=actor, obj=obj,
                         detail={"fields": ["order"], "direction": direction,
                                 "orders": {str(pk): order for pk, order in plan.items()}})
    return bool(plan)
