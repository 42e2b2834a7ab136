"""``manage.py grant_superuser USER --reason "…"``: the break-glass way to a superuser, and back.

The admin never grants superuser (audit.admin). Whoever can run this on the server (the operating
system's account, not a role in the app) makes an account superuser for an emergency; the grant, the
reason and the operating-system user are written to the audit log in the same transaction as the
change. ``--revoke`` takes it back, also audited.
"""

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import audit_record

MIN_REASON = 10


class Command(BaseCommand):
    help = "Grant (or with --revoke, take back) superuser status for an emergency; audited, a reason required."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why, e.g. the incident or ticket number (audited).")
        parser.add_argument("--revoke", action="store_true", help="Take superuser status back.")

    def handle(self, *args, username, reason, revoke, **options):
        reason = reason.strip()
        if len(reason) < MIN_REASON:
            raise CommandError(f"--reason must say why in at least {MIN_REASON} characters.")
        grant = not revoke
        with transaction.atomic():
            user = get_user_model().objects.select_for_update().filter(username=username).first()
            if user is None:
                raise CommandError(f"No account named {username!r}.")
            if user.is_superuser == grant:
                self.stdout.write(f"{username} is already {'a' if grant else 'not a'} superuser; nothing changed.")
                return
            user.is_superuser = grant
            user.is_staff = user.is_staff or grant
            user.save(update_fields=["is_superuser", "is_staff"])
            audit_record(action=AuditEvent.Action.SUPERUSER_GRANTED, obj=user, username="manage.py",
                         detail={"granted": grant, "reason": reason, "os_user": _os_user()})
        self.stdout.write(self.style.WARNING(
            f"{username} is {'now' if grant else 'no longer'} a superuser (audited). "
            + ("Revoke it with --revoke when the emergency is over." if grant else "")))


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
