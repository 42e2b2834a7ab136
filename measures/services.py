"""Writes that span several measures; each row still goes through measures.workflow."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from issues.services import reorder_plan

from . import workflow
from .models import Measure


@dataclass
class BulkReport:
    done: list[Measure] = field(default_factory=list)
    refused: list[tuple[Measure, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


class _RollBack(Exception):
    pass


def measures_bulk_apply(
    *, actor: User, measures: list[Measure], action: str, note: str = "", percent: int | None = None
) -> BulkReport:
    """All or nothing: if any row is refused, nothing is written and every refusal is reported."""
    report = BulkReport()
    try:
        with transaction.atomic():
            for measure in measures:
                try:
                    with transaction.atomic():
                        if action == "start":
                            workflow.measure_start(measure=measure, actor=actor)
                        elif action == "progress":
                            workflow.measure_report_progress(
                                measure=measure, actor=actor, note=note, percent=percent
                            )
                        else:
                            raise workflow.WorkflowError(f"unknown action {action!r}", field="action")
                    report.done.append(measure)
                except workflow.WorkflowError as error:
                    report.refused.append((measure, error.message))
            if report.refused:
                raise _RollBack
    except _RollBack:
        report.done = []
    return report


def measure_move(*, measure: Measure, actor: User, direction: str) -> bool:
    """Move a measure one place up or down among its problem's measures (整改办 only).

    The siblings are locked first, then each changed ``order`` goes through
    ``workflow.measure_update``, so the move bumps versions and is in the history with the actor.
    Returns False when the measure is already first/last.
    """
    if not workflow.is_rectification_office_for(actor, measure):
        raise workflow.WorkflowPermissionError(_("Only the rectification office can reorder measures."))
    with transaction.atomic():
        siblings = list(
            Measure.objects.select_for_update().filter(problem_id=measure.problem_id).order_by("order", "id")
        )
        plan = reorder_plan(siblings, measure.pk, direction)
        by_pk = {m.pk: m for m in siblings}
        for pk, order in plan.items():
            workflow.measure_update(measure=by_pk[pk], actor=actor, changes={"order": order}, expected_version=None)
    return bool(plan)
