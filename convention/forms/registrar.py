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

    def __init__(self, *args, attested=(), language: str = "en", **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("batch", new_batch_token())
        super().__init__(*args, **kwargs)
        # The convention's attested cohort dimensions (docs/protocol.md §12): the registrar,
        # who meets the people receiving these codes, states their value for the whole batch.
        for d, dimension in attested:
            names = [value.get(language) or value["en"] for value in dimension["values"]]
            self.fields[f"cohort_{d}"] = forms.TypedChoiceField(
                label=dimension["name"].get(language) or dimension["name"]["en"],
                choices=[(0, _("Not stated"))] + list(enumerate(names, start=1)),
                coerce=int,
                initial=0,
                required=False,
                help_text=_("Attested for every code of this batch; never printed on the cards."),
            )

    def cohort_values(self) -> dict[int, int]:
        return {
            int(name.removeprefix("cohort_")): value or 0
            for name, value in self.cleaned_data.items()
            if name.startswith("cohort_")
        }
        self.fields["count"].help_text = _(
            "One code to hand over now, or several for a printed sheet (at most %(max)d)."
        ) % {"max": MAX_CODES_PER_BATCH}


class RevokeInvitationForm(forms.Form):
    invitation = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
