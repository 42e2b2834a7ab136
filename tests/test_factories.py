"""Every factory builds a valid row against the real database."""

import pytest

from accounts.models import Role
from measures.models import Measure

from . import factories as f


@pytest.mark.parametrize(
    "factory_class",
    [
        f.CourtFactory, f.DepartmentFactory, f.UserFactory, f.ReviewFactory, f.CategoryFactory,
        f.ProblemFactory, f.FindingFactory, f.MeasureFactory, f.ProgressReportFactory, f.CloseOutFactory,
        f.EvidenceFactory, f.ExtensionFactory, f.LookBackFactory,
    ],
)
def test_every_factory_builds_a_valid_row(db, factory_class):
    obj = factory_class()
    obj.full_clean()
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_user_factory_sets_a_usable_password_and_roles(db):
    dept = f.DepartmentFactory()
    user = f.UserFactory(department=dept, department_head=True)
    assert user.check_password(f.DEFAULT_PASSWORD)
    assert user.roles == [Role.DEPARTMENT_HEAD]
    assert user.court == dept.court


def test_measure_factory_starts_measures_not_started_with_current_deadline_from_original(db):
    measure = f.MeasureFactory()
    assert measure.status == Measure.Status.NOT_STARTED
    assert measure.current_deadline == measure.original_deadline == f.DEADLINE
    assert measure.review_id == measure.problem.review_id
    assert measure.lead_department.court_id == measure.review.court_id


def test_evidence_factory_stores_its_file_under_the_test_media_root(db, _evidence_in_tmp):
    evidence = f.EvidenceFactory()
    assert evidence.file.path.startswith(str(_evidence_in_tmp))
    with evidence.file.open("rb") as fh:
        assert fh.read() == f.PDF_BYTES


def test_org_fixture_builds_the_court_tree(org):
    assert org.basic_court.parent == org.court
    assert org.court.descendant_ids() == [org.court.pk, org.basic_court.pk]
    assert list(org.leader_a.supervised_departments.all()) == [org.dept_a]
    assert not org.leader_none.supervised_departments.exists()
    assert org.office.is_office and org.discipline.is_office and not org.staff_a.is_office
