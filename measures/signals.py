"""Every write that can change an aggregate over measures advances measures.freshness's number."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from issues.models import Category, Problem, Review

from . import calendar
from .freshness import measures_changed
from .models import CalendarDay, Measure


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    measures_changed()


def connect() -> None:
    for model in (Measure, Problem, Category, Review):
        post_save.connect(_changed, sender=model, dispatch_uid=f"freshness-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"freshness-delete-{model._meta.label}")
    m2m_changed.connect(
        _changed, sender=Measure.supporting_departments.through, dispatch_uid="freshness-supporting-departments"
    )
    # The calendar a process caches is re-read at once after a change made in that process.
    post_save.connect(lambda **kw: calendar.forget(), sender=CalendarDay, weak=False, dispatch_uid="calendar-save")
    post_delete.connect(lambda **kw: calendar.forget(), sender=CalendarDay, weak=False, dispatch_uid="calendar-del")
