"""Password rules beyond Django's: character classes, not the username, no reuse of recent passwords.

``PasswordHistoryValidator.password_changed`` is Django's hook after every ``set_password`` +
``save``: it writes the history and marks whether the password must be changed.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: not c.isalnum()),
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for _name, test in CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(
                _("The password must contain at least %(n)d of: lower-case letters, upper-case letters, digits "
                  "and symbols.") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("Use at least %(n)d of: lower-case letters, upper-case letters, digits and symbols.") % {
            "n": self.min_classes
        }


class NoUsernameValidator:
    """The password must not contain the username, in any letter case ("zhang3" in "Zhang3-2026")."""

    def validate(self, password, user=None):
        username = (user.get_username() if user is not None else "") or ""
        if username and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not contain the username (%(username)s), in any letter case.")
                % {"username": username},
                code="password_contains_username",
            )

    def get_help_text(self):
        return _("Your password must not contain your username.")


class PasswordHistoryValidator:
    """None of the user's last ``remember`` passwords may be used again."""

    def __init__(self, remember: int = 5):
        self.remember = remember

    def _recent(self, user):
        from .models import PasswordHistory

        return PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.remember]

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.remember <= 0:
            return
        recent = list(self._recent(user))
        if user.password and user.password not in recent:
            recent.insert(0, user.password)  # the current password, if it predates the history
        if any(check_password(password, encoded) for encoded in recent[: self.remember]):
            raise ValidationError(
                ngettext(
                    "The password must differ from your last password.",
                    "The password must differ from your last %(n)d passwords.",
                    self.remember,
                ) % {"n": self.remember},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        from .models import PasswordHistory
        from .services import password_mark_set

        if user is None or user.pk is None:
            return
        latest = PasswordHistory.objects.filter(user=user).first()
        if latest is not None and check_password(password, latest.password):
            return  # the same password re-hashed (e.g. a hasher upgrade at login), not a new one
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[: max(self.remember, 1)]
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
        # An administrator setting or resetting it (audit.admin) marks it: it must be changed at next login.
        password_mark_set(user=user, by_owner=not getattr(user, "_password_set_by_admin", False))

    def get_help_text(self):
        return ngettext(
            "Your password cannot be the same as your last password.",
            "Your password cannot be the same as any of your last %(n)d passwords.",
            self.remember,
        ) % {"n": self.remember}
