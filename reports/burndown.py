"""The burn-down's daily snapshot: open measures at the end of each day, per review and lead department.

Written from the measure history by the nightly job (``burndown_days_write``, scheduled at 00:05) for
every day not written yet, so a night the worker was down is filled the next night; the dashboard
fills a gap itself when it finds one, so a fresh database needs no job run first. The seed, which
back-dates history, rewrites every day. Today is never written: the dashboard takes today's point from
its live tiles, so a change shows on the next visit while the past weeks stay as the history wrote
them. The read (``burndown_points``) touches one row per (review, week) in scope, not the history.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.db import connection, transaction

from measures.models import Measure, local_today

from .models import BurndownDay, BurndownRun

OPEN_STATUSES = [str(s) for s in Measure.OPEN_STATUSES]
# The longest burn-down the dashboard draws (reports.dashboards.BURNDOWN_MAX_WEEKS) and one week more.
KEEP_DAYS = 54 * 7

# Each history row against the previous row of the same measure: a measure that becomes open counts
# +1 under its (review, department) on that day, one that stops being open (or moves) counts -1 under
# the old ones; the running sum per (review, department) is the number open at each day's end, and
# each running value holds from its day until the next change. The whole review is summed too
# (lead_department NULL), so the unfiltered dashboard reads one row per review and week.
WRITE_SQL = """
WITH h AS (
    SELECT hm.history_date AS at, hm.review_id, hm.lead_department_id AS dept, s.is_open,
           LAG(s.is_open, 1, false) OVER w AS was_open,
           LAG(hm.review_id) OVER w AS was_review, LAG(hm.lead_department_id) OVER w AS was_dept
    FROM measures_historicalmeasure hm,
         LATERAL (SELECT hm.history_type <> '-' AND hm.status = ANY(%(open)s) AND hm.type <> 'ongoing' AS is_open) s
    WHERE hm.history_date < %(until)s
    WINDOW w AS (PARTITION BY hm.id ORDER BY hm.history_date, hm.history_id)
), moves AS (
    SELECT at, review_id, dept, is_open, was_open,
           was_review IS DISTINCT FROM review_id OR was_dept IS DISTINCT FROM dept AS moved,
           was_review, was_dept
    FROM h WHERE is_open OR was_open
), changes AS (
    SELECT at, was_review AS review_id, was_dept AS dept, -1 AS delta FROM moves
    WHERE was_open AND (NOT is_open OR moved)
    UNION ALL
    SELECT at, review_id, dept, 1 FROM moves WHERE is_open AND (NOT was_open OR moved)
), per_day AS (
    SELECT (at AT TIME ZONE %(tz)s)::date AS day, review_id, dept, SUM(delta) AS delta
    FROM changes WHERE review_id IS NOT NULL GROUP BY 1, 2, 3
), levels AS (
    SELECT day, review_id, dept, delta FROM per_day WHERE dept IS NOT NULL
    UNION ALL
    SELECT day, review_id, NULL, SUM(delta) FROM per_day GROUP BY 1, 2
), running AS (
    SELECT day, review_id, dept, SUM(delta) OVER k AS open, LEAD(day) OVER k AS next_day
    FROM levels
    WINDOW k AS (PARTITION BY review_id, dept ORDER BY day)
)
INSERT INTO reports_burndownday (day, review_id, lead_department_id, open)
SELECT g.day::date, r.review_id, r.dept, r.open
FROM running r,
     generate_series(GREATEST(r.day, %(since)s)::timestamp,
                     LEAST(COALESCE(r.next_day - 1, %(through)s), %(through)s)::timestamp, interval '1 day') g(day)
WHERE r.open > 0 AND r.day <= %(through)s
"""


def burndown_written_through() -> datetime.date | None:
    return BurndownRun.objects.order_by("-through").values_list("through", flat=True).first()


def burndown_days_write(*, through: datetime.date | None = None, rebuild: bool = False) -> int:
    """Write the days after the last one written, up to ``through`` (default yesterday); all kept days
    when ``rebuild``. Idempotent, and two writers at once write each day once (the second waits, then
    finds the days written). Returns the number of rows written."""
    through = through or local_today() - datetime.timedelta(days=1)
    with transaction.atomic(), connection.cursor() as cur:
        # Serialises the writers of this table only; nothing else waits for it.
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('reports_burndownday'))")
        last = None if rebuild else burndown_written_through()
        if last is not None and last >= through:
            return 0
        since = max(last + datetime.timedelta(days=1), through - datetime.timedelta(days=KEEP_DAYS)) if last else (
            through - datetime.timedelta(days=KEEP_DAYS)
        )
        BurndownDay.objects.filter(day__gte=since).delete()
        cur.execute(WRITE_SQL, {
            "open": OPEN_STATUSES, "tz": settings.TIME_ZONE, "since": since, "through": through,
            # the end of `through` in court time: later history rows cannot change the days written
            "until": datetime.datetime.combine(through + datetime.timedelta(days=1), datetime.time(),
                                               tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)),
        })
        rows = cur.rowcount
        BurndownDay.objects.filter(day__lt=through - datetime.timedelta(days=KEEP_DAYS)).delete()
        BurndownRun.objects.create(through=through, rows=rows)
        return rows


def burndown_points(*, review_ids: list[int], department_id: int | None, today: datetime.date,
                    open_now: int, max_weeks: int) -> dict:
    """Open measures at the end of each week up to today: past weeks from the snapshot, today live.

    One query; when it finds the snapshot behind (no run through yesterday) the missing days are
    written first and it is read again."""
    dept = "lead_department_id = %(dept)s" if department_id is not None else "lead_department_id IS NULL"
    # Every past week's point in one pass over the rows of those days (no MIN(day) over the scope
    # first: at 1,000,000 measures that probe cost five times the read); leading empty weeks are cut below.
    sql = f"""
        SELECT p.day, COALESCE(SUM(b.open), 0)::int, (SELECT MAX(through) FROM reports_burndownrun)
        FROM (SELECT %(today)s::date - 7 * k AS day FROM generate_series(1, %(weeks)s) k) p
        LEFT JOIN reports_burndownday b ON b.day = p.day AND b.review_id = ANY(%(reviews)s) AND b.{dept}
        GROUP BY p.day ORDER BY p.day
    """
    params = {"reviews": review_ids, "dept": department_id, "today": today, "weeks": max_weeks}
    yesterday = today - datetime.timedelta(days=1)
    for attempt in range(2):
        with connection.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
            through = rows[0][2]
        if attempt == 0 and (through is None or through < yesterday):
            burndown_days_write(through=yesterday)
            continue
        break
    points = [(day, count) for day, count, _through in rows] + [(today, open_now)]
    # The chart starts one week before the first week with open measures (as a line from zero).
    first = next((i for i, (_day, count) in enumerate(points) if count), None)
    points = [] if first is None else points[max(first - 1, 0):]
    return {"days": [day.isoformat() for day, _count in points], "open": [count for _day, count in points]}
