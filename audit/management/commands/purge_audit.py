"""``manage.py purge_audit``: delete audit rows older than AUDIT_RETENTION_DAYS (at least 180).

The deletion runs in the database function audit_purge(), which refuses a shorter period; rows
younger than 180 days cannot be deleted by any caller.
"""

from django.core.management.base import BaseCommand

from audit.services import audit_purge


class Command(BaseCommand):
    help = "Delete audit records older than the retention period (never younger than 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep this many days (>= 180).")

    def handle(self, *args, days=None, **options):
        deleted = audit_purge(older_than_days=days)
        self.stdout.write(f"{deleted} audit records older than the retention period deleted.")
