"""``check --deploy``: the demo's accounts exist only when the demo is on (DEMO=1)."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def check_no_demo_accounts(app_configs=None, **kwargs):
    if settings.DEMO:
        return []
    from django.contrib.auth import get_user_model

    from .demo_data import DEMO_PASSWORD, USERS

    User = get_user_model()
    names = [spec["username"] for spec in USERS]
    try:
        found = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
        superusers = list(User.objects.filter(is_superuser=True, is_active=True))
    except DatabaseError:
        return []
    errors = []
    if found:
        errors.append(Error(
            f"Demo accounts exist while DEMO is off: {', '.join(found[:10])}" + ("…" if len(found) > 10 else ""),
            hint="Production data must not be seeded with `seed_demo`; deactivate or delete these accounts.",
            id="measures.E001",
        ))
    shared = [u.get_username() for u in superusers if u.check_password(DEMO_PASSWORD)]
    if shared:
        errors.append(Error(
            f"Superusers with the demo password: {', '.join(shared)}", id="measures.E002",
            hint="Give every administrator a personal password.",
        ))
    return errors
