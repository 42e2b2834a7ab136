"""A real Celery worker against the real Redis: a measure passes its deadline → flagged → notified."""

import datetime
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from courtreform.childenv import child_env
from measures import tasks
from measures.models import Measure
from notifications.models import Notification

from .. import factories as f

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    """A worker on a queue of its own, reading the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = child_env(REDIS_URL=settings.CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER="0", DEMO="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "courtreform", "worker", "-Q", queue, "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield queue
    proc.terminate()
    proc.wait(timeout=20)


def _wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_daily_jobs_on_a_real_worker_flag_the_measure_and_notify_its_people(org, worker):
    review = f.ReviewFactory(court=org.court, feedback_date=timezone.localdate() - datetime.timedelta(days=90))
    problem = f.ProblemFactory(category=f.CategoryFactory(review=review))
    measure = f.MeasureFactory(
        problem=problem, lead_department=org.dept_a, responsible_leader=org.leader_a,
        original_deadline=timezone.localdate() - datetime.timedelta(days=2),
    )
    tasks.daily_jobs.apply_async(queue=worker)
    assert _wait_for(lambda: Measure.objects.get(pk=measure.pk).overdue_since is not None)
    assert _wait_for(lambda: Notification.objects.filter(recipient=org.leader_a).exists())
    # a second run (a duplicated beat) adds nothing
    tasks.daily_jobs.apply_async(queue=worker)
    tasks.alerts_dispatch.apply_async(queue=worker)
    time.sleep(3)
    assert Notification.objects.filter(recipient=org.leader_a).count() == 1
