from django import forms

from peerloop.feedback.models import RoutingRule, SourceKind, Survey, WebhookEvent

TRANSITION_CHOICES = [(a, a) for a in ("acknowledge", "learning", "acted", "close", "reopen")]


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=TRANSITION_CHOICES)
    note = forms.CharField(required=False, max_length=500)
    root_cause = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    lesson = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))


class EntryForm(forms.Form):
    text = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), label="What did they say?")
    score = forms.FloatField(required=False, min_value=0, max_value=10, label="Score (0-10, optional)")
    channel = forms.CharField(required=False, max_length=80)
    segment = forms.CharField(required=False, max_length=120, label="Customer segment")
    product = forms.CharField(required=False, max_length=160)
    region = forms.CharField(required=False, max_length=64, label="Region code")
    unit = forms.CharField(required=False, max_length=64, label="Unit code")


class SourceForm(forms.Form):
    name = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=SourceKind.choices)
    mapping = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Webhooks: one 'field = path' per line, e.g. text = data.comment",
    )


class RuleForm(forms.Form):
    name = forms.CharField(max_length=160)
    topic = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    segment = forms.CharField(required=False, max_length=120)
    region = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    score_max = forms.FloatField(required=False, min_value=0, max_value=10, label="Score at most")
    role_family = forms.CharField(max_length=80, label="Accountable role family")
    min_level = forms.IntegerField(min_value=1, max_value=20, initial=5, label="At level or above")
    scope = forms.ChoiceField(choices=RoutingRule.Scope.choices)
    priority = forms.IntegerField(min_value=0, max_value=100000, initial=100)
    sla_hours = forms.IntegerField(min_value=1, max_value=2160, initial=48, label="SLA (hours)")


class SurveyForm(forms.Form):
    title = forms.CharField(max_length=200)
    question = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=Survey.Kind.choices)
    space = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])


class AnswerForm(forms.Form):
    score = forms.IntegerField(required=False, min_value=0, max_value=10)
    text = forms.CharField(required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV or JSON Lines; columns text, score, channel, segment, product, region, "
                           "unit, occurred_at, idempotency_key, attr_<name>")  # fmt: skip


def parse_mapping(text: str) -> dict[str, str]:
    mapping = {}
    for line in (text or "").splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            if key.strip():
                mapping[key.strip()] = value.strip()
    return mapping


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=160)
    url = forms.CharField(max_length=500, label="URL", help_text="http:// or https://; Peerloop POSTs JSON here")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, label="Send these events"
    )
