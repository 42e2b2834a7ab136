from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarDay, CloseOut, Evidence, Extension, LookBack, Measure, ProgressReport


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProgressInline(ReadOnlyInline):
    model = ProgressReport
    fields = ("created_at", "author", "percent", "note")


class CloseOutInline(ReadOnlyInline):
    model = CloseOut
    fields = ("requested_at", "requested_by", "stage", "result", "return_reason")


class ExtensionInline(ReadOnlyInline):
    model = Extension
    fields = ("requested_at", "requested_by", "previous_deadline", "requested_deadline", "decision")


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    """Planning fields only: status moves through measures.workflow, never through this form."""

    list_display = (
        "__str__", "review", "type", "responsible_leader", "lead_department",
        "original_deadline", "current_deadline", "status", "progress_percent",
    )
    list_filter = ("status", "type", "review", "lead_department")
    search_fields = ("text",)
    raw_id_fields = ("problem",)
    filter_horizontal = ("supporting_departments",)
    readonly_fields = ("status", "current_deadline", "completed_on", "overdue_since", "relapse_count", "version")
    list_select_related = ("review", "responsible_leader", "lead_department")
    inlines = [ProgressInline, CloseOutInline, ExtensionInline]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("original_name", "measure", "size", "uploaded_by", "uploaded_at")
    raw_id_fields = ("measure", "progress_report", "closeout")


@admin.register(LookBack)
class LookBackAdmin(admin.ModelAdmin):
    list_display = ("measure", "due_on", "outcome", "checked_by")
    list_filter = ("outcome",)
    raw_id_fields = ("measure",)
    readonly_fields = ("outcome", "checked_by", "checked_at")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The system administrator enters next year's holidays and make-up working days once the State Council
    publishes them (measures.calendar explains how the table and the chinese-calendar package combine)."""

    list_display = ("day", "name", "is_working_day")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
