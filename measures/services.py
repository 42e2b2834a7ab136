"""Writes that span several measures; each row still goes through measures.workflow."""

from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import User

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
