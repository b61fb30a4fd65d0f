"""Forms of the registrar's pages: issuing codes and revoking unused ones."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.invitations import MAX_CODES_PER_BATCH


def new_batch_token() -> str:
    return secrets.token_urlsafe(18)


class IssueInvitationsForm(forms.Form):
    count = forms.IntegerField(
        label=_("How many codes"),
        min_value=1,
        max_value=MAX_CODES_PER_BATCH,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # A fresh token per rendered form: sending the same form twice issues its codes once.
    batch = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("batch", new_batch_token())
        super().__init__(*args, **kwargs)
        self.fields["count"].help_text = _(
            "One code to hand over now, or several for a printed sheet (at most %(max)d)."
        ) % {"max": MAX_CODES_PER_BATCH}


class RevokeInvitationForm(forms.Form):
    invitation = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
