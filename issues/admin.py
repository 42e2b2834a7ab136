from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Category, Finding, Problem, Review


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class FindingInline(admin.StackedInline):
    model = Finding
    extra = 0
    filter_horizontal = ("problems",)


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ("title", "court", "source", "issuing_body", "feedback_date", "deadline", "status")
    list_filter = ("source", "status", "court")
    search_fields = ("title", "issuing_body")
    inlines = [CategoryInline, FindingInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "review", "order")
    list_filter = ("review",)


@admin.register(Problem)
class ProblemAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "category", "responsible_leader", "lead_department", "order")
    list_filter = ("review", "lead_department")
    search_fields = ("description",)
    filter_horizontal = ("supporting_departments",)
    autocomplete_fields = ("category",)
    list_select_related = ("category", "responsible_leader", "lead_department")


CategoryAdmin.search_fields = ("name",)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "review", "aspect", "order")
    list_filter = ("review",)
    filter_horizontal = ("problems",)
