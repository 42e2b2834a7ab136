"""Leaders' dashboards: where rectification stands, computed in the database.

Every figure is an aggregate over ``measures_visible_to(user)`` narrowed by ``MeasureFilter`` — the
same FilterSet the measure list uses — so a tile and the list it links to count the same rows.
The number of queries does not depend on the number of measures. The measures table is read twice:
once grouped by (court, lead department, status, type) for the tiles, the status distribution, the
overdue buckets, the department ranking and the courts panel (``_measure_counts``), and once grouped
by problem for the categories (``_categories``); names are joined to the grouped rows, not to every
measure. The burn-down reads the daily snapshot (reports.burndown: one row per review and week in
scope) for its past weeks and takes today's point from the tiles, so a change shows at once; only a
scope the snapshot cannot count (departments and owners rather than whole reviews, a category or a
deadline range) falls back to one window-function query over the history, reused for
BURNDOWN_CACHE_SECONDS. Then the few small lookups that fill the filter's choices. The two passes
over the measures are reused until the measures change (measures.freshness), so they are never
stale. bench/dashboard.py times the page against the same aggregates as raw SQL.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Value
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Court, Department, User
from issues.models import Category, Review
from measures.filters import (
    EXTENDED_Q,
    OVERDUE_BUCKET_CHOICES,
    OVERDUE_BUCKETS,
    RELAPSED_Q,
    MeasureFilter,
)
from measures.freshness import cached_aggregate
from measures.models import Instruction, Measure, local_today
from measures.selectors import measure_scope, measures_visible_to, reviews_visible_to, wants_mine

from . import rates
from .burndown import burndown_points

# The filters a dashboard takes from its URL (bookmarkable); drill-down links carry them on.
# ``scope`` is not a filter: it narrows a court leader's dashboard to 我分管 (measures.selectors.measure_scope).
DASHBOARD_PARAMS = ("review", "category", "lead_department", "court", "deadline_from", "deadline_to", "scope")
BURNDOWN_CACHE_SECONDS = 300
BURNDOWN_MAX_WEEKS = 52

ONGOING = Q(type=Measure.Type.ONGOING)
CLOSED = Q(status=Measure.Status.CLOSED)
OPEN_STATUSES = [str(s) for s in Measure.OPEN_STATUSES]


@dataclass
class Dashboard:
    filter: MeasureFilter
    params: dict  # the dashboard's own filter values, as given in the URL
    tiles: dict
    links: dict  # tile name -> drill-down URL
    categories: list[dict]
    departments: list[dict]
    statuses: list[dict]
    overdue_buckets: list[dict]
    burndown: dict
    courts: list[dict] = field(default_factory=list)
    today: datetime.date | None = None
    # What each rate counts, shown next to it (the bulletin and the ledger state the same definitions).
    rates: dict = field(default_factory=lambda: {"measure": rates.MEASURE_RATE, "problem": rates.PROBLEM_RATE})


_rate = rates.completion_rate


class _Links:
    """Drill-down URLs: the measure list (/my/), with the dashboard's filters plus the element's own."""

    def __init__(self, params: dict):
        self.base = {k: v for k, v in params.items() if v not in (None, "")}
        self.list_url = reverse("my_measures")

    def __call__(self, **extra) -> str:
        # closed=1: the list hides closed measures unless asked; a drill-down shows every counted row.
        query = {**self.base, "closed": "1", **{k: v for k, v in extra.items() if v is not None}}
        return f"{self.list_url}?{urlencode(query)}"


def dashboard_filter(*, user: User, params: QueryDict | dict) -> MeasureFilter:
    """MeasureFilter over the user's scope, restricted to the dashboard's parameters, with its choices."""
    data = QueryDict(mutable=True)
    for key in DASHBOARD_PARAMS:
        value = params.get(key)
        if value not in (None, ""):
            data[key] = value
    mine = wants_mine(data)
    reviews = reviews_visible_to(user, mine=mine).order_by("-feedback_date", "-id")
    categories = Category.objects.filter(review__in=reviews_visible_to(user, mine=mine))
    if str(data.get("review", "")).isdigit():
        categories = categories.filter(review_id=data["review"])
    category_names = list(categories.order_by("name").values_list("name", flat=True).distinct())
    tree = user.court_tree_ids()
    courts = list(Court.objects.filter(pk__in=tree).order_by("id")) if len(tree) > 1 else []
    if measure_scope(user, mine=mine).whole_reviews:
        departments = Department.objects.filter(court_id__in=tree)
    else:
        departments = Department.objects.filter(
            pk__in=measures_visible_to(user, mine=mine).values("lead_department_id")
        )
    departments = list(departments.select_related("court").order_by("court_id", "order", "id"))
    many_courts = len({d.court_id for d in departments}) > 1
    for department in departments:
        department.label = f"{department.court.short_name or department.court.name} {department.name}" if (
            many_courts) else department.name
    return MeasureFilter(
        data, queryset=measures_visible_to(user, mine=mine), reviews=reviews, categories=category_names, courts=courts,
        departments=departments,
    )


def dashboard_for(*, user: User, params: QueryDict | dict) -> Dashboard:
    measure_filter = dashboard_filter(user=user, params=params)
    qs = measure_filter.qs.order_by()
    given = {k: measure_filter.data.get(k) for k in DASHBOARD_PARAMS if measure_filter.data.get(k)}
    link = _Links(given)
    today = local_today()
    court_choices = [(c, n) for c, n in measure_filter.form.fields["court"].widget.choices if c != ""]
    tiles, departments, per_court = _measure_counts(qs, today, by_court=bool(court_choices))
    categories = _categories(qs, link)
    tiles["problems"] = sum(c["problems"] for c in categories)
    tiles["problems_complete"] = sum(c["problems_complete"] for c in categories)
    tiles["problems_incomplete"] = tiles["problems"] - tiles["problems_complete"]
    tiles["problem_rate"] = _rate(tiles["problems_complete"], tiles["problems"])
    tiles["measure_rate"] = _rate(tiles["closed"], tiles["closable"])
    # 催办 notes on these measures: counted live (one indexed query), so a chase shows on the next visit.
    tiles["chased"] = Instruction.objects.filter(kind=Instruction.Kind.CHASE, measure__in=qs).count()
    links = {
        "measures": link(),
        "closable": link(ongoing="0"),
        "closed": link(status=Measure.Status.CLOSED),
        "in_progress": link(status=Measure.Status.IN_PROGRESS, ongoing="0"),
        "closeout_requested": link(status=Measure.Status.CLOSEOUT_REQUESTED, ongoing="0"),
        "not_started": link(status=Measure.Status.NOT_STARTED, ongoing="0"),
        "ongoing": link(ongoing="1"),
        "overdue": link(light="red"),
        "due_soon": link(light="yellow"),
        "extended": link(extended="1"),
        "relapsed": link(relapsed="1"),
        "unfinished": link(unfinished="1"),
        "problems": link(),
        "problems_complete": link(problems="complete"),
        "problems_incomplete": link(problems="incomplete"),
    }
    statuses = [
        {"status": value, "name": label, "value": tiles[f"status_{value}"], "url": link(status=value)}
        for value, label in Measure.Status.choices
    ]
    buckets = [
        {"bucket": key, "name": label, "value": tiles[f"overdue_{key}"], "url": link(overdue=key)}
        for key, label in OVERDUE_BUCKET_CHOICES
    ]
    return Dashboard(
        filter=measure_filter, params=given, tiles=tiles, links=links, categories=categories,
        departments=_ranking(departments, link), statuses=statuses, overdue_buckets=buckets,
        burndown=_burndown(user, measure_filter, qs, today=today, open_now=sum(
            tiles[status] for status in OPEN_STATUSES
        )),
        courts=_courts(per_court, court_choices, link), today=today,
    )


def _burndown(user: User, measure_filter: MeasureFilter, qs: QuerySet[Measure], *, today: datetime.date,
              open_now: int) -> dict:
    """From the daily snapshot (reports.burndown) when the scope is whole reviews, else from the history."""
    scope = _snapshot_scope(user, measure_filter)
    if scope is None:
        return burndown(qs, today=today)
    review_ids, department_id = scope
    points = burndown_points(review_ids=review_ids, department_id=department_id, today=today,
                             open_now=open_now, max_weeks=BURNDOWN_MAX_WEEKS)
    return {**points, "computed_at": timezone.localtime(), "cache_minutes": 0, "source": "snapshot"}


def _snapshot_scope(user: User, measure_filter: MeasureFilter) -> tuple[list[int], int | None] | None:
    """The (review ids, lead department) the snapshot can count for this page, or None.

    The snapshot is kept per review and lead department, so it serves a scope made of whole reviews
    (an office's court tree) narrowed by review, court or lead department. A scope of departments
    and owners (leaders, staff), a category or a deadline range falls back to the history.
    """
    scope = measure_scope(user, mine=wants_mine(measure_filter.data))
    if not scope.whole_reviews:  # 我分管, a department, owners: not whole reviews
        return None
    data = {k: measure_filter.data.get(k) for k in DASHBOARD_PARAMS}
    if not measure_filter.form.is_valid() or any(data[k] for k in ("category", "deadline_from", "deadline_to")):
        return None
    values = measure_filter.form.cleaned_data
    reviews = set(scope.review_ids)
    if values.get("review"):
        reviews &= {int(values["review"])}
    if values.get("court") is not None:
        reviews = set(Review.objects.filter(pk__in=reviews, court_id=values["court"]).values_list("id", flat=True))
    department = values.get("lead_department")
    return sorted(reviews), int(department) if department is not None else None


def _rows(condition: Q) -> Count:
    """COUNT(1) FILTER (WHERE …): like COUNT(*), it reads no column but the filter's.

    ``Count("*")`` takes no filter, and ``Count("pk", filter=…)`` reads the id, which the covering
    index ``measure_problem_cover`` does not hold: the per-problem counts would visit the table for
    every row instead of an index-only scan.
    """
    return Count(Value(1), filter=condition)


# Counted per row, by deadline only; whether the row is open and dated (not 长期坚持) is decided from
# the group's status and type in _Figures.add. Together they are traffic_light_q / overdue_bucket_q.
def _deadline_counts(today: datetime.date) -> dict[str, Count]:
    soon = today + datetime.timedelta(days=settings.DUE_SOON_DAYS)
    counts = {
        "overdue": _rows(Q(current_deadline__lt=today)),
        "due_soon": _rows(Q(current_deadline__gte=today, current_deadline__lte=soon)),
    }
    for key, (low, high) in OVERDUE_BUCKETS.items():
        q = Q(current_deadline__lte=today - datetime.timedelta(days=low))
        if high is not None:
            q &= Q(current_deadline__gte=today - datetime.timedelta(days=high))
        counts[f"overdue_{key}"] = _rows(q)
    return counts


OPEN = frozenset(OPEN_STATUSES)
DATED_ONLY = ("overdue", "due_soon", *(f"overdue_{key}" for key in OVERDUE_BUCKETS))


class _Figures(dict):
    """The tile figures of a set of measures, summed from rows grouped by (status, type)."""

    KEYS = (
        "measures", "ongoing", "closable", "closed", "in_progress", "closeout_requested", "not_started",
        "extended", "relapsed", *DATED_ONLY, *(f"status_{value}" for value in Measure.Status.values),
    )

    def __init__(self):
        super().__init__(dict.fromkeys(self.KEYS, 0))

    def add(self, status: str, type_: str, counts: dict) -> None:
        n = counts["measures"]
        bucket = rates.measure_bucket(status=status, type_=type_)
        self["measures"] += n
        self["ongoing" if bucket == rates.ONGOING else "closable"] += n
        self[f"status_{status}"] += n
        if bucket == rates.CLOSED:
            self["closed"] += n
        elif bucket != rates.ONGOING and status in OPEN:
            self[status] += n  # the in_progress / closeout_requested / not_started tiles leave 长期坚持 out
            for key in DATED_ONLY:  # traffic_light_q: open, not 长期坚持, and the deadline
                self[key] += counts[key]
        self["extended"] += counts["extended"]
        self["relapsed"] += counts["relapsed"]


def _measure_counts(qs: QuerySet[Measure], today: datetime.date, *, by_court: bool):
    """Tiles, status distribution, overdue buckets, department ranking and courts panel: one query.

    The measures in scope are grouped by (court, lead department, status, type) in one pass with a
    few COUNT(1) FILTER columns; the outer query joins names to those few hundred groups and sums
    them per grouping set: all, per department, per court. Python adds up at most
    (departments + courts + 1) × 15 rows. Grouping by court (a join to the small reviews table) rather
    than by review keeps the groups few whatever the number of reviews: at 1,000,000 measures, grouping
    by review made ~60,000 groups that spilled to disk and took twice as long.
    """
    counts = {
        "measures": Count("*"), "extended": _rows(EXTENDED_Q), "relapsed": _rows(RELAPSED_Q),
        **_deadline_counts(today),
    }
    keys = ("review__court_id" if by_court else "lead_department_id", "lead_department_id", "status", "type")
    grouped = qs.values(*dict.fromkeys(keys)).annotate(**counts).order_by()
    inner, params = grouped.query.sql_with_params()
    names = list(counts)
    columns = ", ".join(f"c{i}" for i in range(len(names)))
    sums = ", ".join(f"SUM(g.c{i})::bigint" for i in range(len(names)))
    sets = ["(g.status, g.type)", "(g.department_id, d.name, dc.short_name, g.status, g.type)"]
    if by_court:
        sets.append("(g.court_id, g.status, g.type)")
    sql = (
        "SELECT GROUPING(g.department_id), g.department_id, d.name, dc.short_name, "
        f"{'g.court_id' if by_court else 'NULL'}, g.status, g.type, {sums} "
        f"FROM ({inner}) AS g({'court_id, ' if by_court else ''}department_id, status, type, {columns}) "
        "LEFT JOIN accounts_department d ON d.id = g.department_id "
        "LEFT JOIN accounts_court dc ON dc.id = d.court_id "
        f"GROUP BY GROUPING SETS ({', '.join(sets)})"
    )
    rows = _rows_of(sql, params)
    tiles, departments, courts = _Figures(), {}, {}
    for not_per_department, department_id, name, court_short_name, court_id, status, type_, *values in rows:
        if not not_per_department:
            if department_id is None:  # measures without a lead department are not ranked
                continue
            figures = departments.setdefault(department_id, _Figures())
            figures.name, figures.court_short_name = name, court_short_name
        elif court_id is not None:
            figures = courts.setdefault(court_id, _Figures())
        else:
            figures = tiles
        figures.add(status, type_, dict(zip(names, values, strict=True)))
    return dict(tiles), departments, courts


def _categories(qs: QuerySet[Measure], link: _Links) -> list[dict]:
    """Per category (by name, so court-wide views add up like categories): problems and measures done.

    One query: the measures in scope grouped by problem_id alone (no join per measure row) — streamed
    in problem order from the covering index ``measure_problem_cover``, so no hash table of every
    problem — then the problems' categories are joined to those groups, summed per category name.
    MATERIALIZED keeps the grouping in one process: inlined under a parallel join, each worker
    computed every group again.
    """
    per_problem = qs.values("problem_id").annotate(
        closable=_rows(~ONGOING),
        unfinished=_rows(~ONGOING & ~CLOSED),
    ).order_by()
    inner, params = per_problem.query.sql_with_params()
    sql = (
        f"WITH p(problem_id, closable, unfinished) AS MATERIALIZED ({inner}) "
        "SELECT c.name, COUNT(*) AS problems, "
        "COUNT(*) FILTER (WHERE p.closable > 0 AND p.unfinished = 0) AS problems_complete, "
        "SUM(p.closable)::bigint AS closable, SUM(p.closable - p.unfinished)::bigint AS closed "
        "FROM p JOIN issues_problem ip ON ip.id = p.problem_id JOIN issues_category c ON c.id = ip.category_id "
        "GROUP BY c.name ORDER BY c.name"
    )
    rows = _rows_of(sql, params)
    return [
        {
            "name": name, "problems": problems, "problems_complete": complete, "closable": closable,
            "closed": closed, "unfinished": closable - closed, "rate": _rate(closed, closable),
            "url": link(category=name, ongoing="0"), "closed_url": link(category=name, status=Measure.Status.CLOSED),
            "unfinished_url": link(category=name, unfinished="1"),
        }
        for name, problems, complete, closable, closed in rows
    ]


def _ranking(departments: dict, link: _Links) -> list[dict]:
    """部门排名: completion rate (closed of the measures to close) and overdue count per lead department."""
    many_courts = len({f.court_short_name for f in departments.values()}) > 1
    ranking = [
        {
            "id": department_id,
            "name": (f"{f.court_short_name} " if many_courts else "") + f.name,
            "closable": f["closable"], "closed": f["closed"], "overdue": f["overdue"],
            "rate": _rate(f["closed"], f["closable"]),
            "url": link(lead_department=department_id, ongoing="0"),
            "overdue_url": link(lead_department=department_id, light="red"),
        }
        for department_id, f in departments.items()
    ]
    # The id last: departments of the same name in several courts tie otherwise, in no stable order.
    ranking.sort(key=lambda d: (-(d["rate"] if d["rate"] is not None else -1), d["overdue"], d["name"], d["id"]))
    return ranking


def _courts(per_court: dict, court_choices: list, link: _Links) -> list[dict]:
    """A 中院 sees the courts below it side by side: completion and overdue per court."""
    result = []
    for court_id, court_name in court_choices:
        f = per_court.get(court_id) or _Figures()
        result.append({
            "id": court_id, "name": court_name, "measures": f["measures"], "closable": f["closable"],
            "closed": f["closed"], "overdue": f["overdue"], "rate": _rate(f["closed"], f["closable"]),
            "url": link(court=court_id), "overdue_url": link(court=court_id, light="red"),
        })
    return result


def burndown(qs: QuerySet[Measure], *, today: datetime.date) -> dict:
    """Open measures (to be closed; 长期坚持 apart) at the end of each week, from the history table.

    Each history row is compared with the previous row of the same measure (a window function):
    becoming open counts +1 on that day, leaving open -1; the weekly points sum the changes up to
    each day. One pass over the history of the measures in scope, whatever the number of points.
    Whether a row is open is computed once per row (LATERAL) and the local date only for the rows
    that change state, not for every history row: about half the time of computing both per row.
    Still the slowest part of the page (~0.8 s at 1,000,000 history rows), and every change to any
    measure would make it stale, hence reused for BURNDOWN_CACHE_SECONDS under a key made of the
    query itself (scope and filters), whatever changed meanwhile; the page says when it was computed.
    """
    ids_sql, ids_params = qs.values("id").query.sql_with_params()
    sql = (
        "WITH h AS ("
        " SELECT hm.history_date AS at, s.is_open,"
        " LAG(s.is_open, 1, false) OVER (PARTITION BY hm.id ORDER BY hm.history_date, hm.history_id) AS was_open"
        " FROM measures_historicalmeasure hm,"
        " LATERAL (SELECT hm.history_type <> '-' AND hm.status = ANY(%s) AND hm.type <> 'ongoing' AS is_open) s"
        f" WHERE hm.id IN ({ids_sql})"
        "), deltas AS ("
        " SELECT (at AT TIME ZONE %s)::date AS day, SUM(CASE WHEN is_open THEN 1 ELSE -1 END) AS delta FROM h"
        " WHERE is_open <> was_open GROUP BY 1"
        "), points AS ("
        " SELECT %s::date - 7 * k AS day FROM (SELECT MIN(day) AS first FROM deltas) b,"
        " generate_series(0, LEAST(%s, (%s::date - b.first) / 7 + 1)) k"
        ")"
        " SELECT p.day, COALESCE(SUM(d.delta), 0)::int FROM points p LEFT JOIN deltas d ON d.day <= p.day"
        " GROUP BY p.day ORDER BY p.day"
    )
    params = [OPEN_STATUSES, *ids_params, settings.TIME_ZONE, today, BURNDOWN_MAX_WEEKS, today]
    key = "dashboard:burndown:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    result = {
        "days": [day.isoformat() for day, _open in rows],
        "open": [count for _day, count in rows],
        "computed_at": timezone.localtime(),
        "cache_minutes": BURNDOWN_CACHE_SECONDS // 60,
    }
    cache.set(key, result, BURNDOWN_CACHE_SECONDS)
    return result


def _rows_of(sql: str, params: list) -> list[tuple]:
    """The rows of one of the page's aggregate passes, reused until the measures change (measures.freshness)."""
    def fetch() -> list[tuple]:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    return cached_aggregate(("dashboard", sql, params), fetch)


def chart_data(dashboard: Dashboard) -> dict:
    """What the ECharts script needs, with translated labels (passed to the page with json_script)."""
    return {
        "labels": {
            "closed": _("Closed"), "unfinished": _("Not yet closed"), "rate": _("Completion rate (%)"),
            "overdue": _("Overdue"), "open": _("Open measures"), "measures": _("Measures"),
        },
        "categories": dashboard.categories,
        "departments": dashboard.departments,
        "statuses": dashboard.statuses,
        "overdue": dashboard.overdue_buckets,
        "burndown": {
            "days": dashboard.burndown["days"], "open": dashboard.burndown["open"],
            "url": dashboard.links["unfinished"],
        },
        "courts": dashboard.courts,
    }
