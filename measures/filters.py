"""The measure filters a user sets in the list page (and, later, the API): one FilterSet for both."""

import datetime

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings

from .models import Measure, local_today

OVERDUE_BUCKETS = {"1-7": (1, 7), "8-30": (8, 30), "31+": (31, None)}
OVERDUE_BUCKET_CHOICES = [("1-7", _("1–7 days")), ("8-30", _("8–30 days")), ("31+", _("More than 30 days"))]
YES = [("1", _("Yes"))]
# 延期: the current deadline moved away from the original one (which is never erased).
EXTENDED_Q = Q(original_deadline__isnull=False, current_deadline__isnull=False) & ~Q(
    current_deadline=F("original_deadline")
)
RELAPSED_Q = Q(relapse_count__gt=0)
# Still to be closed: open and not 长期坚持 (which is never closed and is counted apart).
UNFINISHED_Q = Q(status__in=Measure.OPEN_STATUSES) & ~Q(type=Measure.Type.ONGOING)


class MeasureFilter(django_filters.FilterSet):
    # Choices, not a ModelChoiceFilter: the select lists titles only (no model instances, no
    # server-side cursor), which matters for offices with hundreds of reviews.
    review = django_filters.ChoiceFilter(label=_("Review"), choices=[])
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
    # The filters below are what the dashboards drill down with (reports/dashboards.py): every tile
    # and chart element links to this list with them, so the list and the dashboard count alike.
    category = django_filters.CharFilter(
        label=_("Problem category"), field_name="problem__category__name", widget=forms.Select
    )
    court = django_filters.NumberFilter(label=_("Court"), field_name="review__court_id", widget=forms.Select)
    overdue = django_filters.ChoiceFilter(
        label=_("Days overdue"), choices=OVERDUE_BUCKET_CHOICES, method="filter_overdue"
    )
    ongoing = django_filters.ChoiceFilter(
        label=_("Ongoing measures"), choices=[("1", _("Only ongoing")), ("0", _("Without ongoing"))],
        method="filter_ongoing",
    )
    unfinished = django_filters.ChoiceFilter(label=_("Not yet closed"), choices=YES, method="filter_unfinished")
    extended = django_filters.ChoiceFilter(label=_("Extended"), choices=YES, method="filter_extended")
    relapsed = django_filters.ChoiceFilter(label=_("Relapsed"), choices=YES, method="filter_relapsed")
    # Last: it judges problems by the measures the other filters left.
    problems = django_filters.ChoiceFilter(
        label=_("Problems"), choices=[("complete", _("Complete")), ("incomplete", _("Not complete"))],
        method="filter_problems",
    )

    # Shown on the list only when set (as a removable badge): they arrive from a dashboard link.
    DRILL_DOWN_FIELDS = (
        "lead_department", "category", "court", "overdue", "ongoing", "unfinished", "extended", "relapsed", "problems",
    )

    class Meta:
        model = Measure
        fields = [
            "review", "status", "type", "light", "deadline_from", "deadline_to", "lead_department", "q",
            "category", "court", "overdue", "ongoing", "unfinished", "extended", "relapsed", "problems",
        ]

    def __init__(self, *args, reviews=None, categories=None, courts=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", filter_settings.EMPTY_CHOICE_LABEL)]  # "全部", as django-filter's own
        if reviews is not None:
            self.form.fields["review"].choices = blank + list(reviews.values_list("pk", "title"))
        if categories is not None:
            self.form.fields["category"].widget.choices = blank + [(name, name) for name in categories]
        if courts is not None:
            self.form.fields["court"].widget.choices = blank + [(c.pk, str(c)) for c in courts]
        if departments is not None:
            self.form.fields["lead_department"].widget = forms.Select(
                choices=blank + [(d.pk, d.label) for d in departments]
            )
        for field in self.form.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")

    def filter_light(self, queryset, name, value):
        return queryset.filter(traffic_light_q(value))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_bucket_q(value))

    def filter_ongoing(self, queryset, name, value):
        ongoing = Q(type=Measure.Type.ONGOING)
        return queryset.filter(ongoing) if value == "1" else queryset.exclude(ongoing)

    def filter_unfinished(self, queryset, name, value):
        return queryset.filter(UNFINISHED_Q)

    def filter_extended(self, queryset, name, value):
        return queryset.filter(EXTENDED_Q)

    def filter_relapsed(self, queryset, name, value):
        return queryset.filter(RELAPSED_Q)

    def filter_problems(self, queryset, name, value):
        """A problem is complete when it has measures to close and all of them are closed (as in bulletins)."""
        closable = queryset.exclude(type=Measure.Type.ONGOING)
        unfinished = closable.exclude(status=Measure.Status.CLOSED).values("problem_id")
        if value == "complete":
            return queryset.filter(problem_id__in=closable.values("problem_id")).exclude(problem_id__in=unfinished)
        return queryset.filter(Q(problem_id__in=unfinished) | ~Q(problem_id__in=closable.values("problem_id")))

    def active_drill_downs(self) -> list[dict]:
        """The drill-down filters the request set, for the list's badges: name, label, value, shown, without."""
        if not self.is_bound or not self.form.is_valid():
            return []
        shown = []
        for name in self.DRILL_DOWN_FIELDS:
            value = self.form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            field = self.form.fields[name]
            choices = {str(k): v for k, v in (getattr(field, "choices", None) or getattr(field.widget, "choices", []))}
            without = self.data.copy()
            for key in (name, "after"):
                without.pop(key, None)
            shown.append({
                "name": name, "label": field.label, "value": self.data.get(name),
                "shown": choices.get(str(self.data.get(name)), value), "without": without.urlencode(),
            })
        return shown

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


def overdue_bucket_q(bucket: str, today: datetime.date | None = None) -> Q:
    """Overdue (red) measures whose deadline passed between the bucket's days ago (1–7, 8–30, >30)."""
    today = today or local_today()
    low, high = OVERDUE_BUCKETS[bucket]
    q = traffic_light_q("red", today) & Q(current_deadline__lte=today - datetime.timedelta(days=low))
    if high is not None:
        q &= Q(current_deadline__gte=today - datetime.timedelta(days=high))
    return q
