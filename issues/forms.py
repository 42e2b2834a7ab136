"""Forms that parse the rectification office's input; the writes happen in ``issues.services``.

They are ModelForms for their labels, choices and the model's own checks (a deadline before the
feedback date lands on the deadline field), but views never call ``form.save()``: the cleaned data
goes to a service, which checks the actor and validates again for every other caller.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Category, Finding, Problem, Review


class StyledFormMixin:
    """Bootstrap classes on every widget, and is-invalid on fields with errors (measures.forms too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} {css}-sm")
            if isinstance(field.widget, forms.SelectMultiple):
                field.widget.attrs.setdefault("size", 6)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError next to the fields it names, the rest above the form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Review
        fields = (
            "court", "title", "source", "issuing_body", "period_start", "period_end", "feedback_date",
            "deadline", "leading_group", "status", "reminder_days", "reminder_working_days", "escalation_days",
            "lookback_months",
            "bulletin_frequency",
        )
        widgets = {
            "period_start": _date_input(),
            "period_end": _date_input(),
            "feedback_date": _date_input(),
            "deadline": _date_input(),
            "leading_group": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reminder_days": _("Days before a deadline to remind, separated by commas, e.g. 7,3"),
            "leading_group": _("The leading group for the rectification: leader, deputies and members."),
        }

    def __init__(self, *args, courts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = courts
        self.fields["court"].empty_label = None


class FindingForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ("text", "aspect", "benchmark_practice", "gap", "problems")
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "benchmark_practice": forms.Textarea(attrs={"rows": 2}),
            "gap": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"problems": _("The problem(s) of the problem list this finding became.")}

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problems"].queryset = review.problems.select_related("category").order_by(
            "category__order", "category_id", "order", "id"
        )


class CategoryForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Category
        fields = ("name",)


class ProblemForm(StyledFormMixin, forms.ModelForm):
    findings = forms.ModelMultipleChoiceField(
        label=_("From findings"), queryset=Finding.objects.none(), required=False,
        help_text=_("The finding(s) this problem came from."),
    )

    class Meta:
        model = Problem
        fields = (
            "category", "description", "root_cause", "responsible_leader", "lead_department",
            "supporting_departments",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "root_cause": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, review: Review, leaders, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = review.categories.order_by("order", "id")
        self.fields["category"].empty_label = None
        self.fields["responsible_leader"].queryset = leaders
        self.fields["lead_department"].queryset = departments
        self.fields["supporting_departments"].queryset = departments
        self.fields["findings"].queryset = review.findings.order_by("order", "id")

    def clean(self):
        data = super().clean()
        lead, supporting = data.get("lead_department"), data.get("supporting_departments") or []
        if lead is not None and lead in supporting:
            self.add_error("supporting_departments", _("The lead department cannot also be a supporting one."))
        return data
