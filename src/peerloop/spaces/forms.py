"""Forms of the space pages."""

from django import forms

from peerloop.spaces.models import Membership, Space
from peerloop.vocabulary import queries as vocabulary_queries


class SpaceForm(forms.Form):
    name = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=Space.Kind.choices, initial=Space.Kind.COMMUNITY)
    description = forms.CharField(required=False, widget=forms.Textarea, help_text="What this space is about.")
    goals = forms.CharField(
        required=False, widget=forms.Textarea, help_text="The common goals members pursue together."
    )
    topic_ids = forms.TypedMultipleChoiceField(
        label="Topics",
        required=False,
        coerce=int,
        help_text="Topics of the common vocabulary; hold Ctrl or ⌘ to pick several.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["topic_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(t.pk, t.name) for t in vocabulary_queries.topic_list()]


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, help_text="An email with a link to join goes to this address.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class AcceptForm(forms.Form):
    """Name and password for someone new; only the password for a directory person
    without a login; nothing for someone who can already log in."""

    name = forms.CharField(label="Your name", max_length=200, required=False)
    password1 = forms.CharField(
        label="Choose a password",
        required=False,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; common passwords are refused.",
    )
    password2 = forms.CharField(
        label="Password again",
        required=False,
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, needs_name: bool, needs_password: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.needs_name, self.needs_password = needs_name, needs_password
        if not needs_name:
            del self.fields["name"]
        else:
            self.fields["name"].required = True
        if not needs_password:
            del self.fields["password1"], self.fields["password2"]
        else:
            self.fields["password1"].required = True
            self.fields["password2"].required = True

    def clean(self) -> dict:
        data = super().clean() or {}
        if self.needs_password and data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data
