"""Forms of the account pages."""

from django import forms

from peerloop.accounts.models import ApiToken
from peerloop.accounts.services import MAX_TOKEN_DAYS


class LoginForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        max_length=4096, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class SetPasswordForm(forms.Form):
    """A new password, typed twice; its rules are checked by the service."""

    new_password1 = forms.CharField(
        label="New password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; common passwords are refused.",
    )
    new_password2 = forms.CharField(
        label="New password again",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "The two passwords differ.")
        return data

    def add_service_errors(self, messages: list[str]) -> None:
        for message in messages:
            self.add_error("new_password1", message)


class PasswordChangeForm(SetPasswordForm):
    old_password = forms.CharField(
        label="Current password",
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    field_order = ["old_password", "new_password1", "new_password2"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “HR sync”.")
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
    days = forms.IntegerField(
        label="Lifetime in days", min_value=1, max_value=MAX_TOKEN_DAYS, initial=90, help_text="Between 1 and 365."
    )
