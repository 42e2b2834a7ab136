"""Admin: the audit log read-only for the audit administrator; the user form split by 三员分立;
the role groups shown read-only (their permissions are defined in audit.roles)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import Role

from .models import AuditEvent
from .services import password_mark_set

User = get_user_model()

# Nobody sets these in the admin: superuser only by ``manage.py grant_superuser`` (audited), the role
# groups and is_staff follow ``roles`` (audit.signals), and permissions come with the role groups.
NEVER_IN_ADMIN = ("is_superuser", "is_staff", "groups", "user_permissions")
RECORDED = ("last_login", "date_joined")  # facts, not settings
# The security administrator sets roles, and nothing else of an account.
SECURITY_FIELDS = ("roles",)
# Nobody changes these on his own account.
OWN_ACCOUNT = ("roles", "is_active", *NEVER_IN_ADMIN)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Nobody adds, edits or deletes audit rows — not even a superuser (PostgreSQL refuses anyway)."""

    list_display = ("at", "actor_username", "ip", "action", "object_type", "object_id", "success")
    list_filter = ("action", "success")
    # The detail without rectification text (models.RECTIFICATION_TEXT_KEYS); the raw column is not shown.
    fields = ("at", "actor", "actor_username", "ip", "action", "object_type", "object_id", "success",
              "shown_detail", "chain", "seq", "prev_hash", "hash")
    readonly_fields = fields

    @admin.display(description=_("detail"))
    def shown_detail(self, obj):
        return obj.detail_redacted
    search_fields = ("actor_username", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)


@admin.register(User)
class SeparatedUserAdmin(AccountsUserAdmin):
    """The system administrator manages accounts but not their roles; the security administrator sets
    the roles of other accounts and nothing else; nobody changes his own roles, flags or groups, and
    nobody grants superuser here (``manage.py grant_superuser``). User.clean (run by the admin form)
    refuses two of the three administrator roles on one account; a PostgreSQL trigger refuses it too."""

    def get_readonly_fields(self, request, obj=None):
        readonly = set(super().get_readonly_fields(request, obj)) | set(NEVER_IN_ADMIN) | set(RECORDED)
        if obj is None:
            return sorted(readonly)
        user = request.user
        if user.has_role(Role.SECURITY_ADMIN) and not user.is_superuser:
            fields = {f for _name, opts in self.get_fieldsets(request, obj) for f in opts["fields"]}
            readonly |= fields - set(SECURITY_FIELDS) - {"password"}  # (the hash's summary widget)
        elif not user.is_superuser:
            readonly |= set(SECURITY_FIELDS)  # the system administrator: accounts, not their roles
        if obj.pk == user.pk:
            readonly |= set(OWN_ACCOUNT)
        return sorted(readonly)

    def save_model(self, request, obj, form, change):
        if not change and obj.password:
            obj._password_set_by_admin = True  # an initial password: changed at first login
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        user = request.user
        if not user.is_superuser and user.has_role(Role.SECURITY_ADMIN) and not user.has_role(Role.SYSTEM_ADMIN):
            raise PermissionDenied  # resetting passwords is account management: the system administrator's
        if str(user.pk) == str(id):
            raise PermissionDenied  # one's own password: the account page, which asks for the old one
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.filter(pk=id).first()
            if target is not None and target != request.user:
                password_mark_set(user=target, by_owner=False)  # a reset: the owner must choose a new one
        return response


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """The role groups are defined in code (audit.roles, rebuilt after every migrate): shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
