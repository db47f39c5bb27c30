"""Forms of the program pages. They shape input; the services decide what is valid."""

from django import forms

from peerloop.programs.models import Mechanism, Metric, Program

AUDIENCE_KINDS = [
    ("everyone", "Every active employee"),
    ("filter", "People selected from the directory"),
    ("space", "The members of a space"),
]
LEVEL_CHOICES = [(str(level), str(level)) for level in range(1, 13)]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class ProgramForm(forms.Form):
    name = forms.CharField(max_length=200)
    objective = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What the program sets out to change, in a sentence or two."
    )
    expected_outcomes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What success looks like."
    )
    mechanisms = forms.MultipleChoiceField(
        choices=Mechanism.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="How peers will learn from each other in this program.",
    )
    owner = forms.EmailField(label="Owner (email)", help_text="Designs and runs the program.")
    sponsor = forms.EmailField(label="Executive sponsor (email)", required=False)
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    audience_kind = forms.ChoiceField(
        label="Who it is for", choices=AUDIENCE_KINDS, widget=forms.RadioSelect, initial="everyone"
    )
    units = forms.TypedMultipleChoiceField(
        required=False, coerce=int, help_text="Subunits are included. Hold Ctrl or ⌘ to pick several."
    )
    regions = forms.TypedMultipleChoiceField(required=False, coerce=int)
    levels = forms.TypedMultipleChoiceField(
        required=False, coerce=int, choices=LEVEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    role_families = forms.CharField(
        required=False, max_length=500, help_text="Separated by semicolons, e.g. sales; customer success."
    )
    space = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args,  # type: ignore[no-untyped-def]
        unit_choices: list[tuple[int, str]] = (),  # type: ignore[assignment]
        region_choices: list[tuple[int, str]] = (),  # type: ignore[assignment]
        space_choices: list[tuple[int, str]] = (),  # type: ignore[assignment]
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "units").choices = list(unit_choices)
        self.fields["units"].widget.attrs["size"] = str(min(8, max(3, len(unit_choices))))
        _choice_field(self, "regions").choices = list(region_choices)
        self.fields["regions"].widget.attrs["size"] = str(min(6, max(3, len(region_choices))))
        _choice_field(self, "space").choices = [("", "— choose a space —"), *space_choices]

    def clean(self) -> dict:
        data = super().clean() or {}
        kind = data.get("audience_kind")
        if kind == "space" and not data.get("space"):
            self.add_error("space", "Choose the space whose members the program is for.")
        if kind == "filter" and not any(data.get(k) for k in ("units", "regions", "levels", "role_families")):
            self.add_error("units", "Pick at least one unit, region, level or role family.")
        return data

    def audience(self) -> tuple[dict, int | None]:
        """(audience_filter, audience_space_id) as the services take them."""
        data = self.cleaned_data
        if data["audience_kind"] == "space":
            return {}, data["space"]
        if data["audience_kind"] == "everyone":
            return {}, None
        families = [f.strip() for f in (data.get("role_families") or "").split(";") if f.strip()]
        spec = {
            "unit_ids": data.get("units") or [],
            "region_ids": data.get("regions") or [],
            "levels": data.get("levels") or [],
            "role_families": families,
        }
        return {k: v for k, v in spec.items() if v}, None

    @staticmethod
    def initial_for(program: Program, *, owner_email: str, sponsor_email: str) -> dict:
        spec = program.audience_filter or {}
        kind = "space" if program.audience_space_id else ("filter" if spec else "everyone")
        return {
            "name": program.name,
            "objective": program.objective,
            "expected_outcomes": program.expected_outcomes,
            "mechanisms": program.mechanisms,
            "owner": owner_email,
            "sponsor": sponsor_email,
            "starts_on": program.starts_on,
            "ends_on": program.ends_on,
            "audience_kind": kind,
            "units": spec.get("unit_ids", []),
            "regions": spec.get("region_ids", []),
            "levels": spec.get("levels", []),
            "role_families": "; ".join(spec.get("role_families", [])),
            "space": program.audience_space_id or "",
        }


class ProgramCreateForm(ProgramForm):
    status = forms.ChoiceField(
        label="Start as",
        choices=[(Program.Status.DRAFT, "Draft (not started yet)"), (Program.Status.ACTIVE, "Active")],
        initial=Program.Status.DRAFT,
        widget=forms.RadioSelect,
    )


class KpiForm(forms.Form):
    metric = forms.TypedChoiceField(coerce=int)
    baseline = forms.FloatField(required=False, help_text="Where the metric stood when the program began.")
    target = forms.FloatField()
    target_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, metric_choices: list[tuple[int, str]] = (), **kwargs) -> None:  # type: ignore[no-untyped-def,assignment]
        super().__init__(*args, **kwargs)
        _choice_field(self, "metric").choices = list(metric_choices)


class MetricForm(forms.Form):
    code = forms.CharField(
        max_length=64,
        help_text="How import files name this metric, e.g. nps or cost-per-order. It cannot change later.",
    )
    name = forms.CharField(max_length=160)
    direction = forms.ChoiceField(choices=Metric.Direction.choices, initial=Metric.Direction.HIGHER_IS_BETTER)
    unit_label = forms.CharField(max_length=32, required=False, help_text="e.g. %, days, €")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8, comma or semicolon separated) or JSON.")
