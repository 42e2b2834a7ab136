"""``manage.py setup_db_roles``: create or update the app's database role and its grants.

Run as the owner (DATABASE_ROLE unset or ``owner``) after ``migrate``; see audit/dbroles.py.
"""

from django.core.management.base import BaseCommand

from audit.dbroles import db_roles_setup


class Command(BaseCommand):
    help = "Create/update the app's database role: full access to the data, append-only on the audit log."

    def handle(self, *args, **options):
        name = db_roles_setup()
        self.stdout.write(f"Database role {name!r} granted (audit log: SELECT and INSERT only).")
