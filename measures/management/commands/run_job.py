from django.core.management.base import BaseCommand

from measures import alerts, overdue

JOBS = {
    "overdue_scan": overdue.overdue_scan,
    "reminders_scan": overdue.reminders_scan,
    "lookbacks_create": overdue.lookbacks_create,
    "alerts_dispatch": lambda: len(alerts.alerts_dispatch()),
}


class Command(BaseCommand):
    help = "Run one scheduled job by hand, the same function the Celery task calls."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=[*JOBS, "daily"])

    def handle(self, *args, job, **options):
        names = list(JOBS) if job == "daily" else [job]
        for name in names:
            self.stdout.write(f"{name}: {JOBS[name]()}")
