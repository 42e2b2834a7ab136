"""Leaders' dashboards: where rectification stands, computed in the database.

Every figure is an aggregate over ``measures_visible_to(user)`` narrowed by ``MeasureFilter`` — the
same FilterSet the measure list uses — so a tile and the list it links to count the same rows.
The number of queries does not depend on the number of measures: one aggregate for the tiles,
status and overdue buckets; one grouped query each for categories, departments and courts; one
window-function query over the history table for the burn-down (cached briefly, see
``BURNDOWN_CACHE_SECONDS``); plus the few small lookups that fill the filter's choices.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Court, Department, User
from issues.models import Category
from measures.filters import (
    EXTENDED_Q,
    OVERDUE_BUCKET_CHOICES,
    RELAPSED_Q,
    MeasureFilter,
    overdue_bucket_q,
    traffic_light_q,
)
from measures.models import Measure, local_today
from measures.selectors import measures_visible_to, reviews_visible_to

# The filters a dashboard takes from its URL (bookmarkable); drill-down links carry them on.
DASHBOARD_PARAMS = ("review", "category", "lead_department", "court", "deadline_from", "deadline_to")
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


def _rate(done: int, total: int) -> float | None:
    return round(100 * done / total, 1) if total else None


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
    reviews = reviews_visible_to(user).order_by("-feedback_date", "-id")
    categories = Category.objects.filter(review__in=reviews_visible_to(user))
    if str(data.get("review", "")).isdigit():
        categories = categories.filter(review_id=data["review"])
    category_names = list(categories.order_by("name").values_list("name", flat=True).distinct())
    tree = user.court_tree_ids()
    courts = list(Court.objects.filter(pk__in=tree).order_by("id")) if len(tree) > 1 else []
    if user.is_office:
        departments = Department.objects.filter(court_id__in=tree)
    else:
        departments = Department.objects.filter(pk__in=measures_visible_to(user).values("lead_department_id"))
    departments = list(departments.select_related("court").order_by("court_id", "order", "id"))
    many_courts = len({d.court_id for d in departments}) > 1
    for department in departments:
        department.label = f"{department.court.short_name or department.court.name} {department.name}" if (
            many_courts) else department.name
    return MeasureFilter(
        data, queryset=measures_visible_to(user), reviews=reviews, categories=category_names, courts=courts,
        departments=departments,
    )


def dashboard_for(*, user: User, params: QueryDict | dict) -> Dashboard:
    measure_filter = dashboard_filter(user=user, params=params)
    qs = measure_filter.qs.order_by()
    given = {k: measure_filter.data.get(k) for k in DASHBOARD_PARAMS if measure_filter.data.get(k)}
    link = _Links(given)
    today = local_today()
    tiles = _tiles(qs, today)
    categories = _categories(qs, link)
    tiles["problems"] = sum(c["problems"] for c in categories)
    tiles["problems_complete"] = sum(c["problems_complete"] for c in categories)
    tiles["problems_incomplete"] = tiles["problems"] - tiles["problems_complete"]
    tiles["problem_rate"] = _rate(tiles["problems_complete"], tiles["problems"])
    tiles["measure_rate"] = _rate(tiles["closed"], tiles["closable"])
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
    courts = _courts(qs, measure_filter, link) if measure_filter.form.fields["court"].widget.choices else []
    return Dashboard(
        filter=measure_filter, params=given, tiles=tiles, links=links, categories=categories,
        departments=_departments(qs, link), statuses=statuses, overdue_buckets=buckets,
        burndown=burndown(qs, today=today), courts=courts, today=today,
    )


def _tiles(qs: QuerySet[Measure], today: datetime.date) -> dict:
    """Every tile, the status distribution and the overdue buckets: one aggregate query."""
    counts = {
        "measures": Count("*"),
        "ongoing": Count("pk", filter=ONGOING),
        "closable": Count("pk", filter=~ONGOING),
        "closed": Count("pk", filter=CLOSED),
        "in_progress": Count("pk", filter=Q(status=Measure.Status.IN_PROGRESS) & ~ONGOING),
        "closeout_requested": Count("pk", filter=Q(status=Measure.Status.CLOSEOUT_REQUESTED) & ~ONGOING),
        "not_started": Count("pk", filter=Q(status=Measure.Status.NOT_STARTED) & ~ONGOING),
        "overdue": Count("pk", filter=traffic_light_q("red", today)),
        "due_soon": Count("pk", filter=traffic_light_q("yellow", today)),
        "extended": Count("pk", filter=EXTENDED_Q),
        "relapsed": Count("pk", filter=RELAPSED_Q),
    }
    for value in Measure.Status.values:
        counts[f"status_{value}"] = Count("pk", filter=Q(status=value))
    for key, _label in OVERDUE_BUCKET_CHOICES:
        counts[f"overdue_{key}"] = Count("pk", filter=overdue_bucket_q(key, today))
    return qs.aggregate(**counts)


def _categories(qs: QuerySet[Measure], link: _Links) -> list[dict]:
    """Per category (by name, so court-wide views add up like categories): problems and measures done.

    One query: measures grouped by problem, then problems grouped by category, both in SQL.
    """
    per_problem = qs.values("problem_id", "problem__category__name").annotate(
        closable=Count("pk", filter=~ONGOING),
        unfinished=Count("pk", filter=~ONGOING & ~CLOSED),
    )
    inner, params = per_problem.query.sql_with_params()
    sql = (
        "SELECT name, COUNT(*) AS problems, "
        "COUNT(*) FILTER (WHERE closable > 0 AND unfinished = 0) AS problems_complete, "
        "SUM(closable) AS closable, SUM(closable - unfinished) AS closed "
        f"FROM ({inner}) AS p(problem_id, name, closable, unfinished) GROUP BY name ORDER BY name"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [
        {
            "name": name, "problems": problems, "problems_complete": complete, "closable": closable,
            "closed": closed, "unfinished": closable - closed, "rate": _rate(closed, closable),
            "url": link(category=name, ongoing="0"), "closed_url": link(category=name, status=Measure.Status.CLOSED),
            "unfinished_url": link(category=name, unfinished="1"),
        }
        for name, problems, complete, closable, closed in rows
    ]


def _departments(qs: QuerySet[Measure], link: _Links) -> list[dict]:
    """部门排名: completion rate (closed of the measures to close) and overdue count per lead department."""
    rows = (
        qs.filter(lead_department__isnull=False)
        .values("lead_department_id", "lead_department__name", "lead_department__court__short_name")
        .annotate(
            closable=Count("pk", filter=~ONGOING),
            closed=Count("pk", filter=CLOSED),
            overdue=Count("pk", filter=traffic_light_q("red")),
        )
        .order_by()
    )
    rows = list(rows)
    many_courts = len({r["lead_department__court__short_name"] for r in rows}) > 1
    ranking = [
        {
            "id": r["lead_department_id"],
            "name": (f"{r['lead_department__court__short_name']} " if many_courts else "") + r["lead_department__name"],
            "closable": r["closable"], "closed": r["closed"], "overdue": r["overdue"],
            "rate": _rate(r["closed"], r["closable"]),
            "url": link(lead_department=r["lead_department_id"], ongoing="0"),
            "overdue_url": link(lead_department=r["lead_department_id"], light="red"),
        }
        for r in rows
    ]
    ranking.sort(key=lambda d: (-(d["rate"] if d["rate"] is not None else -1), d["overdue"], d["name"]))
    return ranking


def _courts(qs: QuerySet[Measure], measure_filter: MeasureFilter, link: _Links) -> list[dict]:
    """A 中院 sees the courts below it side by side: completion and overdue per court (one query)."""
    rows = {
        r["review__court_id"]: r
        for r in qs.values("review__court_id").annotate(
            measures=Count("*"),
            closable=Count("pk", filter=~ONGOING),
            closed=Count("pk", filter=CLOSED),
            overdue=Count("pk", filter=traffic_light_q("red")),
        ).order_by()
    }
    result = []
    for court_id, court_name in measure_filter.form.fields["court"].widget.choices:
        if court_id == "":
            continue
        r = rows.get(court_id, {})
        closable, closed = r.get("closable", 0), r.get("closed", 0)
        result.append({
            "id": court_id, "name": court_name, "measures": r.get("measures", 0), "closable": closable,
            "closed": closed, "overdue": r.get("overdue", 0), "rate": _rate(closed, closable),
            "url": link(court=court_id), "overdue_url": link(court=court_id, light="red"),
        })
    return result


def burndown(qs: QuerySet[Measure], *, today: datetime.date) -> dict:
    """Open measures (to be closed; 长期坚持 apart) at the end of each week, from the history table.

    Each history row is compared with the previous row of the same measure (a window function):
    becoming open counts +1 on that day, leaving open -1; the weekly points sum the changes up to
    each day. One pass over the history of the measures in scope, whatever the number of points.
    Cached for BURNDOWN_CACHE_SECONDS under a key made of the query itself (scope and filters).
    """
    ids_sql, ids_params = qs.values("id").query.sql_with_params()
    sql = (
        "WITH h AS ("
        " SELECT (hm.history_date AT TIME ZONE %s)::date AS day,"
        " (hm.history_type <> '-' AND hm.status = ANY(%s) AND hm.type <> 'ongoing') AS is_open,"
        " LAG(hm.history_type <> '-' AND hm.status = ANY(%s) AND hm.type <> 'ongoing')"
        " OVER (PARTITION BY hm.id ORDER BY hm.history_date, hm.history_id) AS was_open"
        f" FROM measures_historicalmeasure hm WHERE hm.id IN ({ids_sql})"
        "), deltas AS ("
        " SELECT day, SUM(CASE WHEN is_open THEN 1 ELSE -1 END) AS delta FROM h"
        " WHERE is_open IS DISTINCT FROM COALESCE(was_open, false) GROUP BY day"
        "), points AS ("
        " SELECT %s::date - 7 * k AS day FROM (SELECT MIN(day) AS first FROM deltas) b,"
        " generate_series(0, LEAST(%s, (%s::date - b.first) / 7 + 1)) k"
        ")"
        " SELECT p.day, COALESCE(SUM(d.delta), 0)::int FROM points p LEFT JOIN deltas d ON d.day <= p.day"
        " GROUP BY p.day ORDER BY p.day"
    )
    params = [settings.TIME_ZONE, OPEN_STATUSES, OPEN_STATUSES, *ids_params, today, BURNDOWN_MAX_WEEKS, today]
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
