from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """Security and audit (等保三级): the audit log, password policy, sessions, 三员分立.

    Sits just above ``accounts``: every business app may call ``audit.services.audit_record``;
    audit imports no business app.
    """

    name = "audit"
    verbose_name = _("Security and audit")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import checks, signals  # noqa: F401  (registers receivers and system checks)
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="audit.ensure_role_groups")
