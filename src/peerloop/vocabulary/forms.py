"""Forms of the vocabulary pages. They only shape input; the services decide."""

from django import forms

from peerloop.core.tabular import split_list


class TopicForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.CharField(
        max_length=120, required=False, help_text="Used in links and imports. Left empty, it is made from the name."
    )
    parent = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, help_text="Leave empty for a top-level topic."
    )
    synonyms = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Other words people use for this topic, separated by semicolons or on separate lines.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, parent_choices: list[tuple[int, str]] = (), **kwargs) -> None:  # type: ignore[no-untyped-def,assignment]
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ChoiceField)
        parent.choices = [("", "— none (top level) —"), *parent_choices]

    def clean_synonyms(self) -> list[str]:
        return split_list(self.cleaned_data.get("synonyms", ""), ";\r\n")


class NamedForm(forms.Form):
    """A segment or a company value."""

    name = forms.CharField(max_length=120)
    slug = forms.CharField(max_length=120, required=False, help_text="Left empty, it is made from the name.")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8, comma or semicolon separated) or JSON.")
