from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Court, Department, User
from .tokens import api_token_create, api_tokens_revoke


@admin.register(Court)
class CourtAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "short_name")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "court", "order")
    list_filter = ("court",)
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "title", "court", "department", "roles", "is_active")
    list_filter = ("court", "is_active")
    search_fields = ("username", "full_name")
    filter_horizontal = ("supervised_departments",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Court work"), {"fields": ("full_name", "court", "department", "title", "roles", "supervised_departments")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created here (the raw token is shown once, in a message) and revoked, never edited."""

    list_display = ("name", "key_prefix", "court", "acting_user", "created_by", "created_at", "last_used_at",
                    "revoked_at")
    list_filter = ("court",)
    search_fields = ("name", "key_prefix")
    fields = ("name", "court", "acting_user", "key_prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return self.fields
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, raw = api_token_create(
            name=obj.name, court=obj.court, acting_user=obj.acting_user, created_by=request.user
        )
        obj.pk, obj.key_prefix = token.pk, token.key_prefix
        messages.warning(
            request,
            _("The token for %(name)s is %(token)s — copy it now: it is stored only as a hash and cannot be "
              "shown again.") % {"name": token.name, "token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        with transaction.atomic():
            for token in queryset.filter(revoked_at__isnull=True):
                self._audit(request, token, "revoke")  # audit.admin_site.AuditedModelAdmin
            count = api_tokens_revoke(tokens=queryset)
        messages.success(request, _("%(n)d tokens revoked.") % {"n": count})

    def has_delete_permission(self, request, obj=None):
        # Revoked tokens stay listed: who had access, and until when, is part of the record.
        return False
