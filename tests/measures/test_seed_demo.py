"""``manage.py seed_demo``: the demo data the README promises, built once per module and rolled back."""

import datetime
import io

import filetype
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import SEPARATED_ADMIN_ROLES, Court, Department, Role, User
from issues.models import Category, Finding, Problem, Review
from measures import demo_data
from measures.models import CloseOut, Evidence, Extension, LookBack, Measure, ProgressReport

# The twelve problems of the bulletin in seeds/003: nine rectified, three still in progress.
RECTIFIED = {
    "统筹推进扫黑除恶专项斗争的力度还不小",
    "党组领导核心作用发挥不够充分",
    "意识形态工作不够扎实",
    "干警队伍建设存在短板",
    "“两个责任”落实不到位",
    "案款管理存在较大风险",
    "超长期案件执行的随意性较大",
    "发改案件管理监督不够严格",
    "对司法巡查等发现问题的整改落实不到位",
}
IN_PROGRESS = {
    "主动适应司法体制改革创新的意识还不强",
    "基层党建作弱项",
    "践行司法为民、保障群众权益存在差距",
}
SIX_GAPS = {"思想观念", "竞争状态", "专业能力", "创新举措", "司法作风", "工作成效"}


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py sets per test


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    media = tmp_path_factory.mktemp("seed_media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue(), media
        transaction.set_rollback(True)


@pytest.fixture
def seed_output(seeded, settings):
    settings.MEDIA_ROOT = seeded[1]
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return seeded[0]


@pytest.fixture
def inspection(seed_output, db) -> Review:
    return Review.objects.get(title=demo_data.MAIN_REVIEW_TITLE)


def _counts() -> dict[str, int]:
    models = [Court, Department, User, Review, Category, Problem, Finding, Measure, ProgressReport, Evidence,
              CloseOut, Extension, LookBack, Measure.history.model]
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_inspection_review_is_4_categories_12_problems_65_measures(inspection):
    assert inspection.source == Review.Source.PARTY_INSPECTION
    assert inspection.court.name == "无锡市新吴区人民法院"
    assert inspection.court.parent.name == "无锡市中级人民法院"
    # Moved as a whole relative to today (demo_data.relative_to_today), keeping the seed's intervals.
    assert inspection.feedback_date == timezone.localdate() - datetime.timedelta(days=200)
    assert inspection.deadline - inspection.feedback_date == datetime.date(2020, 12, 31) - datetime.date(2020, 7, 16)
    assert inspection.categories.count() == 4
    assert inspection.problems.count() == 12
    assert inspection.measures.count() == 65
    assert set(inspection.problems.values_list("description", flat=True)) == RECTIFIED | IN_PROGRESS
    assert sum(inspection.measures.values_list("rules_adopted", flat=True)) == 20  # "制定或完善相关制度20个"


@pytest.mark.django_db
def test_reviews_with_open_measures_are_dated_around_today_not_years_back(inspection):
    """No 2020 feedback with 2026 deadlines: a review still being worked on was fed back within the last
    two years, and none of its measures is due before its feedback or done after today."""
    today = timezone.localdate()
    open_reviews = Review.objects.filter(measures__status__in=["not_started", "in_progress", "closeout_requested"])
    assert inspection in open_reviews
    for review in open_reviews.distinct():
        assert today - datetime.timedelta(days=730) < review.feedback_date < today, review.title
        assert review.period_end < review.feedback_date <= review.deadline, review.title
        deadlines = review.measures.exclude(original_deadline=None).values_list("original_deadline", flat=True)
        assert min(deadlines) >= review.feedback_date, review.title
        done = review.measures.exclude(completed_on=None).values_list("completed_on", flat=True)
        assert all(review.feedback_date < day <= today for day in done), review.title


@pytest.mark.django_db
def test_findings_are_traced_to_problems(inspection):
    findings = inspection.findings.all()
    assert findings.exists()
    assert all(f.problems.exists() for f in findings)
    assert not inspection.problems.filter(findings__isnull=True).exists()


@pytest.mark.django_db
def test_nine_problems_are_rectified_and_three_are_in_progress(inspection):
    for problem in inspection.problems.prefetch_related("measures"):
        measures = list(problem.measures.all())
        fixed = [m for m in measures if m.type != Measure.Type.ONGOING]
        assert all(m.status == Measure.Status.ONGOING for m in measures if m.type == Measure.Type.ONGOING)
        if problem.description in RECTIFIED:
            assert fixed and all(m.status == Measure.Status.CLOSED for m in fixed), problem.description
            assert all(inspection.feedback_date < m.completed_on < timezone.localdate() for m in fixed)
        else:
            assert any(m.is_open for m in fixed), problem.description


@pytest.mark.django_db
def test_closed_measures_went_through_the_whole_workflow(inspection):
    closed = inspection.measures.filter(status=Measure.Status.CLOSED)
    assert closed.count() >= 38
    for measure in closed:
        assert measure.evidence.filter(progress_report__isnull=False).exists()
        closeout = measure.closeouts.get(stage=CloseOut.Stage.APPROVED)
        assert closeout.leader_decided_by_id and closeout.office_decided_by_id
        assert closeout.requested_at <= closeout.leader_decided_at <= closeout.office_decided_at
        history = list(measure.history.order_by("history_id").values_list("history_date", flat=True))
        assert history == sorted(history)
        assert timezone.localtime(history[0]).date() > inspection.feedback_date


@pytest.mark.django_db
def test_open_measures_show_every_traffic_light_and_fill_the_queues(inspection):
    lights = {m.traffic_light() for m in inspection.measures.all()}
    assert {"red", "yellow", "green", "grey"} <= lights
    assert sum(m.is_overdue() for m in inspection.measures.all()) >= 3
    assert inspection.measures.filter(status=Measure.Status.NOT_STARTED).exists()
    assert inspection.measures.filter(type=Measure.Type.IMMEDIATE).exists()
    pending = CloseOut.objects.filter(measure__review=inspection, stage__in=["pending_leader", "pending_office"])
    assert pending.count() >= 2
    assert Extension.objects.filter(measure__review=inspection, decision=Extension.Decision.PENDING).count() == 1
    extended = inspection.measures.filter(extensions__decision=Extension.Decision.APPROVED)
    assert extended.exists() and all(m.original_deadline < m.current_deadline for m in extended)


@pytest.mark.django_db
def test_benchmarking_review_has_the_six_gaps(seed_output):
    review = Review.objects.get(source=Review.Source.BENCHMARKING)
    findings = review.findings.all()
    assert findings.count() == 6
    assert set(findings.values_list("aspect", flat=True)) == SIX_GAPS
    assert all(f.benchmark_practice and f.gap and f.problems.exists() for f in findings)
    assert review.measures.exists()
    assert review.measures.filter(relapse_count=1).exists()  # 回头看 found a relapse


@pytest.mark.django_db
def test_theme_education_review_is_8_problems_17_measures(seed_output):
    review = Review.objects.get(source=Review.Source.THEME_EDUCATION)
    assert review.problems.count() == 8
    assert review.measures.count() == 17
    assert sum(review.measures.values_list("rules_adopted", flat=True)) == 6


@pytest.mark.django_db
def test_every_role_has_a_user_and_admin_roles_are_separated(seed_output):
    users = list(User.objects.filter(username__in=[u["username"] for u in demo_data.USERS]))
    for role in Role.values:
        assert any(role in u.roles for u in users), role
    assert all(len(SEPARATED_ADMIN_ROLES.intersection(u.roles)) <= 1 for u in User.objects.all())
    admins = {role: [u.username for u in users if role in u.roles] for role in SEPARATED_ADMIN_ROLES}
    assert len({name for names in admins.values() for name in names}) == len(SEPARATED_ADMIN_ROLES)
    for user in users:
        user.full_clean(exclude=["password"])


@pytest.mark.django_db
def test_each_president_is_the_party_secretary_and_reads_his_court_tree(seed_output):
    """Issue 13: the demo 院长 saw 16 of his court's 65 measures and the 中院 院长 none of the courts below."""
    from measures.selectors import measures_visible_to

    presidents = User.objects.filter(username__in=["yuanzhang", "zy_yuanzhang", "lx_yuanzhang"])
    assert all(Role.PARTY_SECRETARY in u.roles for u in presidents)
    counts = {u.username: measures_visible_to(u).count() for u in presidents}
    assert counts == {"yuanzhang": 65, "zy_yuanzhang": Measure.objects.count(),
                      "lx_yuanzhang": Measure.objects.filter(review__court__short_name="梁溪法院").count()}
    assert measures_visible_to(User.objects.get(username="yuanzhang"), mine=True).count() < 65


@pytest.mark.django_db
def test_demo_accounts_log_in_with_the_shared_password(seed_output):
    validate_password(demo_data.DEMO_PASSWORD)
    office = User.objects.get(username="zhengzhibu")
    assert office.check_password(demo_data.DEMO_PASSWORD)
    # The office works through the pages; only the three administrators open the admin, with their role's rights.
    assert not office.is_staff and not office.is_superuser and not office.get_all_permissions()
    sysadmin = User.objects.get(username="sysadmin")
    assert sysadmin.is_staff and sysadmin.has_perm("accounts.change_user")
    assert not sysadmin.has_perm("auth.change_group") and not sysadmin.user_permissions.exists()
    assert not User.objects.get(username="liaison_zhixing").is_staff


@pytest.mark.django_db
def test_evidence_files_are_real_files(seed_output):
    evidence = list(Evidence.objects.all())
    assert {e.original_name.rsplit(".", 1)[1] for e in evidence} >= {"pdf", "png", "docx"}
    for item in evidence[:30]:
        with item.file.open("rb") as handle:
            assert filetype.guess(handle.read(8192)).extension == item.original_name.rsplit(".", 1)[1]


@pytest.mark.django_db
def test_running_it_again_changes_nothing(seed_output):
    before = _counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "已存在" in out.getvalue()
    assert _counts() == before


@pytest.mark.django_db
def test_print_options(seed_output):
    out = io.StringIO()
    call_command("seed_demo", "--print-password", stdout=out)
    assert out.getvalue() == demo_data.DEMO_PASSWORD + "\n"
    out = io.StringIO()
    call_command("seed_demo", "--print-logins", stdout=out)
    assert "yuanzhang" in out.getvalue() and "院领导" in out.getvalue() and "sysadmin" in out.getvalue()


def test_the_rules_the_bulletin_names_are_in_the_register_linked_to_their_measures(inspection):
    """Seed 003: "制定或完善相关制度20个" — the register holds the ones the bulletin names, never a bulletin or a law."""
    from measures.rules import rules_for_review

    names = set(rules_for_review(inspection).values_list("name", flat=True))

    assert {"《案款发放管理规定》", "《党组议事决策规则》", "《案款管理规定》"} <= names
    assert not {"《长期未结案件情况通报》", "《民法典》"} & names
    # adopted by finished work only: an open measure's 《…》 is still the plan
    for rule in rules_for_review(inspection):
        assert [m.status for m in rule.measures.all()] == [Measure.Status.CLOSED]
        assert rule.adopted_on == rule.measures.get().completed_on


@pytest.mark.django_db
def test_printed_logins_include_everyone_a_close_out_journey_needs(seed_output):
    out = io.StringIO()
    call_command("seed_demo", "--print-logins", stdout=out)
    printed = {line.split()[0] for line in out.getvalue().splitlines()[1:-1]}
    liaison = User.objects.get(username="liaison_zhixing")
    measure = Measure.objects.filter(lead_department=liaison.department, status=Measure.Status.IN_PROGRESS).first()
    # the liaison reports, the head applies, the responsible leader and then the office sign off
    head = User.objects.get(department=liaison.department, roles__contains=["department_head"])
    assert {liaison.username, head.username, measure.responsible_leader.username, "zhengzhibu"} <= printed
