"""The scheduled scans: overdue flags, reminders, escalation, report-due and look-back creation.

Each scan is one set-based statement whose WHERE clause is the claim (the healthchecks pattern):
running it twice in a row, or twice at once, changes nothing the second time, because the rows
it would touch no longer match, and every alert it writes is unique per (measure, kind, key, days)
and inserted only where none exists (ON CONFLICT DO NOTHING; NOT EXISTS for the overdue alerts,
which only the scan holding the measure's row lock writes). Dates are judged in Asia/Shanghai
(settings.TIME_ZONE).
"""

import datetime

from django.db import connection, transaction

from issues.models import Review

from .calendar import add_working_days
from .freshness import measures_changed
from .models import local_today

OPEN = "('not_started', 'in_progress', 'closeout_requested')"


def overdue_scan(*, today: datetime.date | None = None) -> int:
    """Flag open measures whose current deadline has passed; record the day each became overdue.

    Served by the partial index measure_overdue_candidates, whose condition is this WHERE.
    Extending or closing a measure clears the marker in measures.workflow, in the same transaction.
    """
    today = today or local_today()
    with transaction.atomic(), connection.cursor() as cur:
        # The planner cannot see that open, past-deadline, unflagged measures are rare (this scan keeps
        # them rare): it multiplies the conditions' selectivities and expects ~20% of the table where
        # the index holds ~2% and ~0.1% match, so on some days a full scan (0.5-0.7 s at 1,000,000
        # measures) costs less than the index (50-100 ms) on paper. The index matches this WHERE: it
        # is never the worse plan, the first-ever scan included.
        cur.execute("SET LOCAL enable_seqscan = off")
        # For the same reason the alert insert's anti-join would hash every alert ever written
        # (150 ms on a daily scan once the outbox holds 400,000 rows): probe the unique index instead.
        cur.execute("SET LOCAL enable_hashjoin = off")
        cur.execute("SET LOCAL enable_mergejoin = off")
        cur.execute(
            f"""
            WITH flagged AS (
                UPDATE measures_measure SET overdue_since = current_deadline + 1
                WHERE current_deadline < %(today)s AND overdue_since IS NULL
                  AND status IN {OPEN} AND type <> 'ongoing'
                RETURNING id, overdue_since
            ), alerts AS (
                -- NOT EXISTS rather than ON CONFLICT: a measure closed and reopened with the same
                -- deadline has its alert already; nobody else can insert one meanwhile, since only
                -- the scan that flagged the row (holding its lock) writes 'overdue' alerts. The
                -- anti-join costs about 1 s less than speculative inserts for a first-ever scan.
                INSERT INTO measures_measurealert (measure_id, kind, key, days, created_at)
                SELECT f.id, 'overdue', f.overdue_since, 0, now() FROM flagged f
                WHERE NOT EXISTS (
                    SELECT 1 FROM measures_measurealert a
                    WHERE a.measure_id = f.id AND a.kind = 'overdue' AND a.key = f.overdue_since AND a.days = 0
                )
            )
            SELECT count(*) FROM flagged
            """,
            {"today": today},
        )
        flagged = cur.fetchone()[0]
        if flagged:
            measures_changed()
        return flagged


def reminders_scan(*, today: datetime.date | None = None) -> int:
    """临期 reminders, escalation of long-overdue measures, and progress reports that are due.

    Due-soon: for each threshold of the review (default 7 and 3 days) one alert, sent for the
    smallest threshold the measure has reached — a skipped day does not send two at once.
    Escalation: overdue for at least the review's escalation_days. Report due: a weekly or monthly
    measure with no progress report in this week or month.
    """
    today = today or local_today()
    thresholds = sorted({d for days in Review.objects.values_list("reminder_days", flat=True) for d in days or []})
    # Each threshold's last deadline date, on the calendar and in working days (holidays skipped).
    bounds = [(d, today + datetime.timedelta(days=d), add_working_days(today, d)) for d in thresholds] or [
        (0, today, today)
    ]
    values = ", ".join(["(%s::int, %s::date, %s::date)"] * len(bounds))
    params = [v for bound in bounds for v in bound]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO measures_measurealert (measure_id, kind, key, days, created_at)
            SELECT m.id, 'due_soon', m.current_deadline, t.days, now()
            FROM measures_measure m
            JOIN issues_review r ON r.id = m.review_id
            CROSS JOIN LATERAL (
                SELECT min(b.d) AS days FROM (VALUES {values}) AS b(d, calendar_day, working_day)
                WHERE b.d = ANY(r.reminder_days)
                  AND m.current_deadline <= CASE WHEN r.reminder_working_days THEN b.working_day
                                                 ELSE b.calendar_day END
            ) t
            WHERE m.status IN {OPEN} AND m.type <> 'ongoing'
              AND m.current_deadline >= %s AND t.days IS NOT NULL
            ON CONFLICT DO NOTHING
            """,
            [*params, today],
        )
        created = cur.rowcount
        cur.execute(
            f"""
            INSERT INTO measures_measurealert (measure_id, kind, key, days, created_at)
            SELECT m.id, 'escalation', m.overdue_since, r.escalation_days, now()
            FROM measures_measure m JOIN issues_review r ON r.id = m.review_id
            WHERE m.overdue_since IS NOT NULL AND m.status IN {OPEN}
              AND m.overdue_since <= %(today)s - r.escalation_days
            ON CONFLICT DO NOTHING
            """,
            {"today": today},
        )
        created += cur.rowcount
        cur.execute(
            f"""
            INSERT INTO measures_measurealert (measure_id, kind, key, days, created_at)
            SELECT m.id, 'report_due', p.start, 0, now()
            FROM measures_measure m
            CROSS JOIN LATERAL (
                SELECT CASE m.report_frequency WHEN 'weekly' THEN date_trunc('week', %(today)s::date)::date
                                               ELSE date_trunc('month', %(today)s::date)::date END AS start
            ) p
            WHERE m.report_frequency IN ('weekly', 'monthly')
              AND (m.status IN {OPEN} OR m.status = 'ongoing')
              AND m.created_at::date < p.start
              AND NOT EXISTS (
                  SELECT 1 FROM measures_progressreport pr
                  WHERE pr.measure_id = m.id AND pr.created_at >= p.start::timestamp AT TIME ZONE %(tz)s
              )
            ON CONFLICT DO NOTHING
            """,
            {"today": today, "tz": connection.timezone_name},
        )
        created += cur.rowcount
        return created


def lookbacks_create(*, today: datetime.date | None = None) -> int:
    """回头看: N months (per review) after a close-out, a look-back task for the rectification office."""
    today = today or local_today()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            WITH due AS (
                INSERT INTO measures_lookback (measure_id, due_on, outcome, note)
                SELECT m.id, (m.completed_on + make_interval(months => r.lookback_months))::date, 'pending', ''
                FROM measures_measure m JOIN issues_review r ON r.id = m.review_id
                WHERE m.status = 'closed' AND m.completed_on IS NOT NULL
                  AND (m.completed_on + make_interval(months => r.lookback_months))::date <= %(today)s
                ON CONFLICT (measure_id, due_on) DO NOTHING
                RETURNING measure_id, due_on
            ), alerts AS (
                INSERT INTO measures_measurealert (measure_id, kind, key, days, created_at)
                SELECT measure_id, 'lookback_due', due_on, 0, now() FROM due
                ON CONFLICT DO NOTHING
            )
            SELECT count(*) FROM due
            """,
            {"today": today},
        )
        return cur.fetchone()[0]
