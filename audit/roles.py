"""三员分立: the three administrator roles, their Django groups and exactly their permissions.

The groups are (re)built after every migrate, so a new model's permissions are never forgotten;
a user's role groups follow ``User.roles`` (audit.signals).
"""

from accounts.models import SEPARATED_ADMIN_ROLES, Role

# Group name (the Chinese title is data) → role, and the permissions as "app_label.codename".
ROLE_GROUPS = {
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}


def _crud(app: str, model: str, *verbs: str) -> list[str]:
    return [f"{app}.{verb}_{model}" for verb in verbs]


ROLE_PERMISSIONS = {
    # users, courts, departments, settings (scheduled jobs); not roles, groups or permissions
    Role.SYSTEM_ADMIN: [
        *_crud("accounts", "court", "add", "change", "delete", "view"),
        *_crud("accounts", "department", "add", "change", "delete", "view"),
        *_crud("accounts", "user", "add", "change", "view"),
        *_crud("accounts", "apitoken", "add", "change", "view"),
        *_crud("django_celery_beat", "periodictask", "add", "change", "delete", "view"),
        *_crud("django_celery_beat", "crontabschedule", "add", "change", "delete", "view"),
        *_crud("django_celery_beat", "intervalschedule", "add", "change", "delete", "view"),
        *_crud("measures", "calendarday", "add", "change", "delete", "view"),  # the statutory holiday table
    ],
    # roles and permissions, lockouts and second factors
    Role.SECURITY_ADMIN: [
        *_crud("auth", "group", "add", "change", "delete", "view"),
        *_crud("auth", "permission", "view"),
        *_crud("accounts", "user", "change", "view"),
        *_crud("axes", "accessattempt", "view", "delete"),
        *_crud("axes", "accessfailurelog", "view"),
        *_crud("otp_totp", "totpdevice", "view", "delete"),
    ],
    # reads the audit log, nothing else
    Role.AUDIT_ADMIN: [
        *_crud("audit", "auditevent", "view"),
        *_crud("axes", "accesslog", "view"),
        *_crud("axes", "accessfailurelog", "view"),
    ],
}


def is_admin_account(user) -> bool:
    """Administrator roles and anyone who may open the Django admin."""
    return bool(user.is_staff or user.is_superuser or SEPARATED_ADMIN_ROLES.intersection(user.roles))


def ensure_role_groups(sender=None, using="default", **kwargs) -> None:
    """post_migrate: create the three groups with exactly their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = Q(pk__in=[])
        for perm in ROLE_PERMISSIONS[role]:
            app, codename = perm.split(".", 1)
            wanted |= Q(content_type__app_label=app, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(wanted))


def role_groups_sync(user) -> None:
    """Put the user in exactly the role groups their roles name; other groups are left alone."""
    from django.contrib.auth.models import Group

    names = set(ROLE_GROUPS.values())
    wanted = {ROLE_GROUPS[r] for r in user.roles if r in ROLE_GROUPS}
    current = set(user.groups.filter(name__in=names).values_list("name", flat=True))
    if current != wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        user.groups.add(*Group.objects.filter(name__in=wanted - current))
