from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .lockout import CaptchaLoginMixin
from .models import AuditEvent


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("All actions")), *AuditEvent.Action.choices])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    success = forms.ChoiceField(label=_("Result"), required=False,
                                choices=[("", _("All")), ("1", _("Succeeded")), ("0", _("Failed"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select form-select-sm" if isinstance(field, forms.ChoiceField) else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def filters(self) -> dict:
        data = self.cleaned_data
        success = {"1": True, "0": False}.get(data.get("success") or "")
        return {"actor": data.get("actor") or "", "action": data.get("action") or "",
                "date_from": data.get("date_from"), "date_to": data.get("date_to"), "success": success}


class OtpTokenForm(forms.Form):
    token = forms.CharField(label=_("Six-digit code"), max_length=8, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "class": "form-control", "autofocus": True}))


class LoginForm(CaptchaLoginMixin, AuthenticationForm):
    """The login form with one plain message for a wrong name or password: it never says which was wrong,
    so it does not reveal whether an account exists. An account under attack also asks for the offline
    captcha (audit.lockout)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is incorrect. Please check both and try again."),
    }
