"""Forms of the organizer's election pages (``voting.views.organizer``).

Forms check the shape of input: lengths, characters (``PlainTextField`` refuses NUL, control
and direction characters and oversized input; ``NoMarkup`` refuses HTML and script URLs),
numbers, choices among this convention's own trustees. The services in
``voting.services.drafting`` check the same again and the rules (draft only, bounds against
the options, k ≤ n) and raise ``InvalidElection``, which the views show next to the form.

Times are entered as a date and a time in UTC, and read as UTC whatever the server's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from convention.forms.fields import PlainTextField
from convention.models import Convention, Membership
from voting.models import QuestionKind
from voting.services.drafting import (
    _MARKUP,
    DESCRIPTION_MAX,
    TEXT_MAX,
    TITLE_MAX,
    trustee_candidates,
)
from voting.verify.election import MAX_OPTIONS

LANGUAGES = (("en", "en", _("English")), ("fa-af", "fa_af", _("Dari")), ("ps", "ps", _("Pashto")))


def no_markup(value: str) -> None:
    if value and _MARKUP.search(value):
        raise ValidationError(
            _("The text looks like HTML or a script. Write plain text; the page formats it itself.")
        )


def _text_field(label, *, max_length: int, required: bool, multiline: bool = False, rtl=False):
    field = PlainTextField(
        label=label,
        max_length=max_length,
        required=required,
        multiline=multiline,
        validators=[no_markup],
    )
    field.widget.attrs["dir"] = "rtl" if rtl else "auto"
    return field


class _Texts:
    """Helpers to read the three language versions of one text out of ``cleaned_data``."""

    def texts(self, prefix: str) -> dict[str, str]:
        return {
            lang: self.cleaned_data.get(f"{prefix}_{suffix}", "") for lang, suffix, _ in LANGUAGES
        }


def _add_texts(
    form, prefix: str, label_en, label_fa, label_ps, *, max_length: int, multiline=False
):
    form.fields[f"{prefix}_en"] = _text_field(
        label_en, max_length=max_length, required=True, multiline=multiline
    )
    form.fields[f"{prefix}_fa_af"] = _text_field(
        label_fa, max_length=max_length, required=False, multiline=multiline, rtl=True
    )
    form.fields[f"{prefix}_ps"] = _text_field(
        label_ps, max_length=max_length, required=False, multiline=multiline, rtl=True
    )


class UtcDateTimeWidget(forms.MultiWidget):
    def __init__(self, attrs=None) -> None:
        super().__init__(
            widgets=[
                # Each half has its own accessible name: the field's <label> names only the first.
                forms.DateInput(
                    attrs={"type": "date", "dir": "ltr", "aria-label": _("Date (UTC)")},
                    format="%Y-%m-%d",
                ),
                forms.TimeInput(
                    attrs={"type": "time", "dir": "ltr", "aria-label": _("Time (UTC)")},
                    format="%H:%M",
                ),
            ],
            attrs=attrs,
        )

    def decompress(self, value):
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
            return [value.date(), value.time().replace(second=0, microsecond=0)]
        return [None, None]


class UtcDateTimeField(forms.MultiValueField):
    """A date and a time, entered separately (native pickers, no JavaScript), read as UTC."""

    widget = UtcDateTimeWidget

    def __init__(self, **kwargs) -> None:
        fields = (
            forms.DateField(input_formats=["%Y-%m-%d"]),
            forms.TimeField(input_formats=["%H:%M", "%H:%M:%S"]),
        )
        super().__init__(fields=fields, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list or None in data_list:
            return None
        return datetime.combine(data_list[0], data_list[1]).replace(tzinfo=UTC)


class ElectionForm(_Texts, forms.Form):
    """Step 1: the election's texts and schedule."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _add_texts(
            self,
            "title",
            _("Title in English"),
            _("Title in Dari"),
            _("Title in Pashto"),
            max_length=TITLE_MAX,
        )
        _add_texts(
            self,
            "description",
            _("Description in English"),
            _("Description in Dari"),
            _("Description in Pashto"),
            max_length=DESCRIPTION_MAX,
            multiline=True,
        )
        self.fields["description_en"].required = False
        help_utc = _("Date and time in UTC (Kabul is UTC+4:30).")
        self.fields["credentials_at"] = UtcDateTimeField(
            label=_("Credential window opens (UTC)"), help_text=help_utc
        )
        self.fields["opens_at"] = UtcDateTimeField(
            label=_("Voting opens (UTC)"), help_text=help_utc
        )
        self.fields["closes_at"] = UtcDateTimeField(
            label=_("Voting closes (UTC)"), help_text=help_utc
        )

    def clean(self):
        data = super().clean()
        credentials_at, opens_at, closes_at = (
            data.get("credentials_at"),
            data.get("opens_at"),
            data.get("closes_at"),
        )
        if credentials_at and opens_at and credentials_at > opens_at:
            self.add_error(
                "opens_at", _("The credential window must open no later than voting opens.")
            )
        if opens_at and closes_at and opens_at >= closes_at:
            self.add_error("closes_at", _("Voting must open before it closes."))
        return data

    @classmethod
    def initial_for(cls, election) -> dict:
        initial = {
            f"{field}_{suffix}": getattr(election, f"{field}_{suffix}")
            for field in ("title", "description")
            for _lang, suffix, _label in LANGUAGES
        }
        initial.update(
            credentials_at=election.credentials_at,
            opens_at=election.opens_at,
            closes_at=election.closes_at,
        )
        return initial


class QuestionForm(_Texts, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of question"),
        choices=QuestionKind.choices,
        widget=forms.RadioSelect,
        initial=QuestionKind.SINGLE,
    )
    allow_blank = forms.BooleanField(
        label=_("Allow a blank vote (single choice only)"), required=False
    )
    min_selections = forms.IntegerField(
        label=_("Approval: least number of selections"),
        min_value=0,
        max_value=MAX_OPTIONS,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    max_selections = forms.IntegerField(
        label=_("Approval: most number of selections"),
        min_value=1,
        max_value=MAX_OPTIONS,
        required=False,
        help_text=_("At most the number of options."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _add_texts(
            self,
            "text",
            _("Question in English"),
            _("Question in Dari"),
            _("Question in Pashto"),
            max_length=TEXT_MAX,
        )
        self.order_fields(["text_en", "text_fa_af", "text_ps", "kind"])

    def clean(self):
        data = super().clean()
        if data.get("kind") == QuestionKind.APPROVAL:
            low, high = data.get("min_selections"), data.get("max_selections")
            if low is None:
                data["min_selections"] = low = 0
            if high is None:
                self.add_error(
                    "max_selections",
                    _("An approval question needs the most number of selections."),
                )
            elif low > high:
                self.add_error(
                    "min_selections", _("The least number cannot be more than the most.")
                )
        return data

    @classmethod
    def initial_for(cls, question) -> dict:
        initial = {
            f"text_{suffix}": getattr(question, f"text_{suffix}")
            for _lang, suffix, _label in LANGUAGES
        }
        initial.update(
            kind=question.kind,
            allow_blank=question.allow_blank,
            min_selections=question.min_selections,
            max_selections=question.max_selections,
        )
        return initial


class OptionForm(_Texts, forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _add_texts(
            self,
            "text",
            _("Option in English"),
            _("Option in Dari"),
            _("Option in Pashto"),
            max_length=TEXT_MAX,
        )

    @classmethod
    def initial_for(cls, option) -> dict:
        return {
            f"text_{suffix}": getattr(option, f"text_{suffix}")
            for _lang, suffix, _label in LANGUAGES
        }


class ProposalOptionForm(forms.Form):
    proposal = forms.TypedChoiceField(label=_("Proposal"), coerce=int, choices=())

    def __init__(self, *args, proposals, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposal"].choices = [(p.pk, label) for p, label in proposals]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=(("up", _("Up")), ("down", _("Down"))))


class TrusteesForm(forms.Form):
    trustees = forms.ModelMultipleChoiceField(
        label=_("Trustees"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "Only live members of this convention with the trustee role can be trustees."
            ),
            "invalid_pk_value": _("That is not a member."),
        },
    )
    threshold = forms.IntegerField(
        label=_("Trustees needed to decrypt (k)"),
        min_value=1,
        max_value=100,
        help_text=_(
            "Any k of the n chosen trustees can decrypt the tally together; fewer cannot. "
            "Choose k so that the tally survives the loss of a few trustees."
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, convention: Convention, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trustees"].queryset = trustee_candidates(convention)
        self.fields["trustees"].label_from_instance = lambda m: m.pseudonym

    def clean(self):
        data = super().clean()
        chosen, k = data.get("trustees"), data.get("threshold")
        if chosen is not None and k is not None and k > len(chosen):
            self.add_error(
                "threshold",
                _("k cannot be more than the %(n)d trustees chosen.") % {"n": len(chosen)},
            )
        return data


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=20)
    confirm = forms.BooleanField(required=False)
