"""System checks for ``manage.py check --deploy``: no default or shared accounts in production."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

# Passwords an installer or a habit leaves behind; a superuser with one of these is a default account.
DEFAULT_PASSWORDS = ("admin", "admin123", "Admin@123", "password", "Passw0rd", "123456", "12345678", "root",
                     "changeme")


@register(Tags.security, deploy=True)
def check_no_default_superusers(app_configs=None, **kwargs):
    """Every superuser has a real password: not unusable-and-forgotten, not a known default."""
    if settings.DEMO:
        return []
    from django.contrib.auth import get_user_model

    errors = []
    try:
        superusers = list(get_user_model().objects.filter(is_superuser=True, is_active=True))
    except DatabaseError:
        return []  # no database yet (image build): nothing to check
    for user in superusers:
        if not user.has_usable_password():
            errors.append(Error(
                f"Superuser {user.get_username()!r} has no usable password.",
                hint="Set a personal password or deactivate the account.", id="audit.E001",
            ))
        elif any(user.check_password(p) for p in DEFAULT_PASSWORDS):
            errors.append(Error(
                f"Superuser {user.get_username()!r} has a default password.",
                hint="Change it: `manage.py changepassword`.", id="audit.E002",
            ))
    return errors
