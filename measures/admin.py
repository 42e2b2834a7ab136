"""Only the working calendar is in the Django admin; no rectification data, on purpose.

The admin is the three administrators' tool (三员分立, see audit.admin_site), not a way around the
pages, the court scope and measures.workflow: reviews, measures, evidence, close-outs, extensions and
look-backs are read and changed only through the app's own pages and API, which check the user's
scope and write the history and the audit log. The holiday table is system configuration.
"""

from django.contrib import admin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The system administrator enters next year's holidays and make-up working days once the State Council
    publishes them (measures.calendar explains how the table and the chinese-calendar package combine)."""

    list_display = ("day", "name", "is_working_day")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
