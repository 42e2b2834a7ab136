"""A real Celery worker against the real Redis: a measure passes its deadline → flagged → notified."""

import datetime
import re
import subprocess
import sys
import threading
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


class Worker:
    """The worker's queue, and what its log says each task returned (Celery logs it at INFO)."""

    def __init__(self, proc: subprocess.Popen, queue: str):
        self.queue = queue
        self._lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream):
        for raw in stream:
            with self._changed:
                self._lines.append(raw.decode(errors="replace"))
                self._changed.notify_all()

    def returned(self, task_id: str, seconds: float = 60) -> str:
        """Wait until the task has finished on the worker; what it returned, as logged."""
        pattern = re.compile(rf"\[{re.escape(task_id)}\] succeeded in [\d.]+s: (.*)")
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(pattern.search(line) for line in self._lines), timeout=seconds
            )
            assert found, f"task {task_id} did not succeed; worker said:\n{''.join(self._lines[-30:])}"
            return next(pattern.search(line) for line in self._lines if pattern.search(line)).group(1).strip()


@pytest.fixture
def worker():
    """A worker on a queue of its own, reading the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = child_env(REDIS_URL=settings.CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER="0", DEMO="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "courtreform", "worker", "-Q", queue, "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield Worker(proc, queue)
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
    tasks.daily_jobs.apply_async(queue=worker.queue)
    assert _wait_for(lambda: Measure.objects.get(pk=measure.pk).overdue_since is not None)
    assert _wait_for(lambda: Notification.objects.filter(recipient=org.leader_a).exists())
    # a second run (a duplicated beat) adds nothing: both tasks have finished and said so
    again = tasks.daily_jobs.apply_async(queue=worker.queue)
    dispatch = tasks.alerts_dispatch.apply_async(queue=worker.queue)
    assert worker.returned(again.id) == "{'overdue': 0, 'reminders': 0, 'lookbacks': 0, 'notifications': 0}"
    assert worker.returned(dispatch.id) == "0"
    assert Notification.objects.filter(recipient=org.leader_a).count() == 1
