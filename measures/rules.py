"""制度成果: the register of rules adopted through rectification.

Who registers a rule: the rectification office, for any measure of its court tree; a department's staff
or head, for measures their department leads (the rule is "the new rule adopted" of seed 003, usually
reported with the close-out). Every registration is audited; the file is checked like evidence and
its SHA-256 kept, so a download can prove it is the document that was registered.
"""

import datetime
import hashlib
from collections.abc import Sequence
from pathlib import PurePath

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Department, Role, User
from audit.services import audit_record
from issues.models import Problem, Review

from . import selectors
from .evidence import evidence_validate
from .models import Measure, Rule, local_today
from .workflow import WorkflowError, WorkflowPermissionError, is_department_member_for, is_office_for_court


def rules_visible_to(user: User) -> QuerySet[Rule]:
    """Rules linked to a measure the user sees, or to a problem of a review the user sees: the one scope rule
    of measures.selectors, nothing of its own."""
    if not user.is_authenticated:
        return Rule.objects.none()
    return Rule.objects.filter(
        Q(measures__in=selectors.measures_visible_to(user))
        | Q(problems__category__review__in=selectors.reviews_visible_to(user))
    ).distinct()


def rules_for_review(review: Review) -> QuerySet[Rule]:
    """The rules counted for a review: linked to one of its measures or problems."""
    return Rule.objects.filter(
        Q(measures__review=review) | Q(problems__category__review=review)
    ).distinct()


def can_register_for(actor: User, measure: Measure) -> bool:
    return is_office_for_court(actor, measure.review.court_id) or (
        actor.has_role(Role.STAFF, Role.DEPARTMENT_HEAD) and is_department_member_for(actor, measure)
    )


def rule_register(
    *, actor: User, name: str, adopted_on: datetime.date, measures: Sequence[Measure],
    problems: Sequence[Problem] = (), document_number: str = "", issuing_department: Department | None = None,
    file=None,
) -> Rule:
    name = (name or "").strip()
    if not name:
        raise WorkflowError(_("Give the rule's name."), field="name")
    if not measures:
        raise WorkflowError(_("Link the rule to at least one measure it answers."), field="measures")
    for measure in measures:
        if not can_register_for(actor, measure):
            raise WorkflowPermissionError(
                _("You may register rules only for measures your department leads or your office oversees.")
            )
    courts = {m.review.court_id for m in measures}
    if len(courts) != 1:
        raise WorkflowError(_("A rule belongs to one court: link measures of one court only."), field="measures")
    court_id = courts.pop()
    if adopted_on > local_today():
        raise WorkflowError(_("The adoption date cannot be in the future."), field="adopted_on")
    if issuing_department is not None and issuing_department.court_id != court_id:
        raise WorkflowError(_("The issuing department belongs to another court."), field="issuing_department")
    if any(p.category.review.court_id != court_id for p in problems):
        raise WorkflowError(_("A linked problem belongs to another court."), field="problems")
    if Rule.objects.filter(court_id=court_id, name=name).exists():
        raise WorkflowError(_("This court has already registered a rule of that name."), field="name")
    digest = ""
    if file is not None:
        evidence_validate([file])  # the same content, size and archive checks as evidence
        sha = hashlib.sha256()
        file.seek(0)
        for chunk in file.chunks():
            sha.update(chunk)
        file.seek(0)
        digest = sha.hexdigest()
    with transaction.atomic():
        rule = Rule(
            court_id=court_id, name=name, document_number=(document_number or "").strip(), adopted_on=adopted_on,
            issuing_department=issuing_department, registered_by=actor, sha256=digest,
            original_name=PurePath(file.name).name[:255] if file is not None else "",
        )
        if file is not None:
            rule.file.save(file.name, file, save=False)
        rule.save()
        rule.measures.set(measures)
        rule.problems.set(problems)
        audit_record(action="rule_registered", actor=actor, obj=rule, detail={
            "name": rule.name, "document_number": rule.document_number, "measures": [m.pk for m in measures],
            "problems": [p.pk for p in problems], "sha256": digest,
        })
    return rule


def rule_file_intact(rule: Rule) -> bool:
    if not rule.file:
        return False
    sha = hashlib.sha256()
    try:
        with rule.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                sha.update(chunk)
    except OSError:
        return False
    return sha.hexdigest() == rule.sha256
