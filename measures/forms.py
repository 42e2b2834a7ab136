from django import forms
from django.utils.translation import gettext_lazy as _

from issues.forms import StyledFormMixin

from .models import Measure


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several evidence files in one input; the content checks live in measures.evidence."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class StyledForm(StyledFormMixin, forms.Form):
    """Bootstrap classes on every widget, and is-invalid on fields with errors."""


class VersionedForm(StyledForm):
    """Carries the measure version the user saw, so a stale or doubled submit is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(VersionedForm):
    note = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    files = MultipleFileField(label=_("Evidence files"))


class CloseOutForm(VersionedForm):
    result = forms.CharField(label=_("Result of the rectification"), widget=forms.Textarea(attrs={"rows": 3}))
    rules_adopted = forms.IntegerField(label=_("Rules adopted"), min_value=0, required=False)
    files = MultipleFileField(label=_("Evidence files"))


class ExtensionForm(StyledForm):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    note = forms.CharField(label=_("Note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(StyledForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BulkForm(forms.Form):
    ACTIONS = [("progress", _("Report progress")), ("start", _("Start"))]
    measures = forms.ModelMultipleChoiceField(queryset=Measure.objects.none())
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(label=_("Progress note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100, required=False)

    def __init__(self, *args, measures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if measures is not None:
            self.fields["measures"].queryset = measures


class PromptForm(StyledForm):
    review = forms.ModelChoiceField(label=_("Review"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}))
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, reviews, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews
        self.fields["departments"].queryset = departments
        self.fields["departments"].widget.attrs["class"] = "form-check-input"


class InstructionForm(StyledForm):
    text = forms.CharField(label=_("Instruction"), widget=forms.Textarea(attrs={"rows": 3}))
    on_problem = forms.BooleanField(label=_("On the whole problem (shown on each of its measures)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_problem"].widget.attrs["class"] = "form-check-input"


class SupervisionForm(InstructionForm):
    """督办意见 of the discipline office: the same shape as a 批示."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Supervision note")
