"""Fill a benchmark database with N measures of realistic Chinese text and history.

    python -m bench.generate --measures 100000 [--history-per-measure 10] [--reset]

Set-based: every table is filled by one INSERT … SELECT over generate_series, so 1,000,000
measures take well under a minute. The first review holds 10,000 measures (the bulletin
scenario); the rest come in reviews of 1,000. About half the measures are open, most of those
past their deadline and not yet flagged (overdue_since IS NULL), so the first overdue scan has
real work to do. Run it against a database of its own (bench/run.py uses courtreform_bench).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "courtreform.settings")
os.environ.setdefault("DEMO", "1")

BIG_REVIEW = 10_000
REVIEW_SIZE = 1_000
COURTS = 10
DEPARTMENTS = [
    "政治部", "督察室", "审管办", "执行局", "立案庭", "办公室", "刑事审判庭", "民事审判庭",
    "行政审判庭", "机关党委", "司法警察大队", "人民法庭",
]
MEASURE_TEXTS = [
    "建立健全案款管理台账,逐案清理历史案款",
    "完善院庭长办案监督管理机制,明确监管范围",
    "开展长期未结案件专项清理,每月发布通报",
    "落实意识形态工作责任制,纳入绩效考核",
    "加强年轻干警梯度培养,建立优秀年轻干警库",
    "规范拘留措施实施,制定具体操作规定",
    "深化诉源治理,推进庭所共建和法官进网格",
    "修订综合绩效考核办法,科学设定办案基数",
    "开展司法作风专项整治,全面检查各工作环节",
    "严格执行党组议事决策规则,规范集体讨论程序",
]
PROBLEM_TEXTS = [
    "案款管理存在较大风险", "超长期案件执行的随意性较大", "发改案件管理监督不够严格",
    "意识形态工作不够扎实", "干警队伍建设存在短板", "“两个责任”落实不到位",
    "基层党建作弱项", "践行司法为民、保障群众权益存在差距",
]
CATEGORIES = ["政治建设方面", "全面从严治党方面", "队伍建设方面", "审判执行工作方面"]


def _sql_array(items: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + s.replace("'", "''") + "'" for s in items) + "]"


def generate(measures: int, history_per_measure: int, reset: bool) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from measures.models import Measure

    if Measure.objects.exists() and not reset:
        return {"measures": Measure.objects.count(), "note": "already generated; pass --reset to rebuild"}
    reset = True  # a bench database only: start from empty tables, even after an interrupted run
    started = time.perf_counter()
    problems = (measures + 9) // 10
    reviews = 1 if measures <= BIG_REVIEW else 1 + (measures - BIG_REVIEW + REVIEW_SIZE - 1) // REVIEW_SIZE
    review_of = f"(CASE WHEN {{i}} < {BIG_REVIEW} THEN 0 ELSE 1 + ({{i}} - {BIG_REVIEW}) / {REVIEW_SIZE} END)"
    password = make_password("Bench@2026x").replace("'", "''")
    ndept = len(DEPARTMENTS)
    with transaction.atomic(), connection.cursor() as cur:
        if reset:
            cur.execute(
                "TRUNCATE measures_historicalmeasure, measures_historicalmeasure_supporting_departments, "
                "measures_measure, issues_review, accounts_department, accounts_court, accounts_user "
                "RESTART IDENTITY CASCADE"
            )
        cur.execute(
            "INSERT INTO accounts_court (id, name, short_name, level, parent_id) "
            "SELECT g, CASE WHEN g = 1 THEN '基准市中级人民法院' ELSE '基准区' || g || '人民法院' END, '', "
            f"CASE WHEN g = 1 THEN 'intermediate' ELSE 'basic' END, CASE WHEN g = 1 THEN NULL ELSE 1 END "
            f"FROM generate_series(1, {COURTS}) g"
        )
        cur.execute(
            'INSERT INTO accounts_department (id, court_id, name, "order") '
            f"SELECT (c - 1) * {ndept} + d, c, ({_sql_array(DEPARTMENTS)})[d], d "
            f"FROM generate_series(1, {COURTS}) c, generate_series(1, {ndept}) d"
        )
        # Per court: user (c-1)*20+1 leader, +2 office, +3 discipline, +4.. staff of each department.
        cur.execute(
            "INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined, full_name, court_id, department_id, title, roles) "
            f"SELECT (c - 1) * 20 + u, '{password}', false, 'bench_' || c || '_' || u, '', '', '', false, true, now(), "
            "'用户' || c || '-' || u, c, "
            f"CASE WHEN u >= 4 THEN (c - 1) * {ndept} + (u - 3) ELSE NULL END, "
            "CASE u WHEN 1 THEN '副院长' WHEN 2 THEN '督察室主任' WHEN 3 THEN '纪检组长' ELSE '联络员' END, "
            "CASE u WHEN 1 THEN ARRAY['leader'] WHEN 2 THEN ARRAY['rectification_office'] "
            "WHEN 3 THEN ARRAY['discipline_office'] ELSE ARRAY['staff'] END "
            f"FROM generate_series(1, {COURTS}) c, generate_series(1, {3 + ndept}) u"
        )
        cur.execute(
            "INSERT INTO accounts_user_supervised_departments (user_id, department_id) "
            f"SELECT (c - 1) * 20 + 1, (c - 1) * {ndept} + d FROM generate_series(1, {COURTS}) c, "
            f"generate_series(1, {ndept}) d"
        )
        cur.execute(
            "INSERT INTO issues_review (id, court_id, title, source, issuing_body, feedback_date, deadline, "
            "leading_group, status, reminder_days, reminder_working_days, escalation_days, lookback_months, "
            "bulletin_frequency, created_at) "
            f"SELECT r + 1, (r % {COURTS}) + 1, '第' || (r + 1) || '轮巡察反馈意见整改', 'xuncha', '市委第' || (r % 9 + 1) || '巡察组', "
            "CURRENT_DATE - 400, CURRENT_DATE + 200, '', 'active', ARRAY[7,3], false, 30, 3, 'monthly', now() "
            f"FROM generate_series(0, {reviews - 1}) r"
        )
        cur.execute(
            'INSERT INTO issues_category (id, review_id, name, "order") '
            f"SELECT r * 4 + k + 1, r + 1, ({_sql_array(CATEGORIES)})[k + 1], k "
            f"FROM generate_series(0, {reviews - 1}) r, generate_series(0, 3) k"
        )
        rv = review_of.format(i="(p * 10)")
        cur.execute(
            'INSERT INTO issues_problem (id, category_id, review_id, description, root_cause, "order", '
            "responsible_leader_id, lead_department_id) "
            f"SELECT p + 1, {rv} * 4 + (p % 4) + 1, {rv} + 1, "
            f"({_sql_array(PROBLEM_TEXTS)})[(p % {len(PROBLEM_TEXTS)}) + 1] || '(' || (p + 1) || ')', '', p % 50, "
            f"({rv} % {COURTS}) * 20 + 1, ({rv} % {COURTS}) * {ndept} + (p % {ndept}) + 1 "
            f"FROM generate_series(0, {problems - 1}) p"
        )
        rv = review_of.format(i="i")
        # status buckets by (i * 7) % 20: 0-9 closed, 10-15 in progress, 16-17 not started, 18 close-out requested,
        # 19 in progress; every tenth measure is 长期坚持 (ongoing) and every tenth+8 立行立改.
        cur.execute(
            'INSERT INTO measures_measure (id, problem_id, review_id, "order", text, type, target, '
            "responsible_leader_id, lead_department_id, owner_id, report_frequency, original_deadline, "
            "current_deadline, progress_percent, status, completed_on, result, rules_adopted, overdue_since, "
            "relapse_count, version, created_at, updated_at) "
            "SELECT i + 1, i / 10 + 1, " + rv + " + 1, i % 10, "
            f"({_sql_array(MEASURE_TEXTS)})[(i % {len(MEASURE_TEXTS)}) + 1] || '(第' || (i + 1) || '条)', "
            "CASE WHEN i % 10 = 9 THEN 'ongoing' WHEN i % 10 = 8 THEN 'immediate' ELSE 'deadline' END, '', "
            f"({rv} % {COURTS}) * 20 + 1, ({rv} % {COURTS}) * {ndept} + (i / 10 % {ndept}) + 1, "
            f"({rv} % {COURTS}) * 20 + 4 + (i / 10 % {ndept}), "
            "'monthly', d.deadline, d.deadline, "
            "CASE WHEN s.status = 'closed' THEN 100 WHEN s.status = 'not_started' THEN 0 ELSE (i * 13) % 90 END, "
            "s.status, CASE WHEN s.status = 'closed' THEN d.deadline - 5 END, "
            "CASE WHEN s.status = 'closed' THEN '已完成整改,建立长效机制' ELSE '' END, (i % 3), NULL, 0, 1, now(), now() "
            f"FROM generate_series(0, {measures - 1}) i "
            "CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 = 9 THEN NULL::date "
            "ELSE CURRENT_DATE - ((i * 37) % 700) + 30 END AS deadline) d "
            "CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 = 9 THEN 'ongoing' "
            "WHEN (i * 7) % 20 < 10 THEN 'closed' WHEN (i * 7) % 20 < 16 THEN 'in_progress' "
            "WHEN (i * 7) % 20 < 18 THEN 'not_started' WHEN (i * 7) % 20 = 18 THEN 'closeout_requested' "
            "ELSE 'in_progress' END AS status) s"
        )
        cur.execute(
            "INSERT INTO measures_progressreport (measure_id, author_id, note, percent, created_at) "
            "SELECT m.id, m.owner_id, '本月完成' || m.progress_percent || '%,正按计划推进', m.progress_percent, "
            "now() - ((m.id % 300) || ' days')::interval - (k || ' days')::interval "
            "FROM measures_measure m, generate_series(0, 1) k WHERE m.status <> 'not_started'"
        )
        # History: the first row is the creation, the last carries today's state; the ones between
        # walk the measure through 推进中, spread over the past year, so burn-downs have a past.
        h = max(1, history_per_measure)
        cur.execute(
            "INSERT INTO measures_historicalmeasure (id, problem_id, review_id, \"order\", text, type, target, "
            "responsible_leader_id, lead_department_id, owner_id, report_frequency, original_deadline, "
            "current_deadline, progress_percent, status, completed_on, result, rules_adopted, overdue_since, "
            "relapse_count, version, created_at, updated_at, history_date, history_change_reason, history_type, "
            "history_user_id) "
            "SELECT m.id, m.problem_id, m.review_id, m.\"order\", m.text, m.type, m.target, m.responsible_leader_id, "
            "m.lead_department_id, m.owner_id, m.report_frequency, m.original_deadline, m.current_deadline, "
            f"CASE WHEN s = {h} THEN m.progress_percent ELSE (s - 1) * 100 / {h} END, "
            f"CASE WHEN s = {h} THEN m.status WHEN s = 1 THEN 'not_started' "
            "WHEN m.type = 'ongoing' THEN 'ongoing' ELSE 'in_progress' END, "
            f"CASE WHEN s = {h} THEN m.completed_on END, '', 0, NULL, 0, s, m.created_at, m.updated_at, "
            f"now() - (({h} - s) * 36 + m.id % 30 || ' days')::interval, "
            "CASE WHEN s = 1 THEN 'created' ELSE 'progress' END, CASE WHEN s = 1 THEN '+' ELSE '~' END, m.owner_id "
            f"FROM measures_measure m, generate_series(1, {h}) s"
        )
        for table in ("accounts_court", "accounts_department", "accounts_user", "issues_review", "issues_category",
                      "issues_problem", "measures_measure"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {
        "measures": measures,
        "problems": problems,
        "reviews": reviews,
        "history_rows": measures * h,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--history-per-measure", type=int, default=10)
    parser.add_argument("--reset", action="store_true", help="empty the benchmark tables first")
    args = parser.parse_args(argv)
    print(generate(args.measures, args.history_per_measure, args.reset), file=sys.stderr)


if __name__ == "__main__":
    main()
