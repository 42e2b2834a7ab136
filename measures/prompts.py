"""工作提示单: issuing numbered prompt sheets to departments and confirming they were read."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from issues.models import Review

from .models import WorkPrompt, WorkPromptReceipt
from .workflow import WorkflowError, WorkflowPermissionError


def prompt_issue(*, review: Review, actor: User, title: str, body: str, departments) -> WorkPrompt:
    """Numbers have no gaps or duplicates per review: the review row is locked while numbering."""
    if not actor.has_role(Role.RECTIFICATION_OFFICE):
        raise WorkflowPermissionError(_("Only the rectification office issues prompt sheets."))
    if not (title or "").strip():
        raise WorkflowError(_("The title cannot be empty."), field="title")
    if not (body or "").strip():
        raise WorkflowError(_("The content cannot be empty."), field="body")
    departments = list(departments)
    if not departments:
        raise WorkflowError(_("Choose at least one department."), field="departments")
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=review.pk)
        number = (review.prompts.aggregate(n=Max("number"))["n"] or 0) + 1
        prompt = WorkPrompt.objects.create(review=review, number=number, title=title.strip(), body=body.strip(),
                                           issued_by=actor)
        WorkPromptReceipt.objects.bulk_create(WorkPromptReceipt(prompt=prompt, department=d) for d in departments)
        audit_record(action="prompt_issued", actor=actor, obj=prompt, detail={
            "review": review.pk, "number": number, "title": prompt.title, "body": prompt.body,
            "departments": sorted(d.pk for d in departments),
        })
        return prompt


def prompt_confirm_read(*, prompt: WorkPrompt, actor: User) -> WorkPromptReceipt:
    """Idempotent: the first confirmation from the department is kept."""
    with transaction.atomic():
        receipt = (
            WorkPromptReceipt.objects.select_for_update()
            .filter(prompt=prompt, department_id=actor.department_id)
            .first()
        )
        if receipt is None:
            raise WorkflowPermissionError(_("This prompt sheet was not sent to your department."))
        if receipt.read_at is None:
            receipt.read_by, receipt.read_at = actor, timezone.now()
            receipt.save(update_fields=["read_by", "read_at"])
            audit_record(action="prompt_read", actor=actor, obj=prompt,
                         detail={"department": receipt.department_id})
        return receipt
