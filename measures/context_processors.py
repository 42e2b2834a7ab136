def calendar_warning(request):
    """The years with no statutory holiday table, for the people who can act on it: the rectification office
    (its reminders count working days) and the system administrator (who keeps the table)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role("rectification_office", "system_admin"):
        return {}

    def missing():
        from django.utils import timezone

        from .calendar import years_without_calendar

        return years_without_calendar(timezone.localdate())

    return {"calendar_missing_years": missing}
