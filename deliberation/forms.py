"""Forms: they parse and bound input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from convention.models import Membership, Role

from .models import TEXT_LANGUAGES, PostLanguage, ReasonCategory
from .services.moderation import MUTE_HOURS
from .text import POST_MAX_CHARS


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your post"),
        max_length=POST_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
        help_text=_(
            "**bold**, *italic*, `code`, - lists, > quotes and [links](https://…) are allowed."
        ),
    )
    language = forms.ChoiceField(label=_("Language of the post"), choices=PostLanguage.choices)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Corrected text"),
        max_length=POST_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should a moderator look at this?"), choices=ReasonCategory.choices
    )
    note = forms.CharField(
        label=_("Note for the moderators (optional)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "approve",
                "hide",
                "restore",
                "dismiss",
                "lock",
                "unlock",
                "pin",
                "unpin",
                "move",
                "mute",
                "suspend",
            )
        ]
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *ReasonCategory.choices], required=False
    )
    note = forms.CharField(
        label=_("Note for moderators (not public)"), required=False, max_length=500
    )
    to_room = forms.IntegerField(required=False)
    hours = forms.TypedChoiceField(
        label=_("Mute for"), coerce=int, required=False, choices=[(h, h) for h in MUTE_HOURS]
    )


class RoomSettingsForm(forms.Form):
    slow_mode_seconds = forms.IntegerField(
        label=_("Slow mode (seconds between posts, 0: off)"), min_value=0, max_value=3600
    )
    is_locked = forms.BooleanField(label=_("Locked (read only)"), required=False)
    is_premoderated = forms.BooleanField(
        label=_("Hold posts until a moderator approves"), required=False
    )
    is_archived = forms.BooleanField(label=_("Archive (cannot be undone)"), required=False)


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why should this decision be reconsidered?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
    )


class DecideAppealForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("uphold", _("Uphold")), ("overturn", _("Overturn"))])
    note = forms.CharField(label=_("Note (not public)"), required=False, max_length=500)


class SessionForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_fa_af = forms.CharField(label=_("Title (Dari)"), max_length=200, required=False)
    title_ps = forms.CharField(label=_("Title (Pashto)"), max_length=200, required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        required=False,
        choices=[(c.value, c.label) for c in TEXT_LANGUAGES],
        widget=forms.CheckboxSelectMultiple,
    )
    turn_seconds = forms.IntegerField(
        label=_("Speaking turn (seconds)"), initial=120, min_value=15, max_value=1800
    )
    moderators = forms.ModelMultipleChoiceField(
        label=_("Moderators of this session"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, convention=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if convention is not None:
            self.fields["moderators"].queryset = (
                Membership.objects.filter(
                    convention=convention,
                    is_deleted=False,
                    roles__role__in=[Role.MODERATOR, Role.ORGANIZER],
                )
                .distinct()
                .order_by("pseudonym")
            )


class RoomForm(forms.Form):
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    title_fa_af = forms.CharField(label=_("Title (Dari)"), max_length=200, required=False)
    title_ps = forms.CharField(label=_("Title (Pashto)"), max_length=200, required=False)
    is_premoderated = forms.BooleanField(
        label=_("Hold posts until a moderator approves"), required=False
    )


class AgendaItemForm(forms.Form):
    title_en = forms.CharField(label=_("Agenda item (English)"), max_length=200)
    title_fa_af = forms.CharField(label=_("Agenda item (Dari)"), max_length=200, required=False)
    title_ps = forms.CharField(label=_("Agenda item (Pashto)"), max_length=200, required=False)


class StrawPollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    options = forms.CharField(
        label=_("Options, one per line (2 to 6)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=800,
    )


class ProposalTextForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of this text"), choices=[(c.value, c.label) for c in TEXT_LANGUAGES]
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    summary = forms.CharField(
        label=_("Summary"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )
    body = forms.CharField(
        label=_("Full text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
    )


class AmendmentForm(ProposalTextForm):
    rationale = forms.CharField(
        label=_("Why this change?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("Supporters needed to reach the ballot"), min_value=1, max_value=1_000_000
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the convention's posts"), max_length=200)


# --- Opinion map -------------------------------------------------------------------------

_TEXT_LANGUAGE_CHOICES = [(code, label) for code, label in PostLanguage.choices if code != "other"]


class ConversationForm(forms.Form):
    question_en = forms.CharField(label=_("Question (English)"), max_length=200)
    question_fa_af = forms.CharField(label=_("Question (Dari)"), max_length=200, required=False)
    question_ps = forms.CharField(label=_("Question (Pashto)"), max_length=200, required=False)
    premoderated = forms.BooleanField(
        label=_("Hold statements until a moderator approves them"), required=False, initial=True
    )


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement: one idea others can agree or disagree with"),
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "maxlength": 280}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_TEXT_LANGUAGE_CHOICES)


class OpinionVoteForm(forms.Form):
    statement = forms.IntegerField(min_value=1)
    choice = forms.ChoiceField(
        choices=[("agree", "agree"), ("disagree", "disagree"), ("pass", "pass")]
    )


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Into"), choices=_TEXT_LANGUAGE_CHOICES)
    text = forms.CharField(
        label=_("Translation"),
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "maxlength": 280}),
    )


class DecideTranslationForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
