"""催办: a court leader or the rectification office presses an open measure's owner with a note. It is recorded on
the measure's page, audited, counted on the dashboard, and the owner (or, with no owner, the lead department) is told
at once."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from measures import instructions
from measures.models import Instruction
from measures.workflow import WorkflowPermissionError
from notifications.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_office_chases_an_owner_who_is_told_at_once_and_the_page_shows_it(client, org, measure):
    measure.owner = org.staff_a
    measure.save(update_fields=["owner"])
    client.force_login(org.office)

    response = client.post(reverse("measure_chase", args=[measure.pk]), {"text": "请于本周五前报送清理进展"})

    chase = Instruction.objects.get(kind=Instruction.Kind.CHASE)
    assert response.status_code == 302
    assert (chase.measure, chase.author, chase.text) == (measure, org.office, "请于本周五前报送清理进展")
    [told] = Notification.objects.filter(batch_key=f"chase:{chase.pk}")
    assert told.recipient == org.staff_a and "请于本周五前报送清理进展" in told.body
    assert AuditEvent.objects.filter(action="measure_chased", object_id=str(chase.pk), actor=org.office).exists()
    client.force_login(org.staff_a)
    assert 'data-kind="chase"' in client.get(reverse("measure_detail", args=[measure.pk])).content.decode()


def test_with_no_owner_the_lead_departments_staff_and_head_are_told(org, measure):
    chase = instructions.measure_chase(author=org.leader_a, measure=measure, text="抓紧推进")

    told = set(Notification.objects.filter(batch_key=f"chase:{chase.pk}").values_list("recipient", flat=True))

    assert told == {org.staff_a.pk, org.head_a.pk}


@pytest.mark.parametrize("who", ["staff_a", "head_a", "discipline", "leader_none", "basic_office"])
def test_only_a_responsible_leader_or_the_office_chases(org, measure, who):
    with pytest.raises(WorkflowPermissionError):
        instructions.measure_chase(author=getattr(org, who), measure=measure, text="抓紧推进")
    assert not Instruction.objects.filter(kind=Instruction.Kind.CHASE).exists()


def test_a_closed_measure_is_not_chased(org, measure, drive):
    measure = drive.closed(measure)

    with pytest.raises(WorkflowPermissionError):
        instructions.measure_chase(author=org.office, measure=measure, text="抓紧推进")


def test_the_dashboard_counts_the_chases_of_the_measures_it_shows(client, org, measure):
    other = f.MeasureFactory(problem=measure.problem, lead_department=org.dept_a)
    instructions.measure_chase(author=org.office, measure=measure, text="抓紧推进")
    instructions.measure_chase(author=org.office, measure=other, text="本周报送")
    client.force_login(org.office)

    page = client.get(reverse("dashboard")).content.decode()

    assert 'data-testid="count-chased">2<' in page
