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


class LookBackForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        choices=[("held", _("Held: the rectification stayed in place")), ("relapsed", _("Relapsed: reopen it"))],
    )
    note = forms.CharField(label=_("What the look-back found"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    new_deadline = forms.DateField(label=_("New deadline (for a relapse)"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


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


class ChaseForm(StyledForm):
    """催办: what the owner must do, and by when."""

    text = forms.CharField(label=_("What must be done, and by when"), widget=forms.Textarea(attrs={"rows": 2}))


class RuleForm(StyledForm):
    """登记制度成果 from a measure's page: the measure itself is always linked; its problem's other measures and the
    problem itself can be ticked as well."""

    name = forms.CharField(label=_("Rule"), max_length=200, help_text=_("e.g. 《案款发放管理规定》"))
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    adopted_on = forms.DateField(label=_("Adopted on"),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    issuing_department = forms.ModelChoiceField(label=_("Issuing department"), queryset=None, required=False,
                                                empty_label=_("(the court)"))
    other_measures = forms.ModelMultipleChoiceField(
        label=_("Other measures of this problem it answers"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    on_problem = forms.BooleanField(label=_("Also link it to the problem"), required=False, initial=True,
                                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    file = forms.FileField(label=_("The rule's document"), required=False)

    def __init__(self, *args, measure, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Department

        self.fields["issuing_department"].queryset = Department.objects.filter(court_id=measure.review.court_id)
        self.fields["other_measures"].queryset = Measure.objects.filter(problem_id=measure.problem_id).exclude(
            pk=measure.pk).order_by("order", "id")
