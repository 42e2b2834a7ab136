"""制度成果: the register of rules adopted — registered from a measure's page by its lead department or the office,
listed per review, counted from the register, and each document served only if it is the one registered."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from measures import rules
from measures.models import Rule
from measures.workflow import WorkflowError, WorkflowPermissionError
from tests import factories as f

pytestmark = pytest.mark.django_db


def register(client, measure, **overrides):
    data = {"name": "《案款发放管理规定》", "document_number": "滨法发〔2020〕12号", "adopted_on": "2026-03-01",
            "on_problem": "on", **overrides}
    return client.post(reverse("rule_new", args=[measure.pk]), data)


def test_the_lead_department_registers_a_rule_with_its_document_from_the_measure_page(client, org, measure, upload):
    client.force_login(org.staff_a)
    page = client.get(reverse("measure_detail", args=[measure.pk])).content.decode()
    assert 'data-testid="register-rule"' in page

    response = register(client, measure, file=upload.pdf("案款发放管理规定.pdf"))

    rule = Rule.objects.get()
    assert response.status_code == 302
    assert (rule.name, rule.document_number, rule.court) == ("《案款发放管理规定》", "滨法发〔2020〕12号", org.court)
    assert list(rule.measures.all()) == [measure] and list(rule.problems.all()) == [measure.problem]
    assert len(rule.sha256) == 64
    assert AuditEvent.objects.filter(action="rule_registered", object_id=str(rule.pk)).exists()
    assert "《案款发放管理规定》" in client.get(reverse("measure_detail", args=[measure.pk])).content.decode()


@pytest.mark.parametrize("reader", ["discipline", "leader_a"])
def test_those_who_read_the_measure_but_do_not_do_its_work_cannot_register_its_rules(client, org, measure, reader):
    """The 纪检组 oversees and the leader signs off; neither registers the department's results for it."""
    client.force_login(getattr(org, reader))
    page = client.get(reverse("measure_detail", args=[measure.pk]))

    response = register(client, measure)

    assert page.status_code == 200 and 'data-testid="register-rule"' not in page.content.decode()
    assert response.status_code == 403
    assert not Rule.objects.exists()


def test_a_rule_without_a_measure_or_with_a_disguised_file_is_refused_and_nothing_is_written(org, measure, upload):
    with pytest.raises(WorkflowError) as no_measure:
        rules.rule_register(actor=org.office, name="《平时考核规定》", adopted_on=datetime.date(2026, 3, 1), measures=[])
    with pytest.raises(WorkflowError) as bad_file:
        rules.rule_register(actor=org.office, name="《平时考核规定》", adopted_on=datetime.date(2026, 3, 1),
                            measures=[measure], file=upload.disguised_exe("规定.pdf"))

    assert (no_measure.value.field, bad_file.value.field) == ("measures", "files")
    assert not Rule.objects.exists()


def test_the_same_rule_is_not_registered_twice_in_one_court(org, measure):
    rules.rule_register(actor=org.office, name="《平时考核规定》", adopted_on=datetime.date(2026, 3, 1), measures=[measure])

    with pytest.raises(WorkflowError) as err:
        rules.rule_register(actor=org.office, name="《平时考核规定》", adopted_on=datetime.date(2026, 3, 2),
                            measures=[measure])

    assert err.value.field == "name"


def test_another_courts_office_cannot_register_rules_for_this_court(org, measure):
    with pytest.raises(WorkflowPermissionError):
        rules.rule_register(actor=org.basic_office, name="《平时考核规定》", adopted_on=datetime.date(2026, 3, 1),
                            measures=[measure])


def test_the_register_lists_a_reviews_rules_and_counts_them_from_the_register(client, org, review, measure):
    other_review = f.ReviewFactory(court=org.court, title="主题教育检视整改")
    other_measure = f.MeasureFactory(problem=f.ProblemFactory(category=f.CategoryFactory(review=other_review)),
                                     lead_department=org.dept_a)
    rules.rule_register(actor=org.office, name="《院庭长案件监督管理办法》", adopted_on=datetime.date(2026, 3, 1),
                        measures=[measure])
    rules.rule_register(actor=org.office, name="《民商事案件分流规则》", adopted_on=datetime.date(2026, 3, 2),
                        measures=[other_measure])
    client.force_login(org.discipline)

    page = client.get(reverse("rule_list"), {"review": review.pk}).content.decode()

    assert rules.rules_for_review(review).count() == 1
    assert "《院庭长案件监督管理办法》" in page and "《民商事案件分流规则》" not in page


def test_staff_of_another_court_see_none_of_this_courts_rules(client, org, measure):
    rules.rule_register(actor=org.office, name="《院庭长案件监督管理办法》", adopted_on=datetime.date(2026, 3, 1),
                        measures=[measure])
    client.force_login(org.basic_office)

    page = client.get(reverse("rule_list")).content.decode()

    assert "《院庭长案件监督管理办法》" not in page


def test_a_rule_document_changed_on_disk_is_not_served(client, org, measure, upload):
    rule = rules.rule_register(actor=org.office, name="《案款管理规定》", adopted_on=datetime.date(2026, 3, 1),
                               measures=[measure], file=upload.pdf("案款管理规定.pdf"))
    client.force_login(org.staff_a)
    assert client.get(reverse("rule_file", args=[rule.pk])).status_code == 200

    with open(rule.file.path, "ab") as handle:
        handle.write(b"altered")

    assert client.get(reverse("rule_file", args=[rule.pk])).status_code == 409
    assert AuditEvent.objects.filter(action="rule_file_tampered", object_id=str(rule.pk)).exists()
