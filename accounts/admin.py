from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Court, Department, User


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
