"""The measure workflow: the only code that changes a measure's status.

未启动 → 推进中 → 申请销号 → (responsible leader) → (rectification office) → 已销号
                  ↖———— 退回 (with a reason) ————↙
已销号 → 回头看 → 反弹 reopens it (推进中), counted in ``relapse_count``.
长期坚持 measures go to 持续推进 and are never closed.

Every function here locks the measure row, checks the actor's right, validates, writes the change
with actor and note into the measure's history (django-simple-history), and raises
``WorkflowError`` (naming the field) for anything illegal — so views, the API, bulk actions,
imports and tasks all get the same answer. Asking for the state a measure is already in is a no-op.
"""

import datetime
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import Role, User
from audit.services import audit_record, audit_record_many
from issues.models import Problem, Review

from .evidence import evidence_attach, evidence_validate
from .freshness import measures_changed
from .models import CloseOut, Extension, LookBack, Measure, ProgressReport, local_today

S = Measure.Status


class WorkflowError(Exception):
    """An illegal move. ``field`` names the form/API field at fault, or None for the whole request."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class WorkflowPermissionError(WorkflowError):
    code = "forbidden"


class StaleMeasureError(WorkflowError):
    """The measure changed since the form was loaded; carries the current row."""

    code = "stale"

    def __init__(self, measure: Measure):
        super().__init__(_("This measure was changed by someone else since you opened it."))
        self.measure = measure


# --- who may do what -------------------------------------------------------------------------
# Separation of duties (所有规则只在这里): whoever does a piece of work never approves it; the two
# sign-offs of a close-out are two different people; the responsible leader is a court leader of the
# measure's court; the office never makes itself the owner or the leader of what it will approve; and
# the discipline office (监督责任) oversees but never moves a status.

def _in_court_tree(actor: User, court_id: int) -> bool:
    return court_id in actor.court_tree_ids()


def is_office_for_court(actor: User, court_id: int) -> bool:
    """The rectification office of this court or of a court above it."""
    return actor.has_role(Role.RECTIFICATION_OFFICE) and _in_court_tree(actor, court_id)


def is_rectification_office_for(actor: User, measure: Measure) -> bool:
    return is_office_for_court(actor, measure.review.court_id)


def is_department_member_for(actor: User, measure: Measure) -> bool:
    """Staff and heads of the lead department, and the measure's owner."""
    if measure.owner_id == actor.pk:
        return True
    return (
        actor.has_role(Role.STAFF, Role.DEPARTMENT_HEAD)
        and actor.department_id is not None
        and actor.department_id == measure.lead_department_id
    )


def is_responsible_leader_for(actor: User, measure: Measure) -> bool:
    """A court leader who leads this measure (责任领导) or supervises its lead department (分管)."""
    if not actor.is_court_leader:
        return False
    if measure.responsible_leader_id == actor.pk:
        return True
    return measure.lead_department_id is not None and actor.supervised_departments.filter(
        pk=measure.lead_department_id).exists()


def is_supervisor_only(actor: User) -> bool:
    """纪检组 oversees; unless it also holds a role that does the work, it never moves a status."""
    return actor.has_role(Role.DISCIPLINE_OFFICE) and not actor.has_role(
        Role.STAFF, Role.DEPARTMENT_HEAD, Role.PARTY_SECRETARY, Role.LEADER, Role.RECTIFICATION_OFFICE
    )


def closeout_approval_refusal(actor: User, measure: Measure, closeout: CloseOut) -> str | None:
    """Why ``actor`` may not sign the pending step of ``closeout``, or None when he may (one rule,
    for the workflow and for the pages that offer the buttons)."""
    if closeout.requested_by_id == actor.pk:
        return _("You applied for this close-out; someone else must approve it.")
    if closeout.stage == CloseOut.Stage.PENDING_LEADER:
        if not is_responsible_leader_for(actor, measure):
            return _("Only the responsible leader can sign off this close-out first.")
        if measure.owner_id == actor.pk:
            return _("You are the owner of this measure; someone else must approve its close-out.")
        return None
    if not is_rectification_office_for(actor, measure):
        return _("Only the rectification office can close a measure.")
    if closeout.leader_decided_by_id == actor.pk:
        return _("You signed the first step; the second sign-off must be by someone else.")
    if actor.pk in (measure.owner_id, measure.responsible_leader_id):
        return _("You are the owner or the responsible leader of this measure; someone else in the "
                 "rectification office must close it.")
    return None


def can_report_progress(actor: User, measure: Measure) -> bool:
    if is_department_member_for(actor, measure) or is_rectification_office_for(actor, measure):
        return True
    return (
        actor.has_role(Role.STAFF, Role.DEPARTMENT_HEAD)
        and measure.supporting_departments.filter(pk=actor.department_id).exists()
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise WorkflowPermissionError(message)


def _require_not_supervisor(actor: User) -> None:
    _require(not is_supervisor_only(actor),
             _("The discipline office supervises rectification; it does not change a measure's status."))


# --- plumbing ----------------------------------------------------------------------------------

@contextmanager
def _locked(measure: Measure, expected_version: int | None):
    """Lock the row and hand back the current state; refuse a stale form."""
    with transaction.atomic():
        current = (
            Measure.objects.select_for_update(of=("self",))
            .select_related("review", "problem")
            .get(pk=measure.pk)
        )
        if expected_version is not None and current.version != expected_version:
            raise StaleMeasureError(current)
        yield current


def _save(measure: Measure, actor: User, note: str) -> None:
    measure.version += 1
    measure._history_user = actor
    measure._change_reason = (note or "")[:100]
    measure.save()
    # Same transaction as the change: if the audit row cannot be written, the change rolls back.
    audit_record(action="measure_changed", actor=actor, obj=measure,
                 detail={"status": measure.status, "version": measure.version, "note": note or ""})


# --- transitions -------------------------------------------------------------------------------

def measure_start(*, measure: Measure, actor: User, expected_version: int | None = None) -> Measure:
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        _require(can_report_progress(actor, m), _("Only the lead department can start this measure."))
        target = S.ONGOING if m.type == Measure.Type.ONGOING else S.IN_PROGRESS
        if m.status == target:
            return m
        if m.status != S.NOT_STARTED:
            raise WorkflowError(_("Only a measure that has not started can be started."), field="status")
        m.status = target
        _save(m, actor, _("Started"))
        return m


def measure_report_progress(
    *,
    measure: Measure,
    actor: User,
    note: str,
    percent: int,
    files: Sequence = (),
    expected_version: int | None = None,
) -> ProgressReport:
    note = (note or "").strip()
    if not note:
        raise WorkflowError(_("Please describe the progress."), field="note")
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise WorkflowError(_("Progress must be a whole number between 0 and 100."), field="percent") from None
    if not 0 <= percent <= 100:
        raise WorkflowError(_("Progress must be between 0 and 100."), field="percent")
    evidence_validate(files)
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        _require(can_report_progress(actor, m), _("You may not report progress on this measure."))
        if m.status == S.CLOSED:
            raise WorkflowError(_("This measure is closed; a relapse must reopen it first."), field="status")
        report = ProgressReport.objects.create(measure=m, author=actor, note=note, percent=int(percent))
        evidence_attach(files, measure=m, actor=actor, progress_report=report)
        if m.status == S.NOT_STARTED:
            m.status = S.ONGOING if m.type == Measure.Type.ONGOING else S.IN_PROGRESS
        m.progress_percent = int(percent)
        _save(m, actor, _("Progress reported: %(percent)s%%") % {"percent": percent})
        return report


def measure_submit_closeout(
    *,
    measure: Measure,
    actor: User,
    result: str,
    files: Sequence = (),
    rules_adopted: int | None = None,
    expected_version: int | None = None,
) -> CloseOut:
    result = (result or "").strip()
    if not result:
        raise WorkflowError(_("A close-out needs the result of the rectification."), field="result")
    evidence_validate(files)
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        _require(is_department_member_for(actor, m), _("Only the lead department can apply for close-out."))
        if m.type == Measure.Type.ONGOING:
            raise WorkflowError(_("Ongoing measures are never closed; keep reporting progress."), field="status")
        if m.status == S.CLOSEOUT_REQUESTED:
            return m.closeouts.get(stage__in=[CloseOut.Stage.PENDING_LEADER, CloseOut.Stage.PENDING_OFFICE])
        if m.status != S.IN_PROGRESS:
            raise WorkflowError(_("Only a measure in progress can apply for close-out."), field="status")
        if not files and not m.evidence.exists():
            raise WorkflowError(_("A close-out needs at least one evidence file."), field="files")
        closeout = CloseOut.objects.create(measure=m, requested_by=actor, result=result)
        evidence_attach(files, measure=m, actor=actor, closeout=closeout)
        m.status = S.CLOSEOUT_REQUESTED
        m.result = result
        if rules_adopted is not None:
            m.rules_adopted = rules_adopted
        _save(m, actor, _("Close-out requested"))
        return closeout


def _pending_closeout(m: Measure) -> CloseOut:
    closeout = m.closeouts.filter(stage__in=[CloseOut.Stage.PENDING_LEADER, CloseOut.Stage.PENDING_OFFICE]).first()
    if closeout is None:
        raise WorkflowError(_("There is no close-out request awaiting a decision."), field="status")
    return closeout


def measure_approve_closeout(
    *, measure: Measure, actor: User, note: str = "", expected_version: int | None = None
) -> Measure:
    """First the responsible leader signs off, then the rectification office; the second closes it."""
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        if m.status == S.CLOSED:
            return m
        closeout = _pending_closeout(m)
        now = timezone.now()
        if closeout.stage == CloseOut.Stage.PENDING_OFFICE and closeout.leader_decided_by_id == actor.pk and (
            not is_rectification_office_for(actor, m)
        ):
            return m  # the leader's own sign-off, clicked twice
        refusal = closeout_approval_refusal(actor, m, closeout)
        _require(refusal is None, refusal)
        if closeout.stage == CloseOut.Stage.PENDING_LEADER:
            closeout.stage = CloseOut.Stage.PENDING_OFFICE
            closeout.leader_decided_by, closeout.leader_decided_at = actor, now
            closeout.save()
            _save(m, actor, note or _("Approved by the responsible leader"))
            return m
        closeout.stage = CloseOut.Stage.APPROVED
        closeout.office_decided_by, closeout.office_decided_at = actor, now
        closeout.save()
        m.status = S.CLOSED
        m.completed_on = local_today()
        m.progress_percent = 100
        m.overdue_since = None
        _save(m, actor, note or _("Closed"))
        return m


def measure_return_closeout(
    *, measure: Measure, actor: User, reason: str, expected_version: int | None = None
) -> Measure:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Please give the reason for returning it."), field="reason")
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        closeout = _pending_closeout(m)
        if closeout.stage == CloseOut.Stage.PENDING_LEADER:
            _require(is_responsible_leader_for(actor, m), _("Only the responsible leader can return it now."))
            closeout.leader_decided_by, closeout.leader_decided_at = actor, timezone.now()
        else:
            _require(is_rectification_office_for(actor, m), _("Only the rectification office can return it now."))
            closeout.office_decided_by, closeout.office_decided_at = actor, timezone.now()
        closeout.stage = CloseOut.Stage.RETURNED
        closeout.return_reason = reason
        closeout.save()
        m.status = S.IN_PROGRESS
        _save(m, actor, _("Returned: %(reason)s") % {"reason": reason})
        return m


def measure_request_extension(
    *, measure: Measure, actor: User, new_deadline: datetime.date, reason: str,
    expected_version: int | None = None,
) -> Extension:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Please give the reason for the extension."), field="reason")
    if new_deadline is None:
        raise WorkflowError(_("Please give the new deadline."), field="new_deadline")
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        _require(is_department_member_for(actor, m), _("Only the lead department can ask for an extension."))
        if not m.is_open:
            raise WorkflowError(_("Only an open measure can be extended."), field="status")
        if m.current_deadline and new_deadline <= m.current_deadline:
            raise WorkflowError(_("The new deadline must be after the current one."), field="new_deadline")
        if m.extensions.filter(decision=Extension.Decision.PENDING).exists():
            raise WorkflowError(_("An extension request is already waiting for a decision."), field="new_deadline")
        extension = Extension.objects.create(
            measure=m, requested_by=actor, reason=reason,
            previous_deadline=m.current_deadline, requested_deadline=new_deadline,
        )
        _save(m, actor, _("Extension requested"))
        return extension


def measure_decide_extension(*, extension: Extension, actor: User, approve: bool, note: str = "") -> Extension:
    """Approval moves the current deadline (never the original) and clears the overdue marker."""
    with _locked(extension.measure, None) as m:
        _require_not_supervisor(actor)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        wanted = Extension.Decision.APPROVED if approve else Extension.Decision.REJECTED
        if ext.decision == wanted:
            return ext
        if ext.decision != Extension.Decision.PENDING:
            raise WorkflowError(_("This extension has already been decided."), field="decision")
        if approve and not m.is_open:
            raise WorkflowError(_("Only an open measure can be extended."), field="decision")
        _require(is_rectification_office_for(actor, m), _("Only the rectification office decides extensions."))
        _require(ext.requested_by_id != actor.pk,
                 _("You asked for this extension; someone else in the rectification office must decide it."))
        if not approve and not (note or "").strip():
            raise WorkflowError(_("Please give the reason for rejecting it."), field="note")
        ext.decision, ext.decided_by, ext.decided_at, ext.decision_note = wanted, actor, timezone.now(), note
        ext.save()
        if approve:
            m.current_deadline = ext.requested_deadline
            if m.current_deadline >= local_today():
                m.overdue_since = None
            _save(m, actor, _("Deadline extended to %(date)s") % {"date": ext.requested_deadline.isoformat()})
        else:
            _save(m, actor, _("Extension rejected"))
        return ext


def measure_record_lookback(
    *, lookback: LookBack, actor: User, outcome: str, note: str = "", new_deadline: datetime.date | None = None,
) -> LookBack:
    """回头看: 'held' confirms the close-out; 'relapsed' reopens the measure and counts the relapse.

    A relapse is new work with a deadline of its own: the office sets it here (the original deadline is
    kept, so overdue statistics still see the first one). The progress goes back to what the department
    last honestly reported before the close-out, not the 100% of the close-out, and the overdue marker is
    cleared so reminders start again from the new deadline.
    """
    if outcome not in (LookBack.Outcome.HELD, LookBack.Outcome.RELAPSED):
        raise WorkflowError(_("Unknown look-back outcome."), field="outcome")
    with _locked(lookback.measure, None) as m:
        _require_not_supervisor(actor)
        lb = LookBack.objects.select_for_update().get(pk=lookback.pk)
        if lb.outcome == outcome:
            return lb
        if lb.outcome != LookBack.Outcome.PENDING:
            raise WorkflowError(_("This look-back has already been recorded."), field="outcome")
        _require(is_rectification_office_for(actor, m), _("Only the rectification office records look-backs."))
        if outcome == LookBack.Outcome.RELAPSED:
            if not (note or "").strip():
                raise WorkflowError(_("Please describe the relapse."), field="note")
            if new_deadline is None:
                raise WorkflowError(_("A relapse needs a new deadline for the rectification."), field="new_deadline")
            if new_deadline <= local_today():
                raise WorkflowError(_("The new deadline must be after today."), field="new_deadline")
        lb.outcome, lb.note, lb.checked_by, lb.checked_at = outcome, note, actor, timezone.now()
        lb.save()
        if outcome == LookBack.Outcome.RELAPSED:
            m.status = S.IN_PROGRESS
            m.relapse_count += 1
            m.completed_on = None
            m.current_deadline = new_deadline
            m.overdue_since = None
            m.progress_percent = _last_honest_percent(m)
            _save(m, actor, _("Relapse found in look-back: %(note)s; new deadline %(date)s")
                  % {"note": note, "date": new_deadline.isoformat()})
        else:
            _save(m, actor, _("Look-back: the rectification held"))
        return lb


def _last_honest_percent(measure: Measure) -> int:
    """The department's last progress figure short of done: the close-out's 100% proved premature."""
    last = measure.progress_reports.filter(percent__lt=100).order_by("-created_at", "-id").first()
    return last.percent if last else 0


# --- planning (the rectification office sets measures up) -------------------------------------

PLANNING_FIELDS = (
    "text", "type", "target", "responsible_leader", "lead_department", "owner", "report_frequency",
    "original_deadline", "order", "rules_adopted",
)


def measure_validate_planning(values: dict, *, review, actor: User, measure: Measure | None = None) -> None:
    """The planning rules, for a new measure (``measure`` None) or a change to one; raises
    ``WorkflowError`` naming the field. ``measure_create``/``measure_update`` apply them, and a
    ledger import calls this to check every row in the preview with the same rules."""
    _validate_planning(values, review, actor)
    if measure is not None and values.get("type", measure.type) != measure.type and measure.status in (
        S.CLOSEOUT_REQUESTED, S.CLOSED
    ):
        raise WorkflowError(_("The type cannot change once a close-out was requested."), field="type")


def _validate_planning(values: dict, review, actor: User) -> None:
    if "text" in values and not (values["text"] or "").strip():
        raise WorkflowError(_("The measure text cannot be empty."), field="text")
    for name in ("responsible_leader", "owner"):
        person = values.get(name)
        if person is not None and getattr(person, "pk", person) == actor.pk:
            # Whoever plans a measure never makes himself the one who does or signs it.
            raise WorkflowPermissionError(
                _("You cannot make yourself the owner or the responsible leader of a measure you set up."),
                field=name,
            )
    leader = values.get("responsible_leader")
    if isinstance(leader, int | str):
        leader = User.objects.filter(pk=leader).first()
    elif leader is not None and not isinstance(leader, User):
        leader = None  # a person an import will create (a contact): checked when the contact is made
    if leader is not None and not (isinstance(leader, User) and leader.is_court_leader
                                   and leader.court_id == review.court_id):
        raise WorkflowError(
            _("The responsible leader must be a court leader (party secretary or Party group member) of the "
              "measure's court."),
            field="responsible_leader",
        )
    day = values.get("original_deadline")
    if day and review.feedback_date and day < review.feedback_date:
        raise WorkflowError(_("The deadline cannot be before the feedback date."), field="original_deadline")
    if "type" in values and values["type"] not in Measure.Type.values:
        raise WorkflowError(_("Unknown measure type."), field="type")


def measure_create(
    *, problem: Problem, actor: User, supporting_departments: Iterable = (), **values
) -> Measure:
    unknown = set(values) - set(PLANNING_FIELDS)
    if unknown:
        raise WorkflowError(_("Field cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))}, field=min(unknown))
    values.setdefault("text", "")
    _validate_planning(values, problem.review, actor)
    _require(
        actor.has_role(Role.RECTIFICATION_OFFICE) and _in_court_tree(actor, problem.review.court_id),
        _("Only the rectification office can set up measures."),
    )
    with transaction.atomic():
        measure = Measure(problem=problem, **values)
        if measure.type == Measure.Type.ONGOING:
            measure.original_deadline = None
        measure.current_deadline = measure.original_deadline
        measure._history_user = actor
        measure.save()
        if supporting_departments:
            measure.supporting_departments.set(supporting_departments)
        audit_record(action="measure_created", actor=actor, obj=measure,
                     detail={"problem": problem.pk, "text": measure.text[:200]})
        return measure


def measures_create_bulk(*, rows: Sequence[dict], actor: User, batch_size: int = 1000) -> list[Measure]:
    """``measure_create`` for many measures at once (a ledger import): all or nothing.

    Each row holds what ``measure_create`` takes: ``problem``, optionally ``supporting_departments``,
    and planning fields. Every row is checked first, with the same checks in the same order; a refusal
    writes nothing and the ``WorkflowError`` carries ``index``, the position of the row at fault.
    Then the measures and their history rows go in with ``bulk_create_with_history``, the supporting
    departments with one INSERT into the through table (and their snapshot onto the creation history
    row, which ``measure_create`` writes as a second history row after ``set()``), and the audit
    events through ``audit_record_many`` — a handful of queries per thousand measures.
    """
    rows = list(rows)
    reviews = Review.objects.in_bulk({row["problem"].review_id for row in rows if "problem" in row})
    allowed: dict[int, bool] = {}
    planned: list[tuple[Measure, list]] = []
    for index, row in enumerate(rows):
        values = dict(row)
        problem = values.pop("problem", None)
        supporting = values.pop("supporting_departments", ()) or ()
        try:
            if problem is None:
                raise WorkflowError(_("Field cannot be set: %(f)s") % {"f": "problem"}, field="problem")
            unknown = set(values) - set(PLANNING_FIELDS)
            if unknown:
                raise WorkflowError(
                    _("Field cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))}, field=min(unknown)
                )
            values.setdefault("text", "")
            review = reviews[problem.review_id]
            _validate_planning(values, review, actor)
            if review.court_id not in allowed:
                allowed[review.court_id] = actor.has_role(Role.RECTIFICATION_OFFICE) and _in_court_tree(
                    actor, review.court_id
                )
            _require(allowed[review.court_id], _("Only the rectification office can set up measures."))
        except WorkflowError as error:
            error.index = index
            raise
        measure = Measure(problem=problem, **values)
        if measure.type == Measure.Type.ONGOING:
            measure.original_deadline = None
        measure.current_deadline = measure.original_deadline
        measure.review_id = problem.review_id  # Measure.save() does this; bulk_create does not call it
        planned.append((measure, list(supporting)))
    if not planned:
        return []

    measures = [measure for measure, _supporting in planned]
    with transaction.atomic():
        bulk_create_with_history(measures, Measure, batch_size=batch_size, default_user=actor)
        measures_changed()  # bulk_create sends no post_save
        through = Measure.supporting_departments.through
        links = [
            through(measure_id=measure.pk, department_id=pk)
            for measure, supporting in planned
            for pk in dict.fromkeys(getattr(d, "pk", d) for d in supporting)
        ]
        if links:
            through.objects.bulk_create(links, batch_size=batch_size)
            history = dict(
                Measure.history.filter(id__in={link.measure_id for link in links}, history_type="+")
                .values_list("id", "history_id")
            )
            snapshot = Measure.history.model.supporting_departments.model  # HistoricalMeasure_supporting_departments
            snapshot.objects.bulk_create(
                [
                    snapshot(history_id=history[link.measure_id], id=link.pk, measure_id=link.measure_id,
                             department_id=link.department_id)
                    for link in links
                ],
                batch_size=batch_size,
            )
        audit_record_many(
            actor=actor,
            events=(
                {"action": "measure_created", "obj": measure,
                 "detail": {"problem": measure.problem_id, "text": measure.text[:200]}}
                for measure in measures
            ),
        )
    return measures


def measure_update(
    *, measure: Measure, actor: User, changes: dict, expected_version: int | None,
    supporting_departments: Iterable | None = None,
) -> Measure:
    """Planning edits. Status is never editable here; the current deadline moves only by extension."""
    forbidden = set(changes) - set(PLANNING_FIELDS)
    if forbidden:
        field = min(forbidden)
        raise WorkflowError(_("Field cannot be changed here: %(f)s") % {"f": field}, field=field)
    with _locked(measure, expected_version) as m:
        _require_not_supervisor(actor)
        if not is_rectification_office_for(actor, m):
            # Name the field the role may not change (the deadline and the leader matter most), so a
            # client can show the refusal next to it.
            named = [f for f in ("original_deadline", "responsible_leader") if f in changes] or sorted(changes)
            raise WorkflowPermissionError(
                _("Only the rectification office can edit measures."), field=named[0] if named else None
            )
        changed = {k: v for k, v in changes.items() if getattr(m, k) != v}
        measure_validate_planning(changes, review=m.review, actor=actor, measure=m)
        if changed.get("type") == Measure.Type.ONGOING:
            # 长期坚持 has no deadline and is never closed: it continues (持续推进).
            changed["original_deadline"] = None
            m.current_deadline = m.original_deadline = m.overdue_since = None
            if m.status == S.IN_PROGRESS:
                m.status = S.ONGOING
        elif "type" in changed and m.status == S.ONGOING:
            m.status = S.IN_PROGRESS
        if "type" in changed and changed["type"] != Measure.Type.ONGOING and "original_deadline" in changed:
            m.current_deadline = changed["original_deadline"]
        elif "original_deadline" in changed and not m.is_extended:
            m.current_deadline = changed["original_deadline"]
            if m.current_deadline is None or m.current_deadline >= local_today():
                m.overdue_since = None
        for key, value in changed.items():
            setattr(m, key, value)
        if supporting_departments is not None:
            m.supporting_departments.set(supporting_departments)
        if changed or supporting_departments is not None:
            _save(m, actor, _("Edited: %(fields)s") % {"fields": ", ".join(sorted(changed))})
        return m


def measures_import_closed_bulk(*, closings: Sequence[tuple[Measure, datetime.date, str]], actor: User) -> int:
    """``measure_import_closed`` for many measures at once (a long ledger import): (measure,
    completion date, result) each; the same checks, one lock for all the rows, the close-outs, history
    rows and audit events written in a few multi-row INSERTs. Answers how many were closed."""
    by_id = {measure.pk: (completed_on, result) for measure, completed_on, result in closings}
    if not by_id:
        return 0
    with transaction.atomic():
        measures = list(
            Measure.objects.select_for_update(of=("self",)).select_related("review").filter(pk__in=by_id)
            .exclude(status=S.CLOSED).order_by("pk")
        )
        courts = {m.review.court_id for m in measures}
        _require(all(is_office_for_court(actor, court) for court in courts),
                 _("Only the rectification office can import a ledger."))
        if any(m.type == Measure.Type.ONGOING for m in measures):
            raise WorkflowError(_("Ongoing measures are never closed; keep reporting progress."), field="status")
        pending = set(CloseOut.objects.filter(
            measure__in=measures, stage__in=[CloseOut.Stage.PENDING_LEADER, CloseOut.Stage.PENDING_OFFICE]
        ).values_list("measure_id", flat=True))
        if pending:  # rare: decided one by one, as measure_import_closed does
            for m in [m for m in measures if m.pk in pending]:
                measure_import_closed(measure=m, actor=actor, completed_on=by_id[m.pk][0], result=by_id[m.pk][1])
            measures = [m for m in measures if m.pk not in pending]
        now = timezone.now()
        CloseOut.objects.bulk_create([
            CloseOut(measure=m, requested_by=actor, requested_at=now, result=by_id[m.pk][1],
                     stage=CloseOut.Stage.APPROVED, office_decided_by=actor, office_decided_at=now)
            for m in measures
        ], batch_size=1000)
        for m in measures:
            m.status = S.CLOSED
            m.result = m.result or by_id[m.pk][1]
            m.completed_on = by_id[m.pk][0]
            m.progress_percent = 100
            m.overdue_since = None
            m.version += 1
        bulk_update_with_history(
            measures, Measure, ["status", "result", "completed_on", "progress_percent", "overdue_since", "version"],
            batch_size=1000, default_user=actor, default_change_reason=_("Imported as closed")[:100],
        )
        measures_changed()  # bulk_update sends no post_save
        audit_record_many(actor=actor, events=(
            {"action": "measure_changed", "obj": m,
             "detail": {"status": m.status, "version": m.version, "note": _("Imported as closed")}}
            for m in measures
        ))
    return len(measures) + len(pending)


def measure_import_closed(
    *, measure: Measure, actor: User, completed_on: datetime.date, result: str, expected_version: int | None = None
) -> Measure:
    """Close a measure that a ledger being imported records as completed, when the rectification
    office confirms it: the close-out is recorded as approved by the office, with ``result`` saying
    it was imported, so the history shows where the closure came from. No-op when already closed."""
    with _locked(measure, expected_version) as m:
        _require(is_rectification_office_for(actor, m), _("Only the rectification office can import a ledger."))
        if m.status == S.CLOSED:
            return m
        if m.type == Measure.Type.ONGOING:
            raise WorkflowError(_("Ongoing measures are never closed; keep reporting progress."), field="status")
        now = timezone.now()
        pending = m.closeouts.filter(stage__in=[CloseOut.Stage.PENDING_LEADER, CloseOut.Stage.PENDING_OFFICE]).update(
            stage=CloseOut.Stage.APPROVED, office_decided_by=actor, office_decided_at=now
        )
        if not pending:
            CloseOut.objects.create(
                measure=m, requested_by=actor, requested_at=now, result=result, stage=CloseOut.Stage.APPROVED,
                office_decided_by=actor, office_decided_at=now,
            )
        m.status = S.CLOSED
        m.result = m.result or result
        m.completed_on = completed_on
        m.progress_percent = 100
        m.overdue_since = None
        _save(m, actor, _("Imported as closed"))
        return m
