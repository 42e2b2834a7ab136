"""The measure filters a user sets in the list page (and, later, the API): one FilterSet for both."""

import datetime

import django_filters
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from issues.models import Review

from .models import Measure, local_today


class MeasureFilter(django_filters.FilterSet):
    review = django_filters.ModelChoiceFilter(label=_("Review"), queryset=Review.objects.none())
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Measure.Status.choices)
    type = django_filters.ChoiceFilter(label=_("Type"), choices=Measure.Type.choices)
    light = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=[("red", _("Overdue")), ("yellow", _("Due soon")), ("green", _("On track"))],
        method="filter_light",
    )
    deadline_from = django_filters.DateFilter(
        label=_("Deadline from"), field_name="current_deadline", lookup_expr="gte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    deadline_to = django_filters.DateFilter(
        label=_("Deadline to"), field_name="current_deadline", lookup_expr="lte",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    lead_department = django_filters.NumberFilter(label=_("Lead department"), field_name="lead_department_id")
    q = django_filters.CharFilter(label=_("Search"), method="filter_text")

    class Meta:
        model = Measure
        fields = ["review", "status", "type", "light", "deadline_from", "deadline_to", "lead_department", "q"]

    def __init__(self, *args, reviews=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reviews is not None:
            self.filters["review"].queryset = reviews
        for field in self.form.fields.values():
            css = "form-select" if hasattr(field, "choices") else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")

    def filter_light(self, queryset, name, value):
        return queryset.filter(traffic_light_q(value))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(text__icontains=value) | Q(problem__description__icontains=value))


def traffic_light_q(light: str, today: datetime.date | None = None) -> Q:
    """The same rule as Measure.traffic_light, as SQL."""
    today = today or local_today()
    open_dated = Q(status__in=Measure.OPEN_STATUSES) & ~Q(type=Measure.Type.ONGOING)
    soon = today + datetime.timedelta(days=settings.DUE_SOON_DAYS)
    if light == "red":
        return open_dated & Q(current_deadline__lt=today)
    if light == "yellow":
        return open_dated & Q(current_deadline__gte=today, current_deadline__lte=soon)
    return Q(status__in=Measure.OPEN_STATUSES) & (
        Q(type=Measure.Type.ONGOING) | Q(current_deadline__isnull=True) | Q(current_deadline__gt=soon)
    ) | Q(status=Measure.Status.ONGOING)
