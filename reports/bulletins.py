"""整改通报: numbered bulletins built from a frozen snapshot of the data at the period's end.

The snapshot is taken from the measures' history (django-simple-history), so a bulletin for
last month states what was true at the end of last month, whatever has happened since. It is
stored on the bulletin as JSON; the page, the .docx, the .pdf and the .xlsx are all rendered from it, and a
published bulletin never changes. Numbering (第N期) is per review, without gaps or duplicates:
the review row is locked while a number is taken, and a period's bulletin is unique per
(review, period end, version). Regenerating a period makes a new version, never an overwrite.
"""

import datetime
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from audit.services import audit_record
from issues.models import Category, Problem, Review
from measures.models import Measure
from measures.rules import rules_for_review
from measures.selectors import reads_court_tree, reviews_visible_to
from measures.workflow import is_office_for_court

from . import rates
from .models import Bulletin

OPEN = {"not_started", "in_progress", "closeout_requested"}


class BulletinError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _end_of(day: datetime.date) -> datetime.datetime:
    """The last instant of a day on the court's clock."""
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def _measures_as_of(review: Review, day: datetime.date) -> list[dict]:
    """Each measure of the review as it stood at the end of ``day`` (its latest history row)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT DISTINCT ON (h.id) h.id, h.problem_id, h.text, h.type, h.status, h.original_deadline,
                   h.current_deadline, h.completed_on, h.result, h.rules_adopted, h.progress_percent,
                   h.lead_department_id, h.responsible_leader_id, h.history_type, h."order"
            FROM measures_historicalmeasure h
            WHERE h.review_id = %s AND h.history_date < %s
            ORDER BY h.id, h.history_date DESC, h.history_id DESC
            """,
            [review.pk, _end_of(day)],
        )
        columns = [c.name for c in cur.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    return [r for r in rows if r["history_type"] != "-"]


def bulletin_snapshot(*, review: Review, period_end: datetime.date, previous: dict | None = None) -> dict:
    """The numbers and lists a bulletin states, frozen as plain JSON-able data."""
    measures = _measures_as_of(review, period_end)
    problems = {p.pk: p for p in Problem.objects.filter(review=review).select_related("category")}
    categories = {c.pk: c for c in Category.objects.filter(review=review)}
    departments = dict(Department.objects.filter(court_id=review.court_id).values_list("pk", "name"))
    leader_ids = {m["responsible_leader_id"] for m in measures if m["responsible_leader_id"]}
    leaders = {u.pk: str(u) for u in User.objects.filter(pk__in=leader_ids)}
    by_problem = defaultdict(list)
    for m in measures:
        m["overdue_days"] = 0
        if m["status"] in OPEN and m["type"] != "ongoing" and m["current_deadline"] and m["current_deadline"] < period_end:
            m["overdue_days"] = (period_end - m["current_deadline"]).days
        by_problem[m["problem_id"]].append(m)

    def measure_row(m):
        return {
            "id": m["id"],
            "text": m["text"],
            "type": m["type"],
            "status": m["status"],
            "status_label": str(Measure.Status(m["status"]).label),
            "result": m["result"],
            "department": departments.get(m["lead_department_id"], ""),
            "leader": leaders.get(m["responsible_leader_id"], ""),
            "original_deadline": m["original_deadline"].isoformat() if m["original_deadline"] else None,
            "current_deadline": m["current_deadline"].isoformat() if m["current_deadline"] else None,
            "overdue_days": m["overdue_days"],
            "percent": m["progress_percent"],
        }

    completed, in_progress = [], []
    ordered = sorted(problems.values(), key=lambda p: (categories[p.category_id].order, p.category_id, p.order, p.pk))
    for problem in ordered:
        rows = sorted(by_problem.get(problem.pk, []), key=lambda m: (m["order"], m["id"]))
        if not rows:
            continue
        closable = [m for m in rows if m["type"] != "ongoing"]
        entry = {
            "id": problem.pk,
            "category": categories[problem.category_id].name,
            "description": problem.description,
            "measures": [measure_row(m) for m in rows],
        }
        if closable and all(m["status"] == "closed" for m in closable):
            completed.append(entry)
        else:
            open_deadlines = [m["current_deadline"] for m in closable if m["status"] in OPEN and m["current_deadline"]]
            entry["expected"] = max(open_deadlines).isoformat() if open_deadlines else None
            in_progress.append(entry)

    ranking = defaultdict(lambda: {"total": 0, "closed": 0, "overdue": 0})
    buckets = dict.fromkeys(rates.BUCKETS, 0)
    for m in measures:
        bucket = rates.measure_bucket(status=m["status"], type_=m["type"])
        buckets[bucket] += 1
        if bucket == rates.ONGOING:
            continue
        row = ranking[departments.get(m["lead_department_id"], "—")]
        row["total"] += 1
        row["closed"] += bucket == rates.CLOSED
        row["overdue"] += m["overdue_days"] > 0
    department_ranking = sorted(
        ({"department": name, **row, "rate": rates.completion_rate(row["closed"], row["total"])}
         for name, row in ranking.items()),
        key=lambda r: (-r["rate"], r["overdue"], r["department"]),
    )
    closable = sum(buckets[key] for key in rates.CLOSABLE_BUCKETS)
    totals = {
        "problems": len(completed) + len(in_progress),
        "problems_completed": len(completed),
        "problems_in_progress": len(in_progress),
        "measures": len(measures),
        "measures_closable": closable,
        "measures_closed": buckets[rates.CLOSED],
        "measures_in_progress": buckets[rates.IN_PROGRESS],
        "measures_not_started": buckets[rates.NOT_STARTED],
        "measures_ongoing": buckets[rates.ONGOING],
        "measures_overdue": sum(m["overdue_days"] > 0 for m in measures),
        # 制度成果 come from the register (measures.rules), as adopted by the period's end.
        "rules_adopted": rules_for_review(review).filter(adopted_on__lte=period_end).count(),
    }
    change = None
    if previous:
        change = {key: totals[key] - previous.get("totals", {}).get(key, 0) for key in totals}
    overdue = sorted(
        (measure_row(m) for m in measures if m["overdue_days"] > 0), key=lambda r: (-r["overdue_days"], r["id"])
    )
    return {
        "review": {"id": review.pk, "title": review.title, "court": review.court.name,
                   "issuing_body": review.issuing_body},
        "period_end": period_end.isoformat(),
        "totals": totals,
        "rates": {
            "measure": rates.completion_rate(totals["measures_closed"], closable),
            "problem": rates.completion_rate(totals["problems_completed"], totals["problems"]),
        },
        "change": change,
        "completed": completed,
        "in_progress": in_progress,
        "overdue": overdue,
        "ranking": department_ranking,
    }


def bulletin_generate(*, review: Review, period_start: datetime.date, period_end: datetime.date,
                      actor: User | None = None, regenerate: bool = False) -> Bulletin:
    """The draft for the period. Asked again for the same period it returns the existing one (so a doubled
    schedule makes nothing new), unless ``regenerate``: then it adds a version. A draft has no number yet."""
    if period_end < period_start:
        raise BulletinError(_("The period cannot end before it starts."), field="period_end")
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=review.pk)
        same_period = review.bulletins.filter(period_end=period_end).order_by("-version").first()
        if same_period and not regenerate:
            return same_period
        if review.bulletins.filter(period_end=period_end, status=Bulletin.Status.PUBLISHED).exists():
            raise BulletinError(_("This period's bulletin is already published; it cannot be drafted again."),
                                field="period_end")
        version = same_period.version + 1 if same_period else 1
        previous = (
            review.bulletins.filter(period_end__lt=period_end, status=Bulletin.Status.PUBLISHED)
            .order_by("-period_end", "-version")
            .first()
        )
        snapshot = bulletin_snapshot(review=review, period_end=period_end,
                                     previous=previous.snapshot if previous else None)
        bulletin = Bulletin.objects.create(
            review=review, version=version, period_start=period_start, period_end=period_end,
            snapshot=snapshot, created_by=actor,
        )
        audit_record(action="bulletin_drafted", actor=actor, obj=bulletin, detail={
            "review": review.pk, "version": version, "period": [period_start.isoformat(), period_end.isoformat()],
        })
        return bulletin


def bulletins_visible_to(user: User) -> QuerySet[Bulletin]:
    """Published bulletins of the reviews a user sees; drafts and reviewed-but-unpublished ones only
    for those who read the whole court tree (党组书记, 院领导, 整改办, 纪检组): a draft covers every
    department, and a department sees only its own part until it is published."""
    bulletins = Bulletin.objects.filter(review__in=reviews_visible_to(user)).select_related("review__court")
    if not reads_court_tree(user):
        bulletins = bulletins.filter(status=Bulletin.Status.PUBLISHED)
    return bulletins


def bulletin_advance(*, bulletin: Bulletin, actor: User, to: str) -> Bulletin:
    """draft → reviewed → published, by the rectification office; published is final.

    Publishing takes the review's next number under the review's row lock, and only in period order: once
    a later period is published, an earlier draft can no longer be, so 第N期 always follows the calendar.
    """
    order = [Bulletin.Status.DRAFT, Bulletin.Status.REVIEWED, Bulletin.Status.PUBLISHED]
    with transaction.atomic():
        Review.objects.select_for_update().get(pk=bulletin.review_id)
        b = Bulletin.objects.select_for_update().select_related("review").get(pk=bulletin.pk)
        if not is_office_for_court(actor, b.review.court_id):
            raise BulletinError(_("Only the rectification office reviews and publishes bulletins."))
        if b.status == to:
            return b
        if to not in order or order.index(to) != order.index(b.status) + 1:
            raise BulletinError(_("A bulletin moves from draft to reviewed to published, in that order."),
                                field="status")
        now = timezone.now()
        if to == Bulletin.Status.REVIEWED:
            b.reviewed_by, b.reviewed_at = actor, now
        else:
            published = b.review.bulletins.filter(status=Bulletin.Status.PUBLISHED)
            if published.filter(period_end=b.period_end).exists():
                raise BulletinError(_("This period already has a published bulletin."), field="status")
            if published.filter(period_end__gt=b.period_end).exists():
                raise BulletinError(_("A bulletin for a later period is already published; bulletins are "
                                      "published in period order."), field="status")
            b.number = (published.aggregate(n=Max("number"))["n"] or 0) + 1
            b.published_by, b.published_at = actor, now
        b.status = to
        b.save()
        audit_record(action=f"bulletin_{to}", actor=actor, obj=b,
                     detail={"review": b.review_id, "number": b.number, "version": b.version})
        return b


def periods_due(review: Review, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The last complete period of the review's schedule: last week (Mon–Sun) or last month."""
    if review.bulletin_frequency == Review.BulletinFrequency.WEEKLY:
        end = today - datetime.timedelta(days=today.weekday() + 1)
        return end - datetime.timedelta(days=6), end
    if review.bulletin_frequency == Review.BulletinFrequency.MONTHLY:
        end = today.replace(day=1) - datetime.timedelta(days=1)
        return end.replace(day=1), end
    return None


def bulletins_generate_due(*, today: datetime.date | None = None) -> list[int]:
    """The scheduled run: one draft per active review and finished period, and only one."""
    today = today or timezone.localdate()
    created = []
    # A review with nothing left to close (every measure closed or handed over to 长期坚持) has finished its
    # bulletins: its final report says the rest.
    unfinished = Measure.objects.filter(review=OuterRef("pk")).exclude(status=Measure.Status.CLOSED).exclude(
        type=Measure.Type.ONGOING)
    reviews = Review.objects.filter(status=Review.Status.ACTIVE).filter(Exists(unfinished)).select_related("court")
    for review in reviews:
        period = periods_due(review, today)
        if period is None or (review.feedback_date and period[1] < review.feedback_date):
            continue
        if review.bulletins.filter(period_end=period[1]).exists():
            continue  # cheap pre-check; bulletin_generate re-checks under the review's row lock
        created.append(bulletin_generate(review=review, period_start=period[0], period_end=period[1]).pk)
    return created
