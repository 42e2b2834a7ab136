"""Shared fixtures: a small court organisation, a review with one measure, evidence uploads,
and ``drive`` — moving a measure through the real workflow as the right people would."""

from dataclasses import dataclass

import pytest

from accounts.models import Court, Department, User
from issues.models import Category, Problem, Review
from measures import workflow
from measures.models import Measure

from . import factories as f


@pytest.fixture(autouse=True)
def _evidence_in_tmp(settings, tmp_path):
    """Uploaded evidence lands in the test's tmp dir, never in the repository or ./var."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached aggregates: the rolled-back data of the last one is gone."""
    from django.core.cache import cache

    from measures import calendar

    cache.clear()
    calendar.forget()  # the per-process statutory calendar of a rolled-back test


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness costs ~0.2 s a user; tests check behaviour, not hash strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Org:
    court: Court  # 中院
    basic_court: Court  # 基层法院 under it
    dept_a: Department
    dept_b: Department
    office_dept: Department
    staff_a: User
    staff_b: User
    head_a: User
    leader_a: User  # 院领导 supervising department A
    leader_none: User  # 院领导 supervising nothing
    office: User  # 整改办 (政治部)
    discipline: User  # 纪检组
    basic_office: User  # 整改办 of the 基层法院: sees only its own court


@pytest.fixture
def org(db) -> Org:
    court = f.CourtFactory(name="某市中级人民法院", short_name="某市中院", level=Court.Level.INTERMEDIATE)
    basic = f.CourtFactory(name="某市某区人民法院", short_name="某区法院", level=Court.Level.BASIC, parent=court)
    dept_a = f.DepartmentFactory(court=court, name="立案庭", order=1)
    dept_b = f.DepartmentFactory(court=court, name="刑事审判庭", order=2)
    office_dept = f.DepartmentFactory(court=court, name="政治部", order=3)
    discipline_dept = f.DepartmentFactory(court=court, name="纪检组", order=4)
    basic_dept = f.DepartmentFactory(court=basic, name="政治处", order=1)
    return Org(
        court=court,
        basic_court=basic,
        dept_a=dept_a,
        dept_b=dept_b,
        office_dept=office_dept,
        staff_a=f.UserFactory(username="staff_a", full_name="张立案", department=dept_a, staff=True),
        staff_b=f.UserFactory(username="staff_b", full_name="李刑庭", department=dept_b, staff=True),
        head_a=f.UserFactory(username="head_a", full_name="王庭长", department=dept_a, department_head=True),
        leader_a=f.UserFactory(
            username="leader_a", full_name="赵副院长", court=court, leader=True, supervised_departments=[dept_a]
        ),
        leader_none=f.UserFactory(username="leader_none", full_name="钱副院长", court=court, leader=True),
        office=f.UserFactory(
            username="office", full_name="孙主任", department=office_dept, rectification_office=True
        ),
        discipline=f.UserFactory(
            username="discipline", full_name="周组长", department=discipline_dept, discipline_office=True
        ),
        basic_office=f.UserFactory(
            username="basic_office", full_name="吴主任", department=basic_dept, rectification_office=True
        ),
    )


@pytest.fixture
def review(org) -> Review:
    return f.ReviewFactory(court=org.court, title="市委第二巡察组反馈意见整改", feedback_date=f.FEEDBACK_DATE)


@pytest.fixture
def category(review) -> Category:
    return f.CategoryFactory(review=review, name="党的建设方面", order=1)


@pytest.fixture
def problem(category, org) -> Problem:
    return f.ProblemFactory(
        category=category, description="审判作风不够扎实，案件久拖不结", responsible_leader=org.leader_a,
        lead_department=org.dept_a,
    )


@pytest.fixture
def measure(problem, org) -> Measure:
    """A 限期整改 measure led by department A, responsible leader 赵副院长, not started."""
    return f.MeasureFactory(
        problem=problem, text="开展长期未结案件专项清理", lead_department=org.dept_a,
        responsible_leader=org.leader_a, owner=None, original_deadline=f.DEADLINE,
    )


@pytest.fixture
def ongoing_measure(problem, org) -> Measure:
    """A 长期坚持 measure led by department A: never closed, reported as 持续推进."""
    return f.MeasureFactory(
        problem=problem, text="坚持每周调度机制", lead_department=org.dept_a, responsible_leader=org.leader_a,
        ongoing=True,
    )


@pytest.fixture
def upload():
    """Builders of real uploads: ``upload.pdf()``, ``upload.png()``, ``upload.disguised_exe()``."""

    class Uploads:
        pdf = staticmethod(f.pdf_upload)
        png = staticmethod(f.png_upload)
        disguised_exe = staticmethod(f.disguised_exe_upload)

    return Uploads


class Drive:
    """Moves a measure on through ``measures/workflow.py`` as its real actors would."""

    def __init__(self, org: Org):
        self.org = org

    def reload(self, measure: Measure) -> Measure:
        return Measure.objects.get(pk=measure.pk)

    def in_progress(self, measure: Measure, *, percent: int = 30, with_evidence: bool = False) -> Measure:
        files = [f.pdf_upload("进展材料.pdf")] if with_evidence else []
        workflow.measure_report_progress(
            measure=measure, actor=self.org.staff_a, note="已召开专题部署会", percent=percent, files=files
        )
        return self.reload(measure)

    def closeout_requested(self, measure: Measure) -> Measure:
        if measure.status == Measure.Status.NOT_STARTED:
            measure = self.in_progress(measure)
        workflow.measure_submit_closeout(
            measure=measure, actor=self.org.staff_a, result="已制定《长期未结案件管理办法》并清理完毕",
            files=[f.pdf_upload("销号材料.pdf")],
        )
        return self.reload(measure)

    def leader_approved(self, measure: Measure) -> Measure:
        measure = self.closeout_requested(measure)
        workflow.measure_approve_closeout(measure=measure, actor=self.org.leader_a)
        return self.reload(measure)

    def closed(self, measure: Measure) -> Measure:
        measure = self.leader_approved(measure)
        workflow.measure_approve_closeout(measure=measure, actor=self.org.office)
        return self.reload(measure)


@pytest.fixture
def drive(org) -> Drive:
    return Drive(org)

