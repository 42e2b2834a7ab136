"""批示 and 督办意见: a court leader's instruction, or the discipline office's supervision note, on a
problem or a measure (the writes, and the read the measure page needs).

Who may write them is decided here, from the one scope definition (measures.selectors):
- 党组书记: 批示 on any measure of his court tree;
- 院领导: 批示 on the measures he leads or whose lead department he supervises (我分管);
- 纪检组: 督办意见 on any measure of its court tree. It presses; it never moves a status.
- 催办: a court leader (on what he may instruct) or the rectification office (its court tree) chases an open
  measure's owner with a note; the owner, or the lead department when it has none, is notified at once.
"""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record

from .models import Instruction, Measure
from .selectors import measures_visible_to
from .workflow import WorkflowError, WorkflowPermissionError, is_rectification_office_for


def can_instruct(user: User, measure: Measure) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.PARTY_SECRETARY):
        return measures_visible_to(user).filter(pk=measure.pk).exists()
    if user.has_role(Role.LEADER):
        return measures_visible_to(user, mine=True).filter(pk=measure.pk).exists()
    return False


def can_supervise(user: User, measure: Measure) -> bool:
    return (
        user.is_authenticated
        and user.has_role(Role.DISCIPLINE_OFFICE)
        and measures_visible_to(user).filter(pk=measure.pk).exists()
    )


def can_chase(user: User, measure: Measure) -> bool:
    if not user.is_authenticated or not measure.is_open:
        return False
    return can_instruct(user, measure) or is_rectification_office_for(user, measure)


# Audit actions (plain strings: audit.models.AuditEvent.Action lists the labels the audit log shows).
AUDIT_ACTIONS = {
    Instruction.Kind.INSTRUCTION: "instruction_given",
    Instruction.Kind.SUPERVISION: "supervision_noted",
    Instruction.Kind.CHASE: "measure_chased",
}


def _write(*, kind: str, author: User, measure: Measure, text: str, on_problem: bool) -> Instruction:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("The text cannot be empty."), field="text")
    target = {"problem_id": measure.problem_id} if on_problem else {"measure": measure}
    with transaction.atomic():
        note = Instruction.objects.create(kind=kind, author=author, text=text, **target)
        audit_record(action=AUDIT_ACTIONS[kind], actor=author, obj=note,
                     detail={"measure": measure.pk, "problem": measure.problem_id, "on_problem": on_problem})
        return note


def instruction_give(*, author: User, measure: Measure, text: str, on_problem: bool = False) -> Instruction:
    """批示 on a measure, or (``on_problem``) on that measure's whole problem."""
    if not can_instruct(author, measure):
        raise WorkflowPermissionError(
            _("Only the party secretary, or a court leader who leads this measure or supervises its lead "
              "department, can give instructions on it.")
        )
    return _write(kind=Instruction.Kind.INSTRUCTION, author=author, measure=measure, text=text,
                  on_problem=on_problem)


def supervision_note_add(*, author: User, measure: Measure, text: str, on_problem: bool = False) -> Instruction:
    """督办意见 of the discipline office on a measure (or its problem); the measure's status is untouched."""
    if not can_supervise(author, measure):
        raise WorkflowPermissionError(_("Only the discipline office of this court can add a supervision note."))
    return _write(kind=Instruction.Kind.SUPERVISION, author=author, measure=measure, text=text,
                  on_problem=on_problem)


def chase_recipients(measure: Measure) -> list[int]:
    """Who is pressed: the measure's owner; with no owner, its lead department's staff and head."""
    if measure.owner_id:
        return [measure.owner_id]
    if not measure.lead_department_id:
        return []
    return list(
        User.objects.filter(department_id=measure.lead_department_id, is_active=True)
        .filter(Q(roles__contains=[Role.STAFF]) | Q(roles__contains=[Role.DEPARTMENT_HEAD]))
        .values_list("pk", flat=True)
    )


def measure_chase(*, author: User, measure: Measure, text: str) -> Instruction:
    """催办: recorded on the measure's page, audited, counted on the dashboard, and the people pressed are told at
    once (in the app; by email and SMS through the usual delivery)."""
    from notifications.services import enqueue_delivery, notifications_create

    if not can_chase(author, measure):
        raise WorkflowPermissionError(
            _("Only a court leader responsible for this measure or the rectification office can chase it, and only "
              "while it is open.")
        )
    with transaction.atomic():
        note = _write(kind=Instruction.Kind.CHASE, author=author, measure=measure, text=text, on_problem=False)
        recipients = [pk for pk in chase_recipients(measure) if pk != author.pk]
        title = _("Chased by %(who)s: %(measure)s") % {"who": author, "measure": measure.text[:40]}
        item = {"measure": measure.pk, "text": measure.text[:200], "note": note.text}
        ids = notifications_create(batch_key=f"chase:{note.pk}",
                                   digests={pk: {"title": title, "body": note.text, "items": [item]} for pk in recipients})
        enqueue_delivery(ids)
    return note


def instructions_for_measure(measure: Measure) -> QuerySet[Instruction]:
    """What the measure's page shows: its own and its problem's instructions and supervision notes."""
    return (
        Instruction.objects.filter(Q(measure_id=measure.pk) | Q(problem_id=measure.problem_id))
        .select_related("author")
        .order_by("-created_at", "-id")
    )
