"""批示: a court leader's instruction on a problem or a measure (a write, and the read its pages need)."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record

from .models import Instruction, Measure
from .selectors import measures_visible_to
from .workflow import WorkflowError, WorkflowPermissionError


def can_instruct(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.LEADER)


def instruction_give(*, author: User, measure: Measure, text: str, on_problem: bool = False) -> Instruction:
    """A leader instructs on a measure they can see, or (``on_problem``) on that measure's whole problem."""
    if not can_instruct(author) or not measures_visible_to(author).filter(pk=measure.pk).exists():
        raise WorkflowPermissionError(_("Only a court leader responsible for this measure can give instructions."))
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("The instruction cannot be empty."), field="text")
    target = {"problem_id": measure.problem_id} if on_problem else {"measure": measure}
    with transaction.atomic():
        instruction = Instruction.objects.create(author=author, text=text, **target)
        audit_record(action="instruction_given", actor=author, obj=instruction,
                     detail={"measure": measure.pk, "problem": measure.problem_id, "on_problem": on_problem,
                             "text": text})
        return instruction


def instructions_for_measure(measure: Measure) -> QuerySet[Instruction]:
    """What the responsible department sees on the measure's page: its own and its problem's instructions."""
    return (
        Instruction.objects.filter(Q(measure_id=measure.pk) | Q(problem_id=measure.problem_id))
        .select_related("author")
        .order_by("-created_at", "-id")
    )
