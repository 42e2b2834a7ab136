"""The form the rectification office sets a measure up with; the write is ``workflow.measure_create``
or ``workflow.measure_update``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import StyledForm
from .models import Measure


class MeasureSetupForm(StyledForm):
    text = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 3}))
    type = forms.ChoiceField(label=_("Type"), choices=Measure.Type.choices, initial=Measure.Type.DEADLINE)
    target = forms.CharField(label=_("Target"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsible_leader = forms.ModelChoiceField(label=_("Responsible leader"), queryset=None, required=False)
    lead_department = forms.ModelChoiceField(label=_("Lead department"), queryset=None, required=False)
    supporting_departments = forms.ModelMultipleChoiceField(
        label=_("Supporting departments"), queryset=None, required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    report_frequency = forms.ChoiceField(
        label=_("Reporting frequency"), choices=Measure.Frequency.choices, initial=Measure.Frequency.MONTHLY
    )
    original_deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for an ongoing measure."),
    )

    # What goes to the workflow as ``changes`` / ``values`` (supporting departments go separately).
    PLANNING = ("text", "type", "target", "responsible_leader", "lead_department", "owner", "report_frequency",
                "original_deadline")

    def __init__(self, *args, leaders, departments, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_leader"].queryset = leaders
        self.fields["lead_department"].queryset = departments
        self.fields["supporting_departments"].queryset = departments
        self.fields["supporting_departments"].widget.attrs.setdefault("size", 6)
        self.fields["owner"].queryset = people

    def clean(self):
        data = super().clean()
        kind, deadline = data.get("type"), data.get("original_deadline")
        if kind == Measure.Type.DEADLINE and deadline is None and "original_deadline" not in self.errors:
            self.add_error("original_deadline", _("A measure fixed by a deadline needs a deadline."))
        lead, supporting = data.get("lead_department"), data.get("supporting_departments") or []
        if lead is not None and lead in supporting:
            self.add_error("supporting_departments", _("The lead department cannot also be a supporting one."))
        return data

    def planning_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PLANNING}


class MeasureEditForm(MeasureSetupForm):
    """Carries the version the user saw, so an edit over someone else's change is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)
