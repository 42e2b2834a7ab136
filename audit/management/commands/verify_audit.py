"""``manage.py verify_audit``: check every audit chain against its seals, its numbering and the
checkpoints kept outside the database; exit 1 naming what was changed or removed."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import checkpoint_all_heads
from audit.services import audit_verify


class Command(BaseCommand):
    help = ("Verify the audit log: seals (HMAC), links, gapless numbering, and the checkpoints outside the "
            "database. Exit status 1 when anything was changed or removed.")

    def handle(self, *args, **options):
        report = audit_verify()
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}")
        if not report.ok:
            where = f" (first row affected: id={report.first_bad_id})" if report.first_bad_id else ""
            raise CommandError(
                f"Audit log tampered{where}: " + "; ".join(report.problems)
                + f" ({report.checked} rows checked)."
            )
        # A clean chain's head is checkpointed again, in case a commit's own checkpoint was lost.
        checkpoint_all_heads()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} rows verified."))
