"""Admin: the audit log read-only for the audit administrator; the user form split by 三员分立."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import Role

from .models import AuditEvent
from .services import password_mark_set

User = get_user_model()

# Fields only the security administrator sets (roles and permissions) …
SECURITY_FIELDS = ("roles", "groups", "user_permissions", "is_superuser", "is_staff")


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
    """The system administrator manages accounts but not their roles or permissions; the security
    administrator sets roles and permissions and nothing else. User.clean (run by the admin form)
    refuses two of the three administrator roles on one account; a PostgreSQL trigger refuses it too."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        user = request.user
        if user.is_superuser or obj is None:
            return readonly
        if user.has_role(Role.SECURITY_ADMIN) and not user.has_role(Role.SYSTEM_ADMIN):
            fields = {f for _name, opts in self.get_fieldsets(request, obj) for f in opts["fields"]}
            return sorted(fields - set(SECURITY_FIELDS) - {"password"})
        return [*readonly, *SECURITY_FIELDS]

    def save_model(self, request, obj, form, change):
        if not change and obj.password:
            obj._password_set_by_admin = True  # an initial password: changed at first login
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        user = request.user
        if not user.is_superuser and user.has_role(Role.SECURITY_ADMIN) and not user.has_role(Role.SYSTEM_ADMIN):
            raise PermissionDenied  # resetting passwords is account management: the system administrator's
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            target = User.objects.filter(pk=id).first()
            if target is not None and target != request.user:
                password_mark_set(user=target, by_owner=False)  # a reset: the owner must choose a new one
        return response
