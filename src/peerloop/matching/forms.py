"""Forms of peer matching pages."""

from typing import Any

from django import forms

from peerloop.matching.models import Cadence, Mode

UNIT_RULES = [
    ("required", "Required: never pair people of the same unit"),
    ("preferred", "Preferred: favour other units"),
    ("ignored", "Ignored"),
]


class SetupForm(forms.Form):
    cadence = forms.ChoiceField(choices=Cadence.choices)
    mode = forms.ChoiceField(choices=Mode.choices)
    group_size = forms.IntegerField(min_value=2, max_value=12, initial=4, help_text="Circles only")
    seats = forms.CharField(
        required=False, max_length=300, help_text='Composed groups only, e.g. "sales: 2, operations: 1"'
    )
    metric = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, help_text="Learning pairs only")
    different_unit = forms.ChoiceField(choices=UNIT_RULES, label="Different unit")
    allow_relax_cross_unit = forms.BooleanField(
        required=False, label="Allow same-unit pairs when someone has nobody outside their unit"
    )
    same_level = forms.FloatField(min_value=0, max_value=10, initial=3.0, label="Weight: same level")
    same_role_family = forms.FloatField(min_value=0, max_value=10, initial=2.0, label="Weight: same role family")
    shared_topic = forms.FloatField(min_value=0, max_value=10, initial=1.0, label="Weight: each shared topic")
    different_region_weight = forms.FloatField(min_value=0, max_value=10, initial=1.0, label="Weight: different region")
    overlap_weight = forms.FloatField(min_value=0, max_value=10, initial=0.5, label="Weight: working hours overlap")
    max_level_gap = forms.IntegerField(min_value=0, max_value=3, initial=1, label="Largest level gap")
    no_repeat_rounds = forms.IntegerField(min_value=0, max_value=24, initial=6, label="No repeat within (rounds)")
    next_run_at = forms.DateTimeField(
        required=False,
        label="Next scheduled round",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty to run rounds by hand",
    )

    CRITERIA = (
        "different_unit",
        "same_level",
        "same_role_family",
        "shared_topic",
        "different_region_weight",
        "overlap_weight",
        "max_level_gap",
        "no_repeat_rounds",
    )

    def __init__(self, *args: Any, metrics: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *metrics]  # type: ignore[attr-defined]

    def clean_seats(self) -> dict[str, int]:
        text = self.cleaned_data.get("seats", "") or ""
        seats: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, count = part.rpartition(":")
            try:
                seats[name.strip()] = int(count)
            except ValueError:
                raise forms.ValidationError(f'"{part}": write a role family, a colon and a number.') from None
        return seats

    def criteria(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.CRITERIA}


def seats_text(seats: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in (seats or {}).items())


class FollowUpForm(forms.Form):
    met = forms.TypedChoiceField(
        choices=[("yes", "Yes, we met"), ("no", "Not yet")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Did you meet?",
    )
    rating = forms.TypedChoiceField(
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        required=False,
        empty_value=None,
        label="How good a fit (1-5)?",
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class IntroForm(forms.Form):
    to_person = forms.IntegerField(widget=forms.HiddenInput)
    topic = forms.IntegerField(widget=forms.HiddenInput, required=False)
    message = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
