"""The Django admin as the three administrators' tool (三员分立), every change in it audited.

``AuditedAdminSite`` replaces ``admin.site`` (``AuditedAdminConfig`` in INSTALLED_APPS). Every
ModelAdmin registered on it, ours and the libraries' (django-celery-beat, axes, django-otp), gets
``AuditedModelAdmin`` mixed in, so an add, change or delete in the admin writes one ``admin_change``
row through ``audit.services.audit_record`` in the same transaction as the change.

Business data (reviews, problems, measures, evidence, bulletins, 批示, prompts, notifications) is not
registered at all: it changes only through the app's pages and ``measures.workflow``.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import get_user_model


class AuditedModelAdmin:
    """Mixed into every ModelAdmin of the site: add, change and delete each write an audit row, and
    nobody changes or deletes a security record of his own account (his second factor, his lockout)."""

    def _own_record(self, request, obj) -> bool:
        if obj is None or obj._meta.model is get_user_model():
            return False  # one's own account: audit.admin.SeparatedUserAdmin decides field by field
        if getattr(obj, "user_id", None) is not None:
            return obj.user_id == request.user.pk
        return getattr(obj, "username", None) == request.user.get_username()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._own_record(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._own_record(request, obj)

    def _audit(self, request, obj, operation: str, fields=None):
        from .models import AuditEvent
        from .services import audit_record

        detail = {"operation": operation, "model": obj._meta.label_lower}
        if fields is not None:
            detail["fields"] = fields
        audit_record(action=AuditEvent.Action.ADMIN_CHANGE, request=request, obj=obj, detail=detail)

    def construct_change_message(self, request, form, formsets, add=False):
        request._audit_changed_fields = sorted(form.changed_data)  # names, not labels in the user's language
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", getattr(request, "_audit_changed_fields", []))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", getattr(request, "_audit_changed_fields", []))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete")
        return super().log_deletions(request, queryset)


class AuditedAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(admin_class.__name__, (AuditedModelAdmin, admin_class), {"__module__":
                                                                                        admin_class.__module__})
        return super().register(model_or_iterable, admin_class, **options)


class AuditedAdminConfig(AdminConfig):
    default_site = "audit.admin_site.AuditedAdminSite"
