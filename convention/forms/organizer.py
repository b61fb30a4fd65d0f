"""Forms of the organizer's pages: the convention's texts, roles, quotas and phase.

Forms check the shape of input (lengths, characters, choices among this convention's own
members); the services check the rules (last organizer, quota below issued codes, adjacent
phases) and raise domain errors that the views show next to the form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Convention, Membership, Phase, Role
from ..services.conventions import RESERVED_SLUGS, adjacent_phases
from ..services.roles import MAX_QUOTA
from .fields import PlainTextField

TITLE_MAX = 200
DESCRIPTION_MAX = 5000


class ConventionTextsForm(forms.Form):
    title_en = PlainTextField(label=_("Title in English"), max_length=TITLE_MAX)
    title_fa_af = PlainTextField(label=_("Title in Dari"), max_length=TITLE_MAX, required=False)
    title_ps = PlainTextField(label=_("Title in Pashto"), max_length=TITLE_MAX, required=False)
    description_en = PlainTextField(
        label=_("Description in English"),
        max_length=DESCRIPTION_MAX,
        required=False,
        multiline=True,
    )
    description_fa_af = PlainTextField(
        label=_("Description in Dari"), max_length=DESCRIPTION_MAX, required=False, multiline=True
    )
    description_ps = PlainTextField(
        label=_("Description in Pashto"), max_length=DESCRIPTION_MAX, required=False, multiline=True
    )
    require_staff_mfa = forms.BooleanField(
        label=_(
            "Require two-factor authentication of moderators, registrars, trustees and organizers"
        ),
        required=False,
        initial=True,
        help_text=_("Strongly recommended: a stolen password alone then cannot act as staff."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for code in ("fa_af", "ps"):
            for name in (f"title_{code}", f"description_{code}"):
                self.fields[name].widget.attrs.update({"dir": "rtl"})


class ConventionCreateForm(ConventionTextsForm):
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=60,
        help_text=_("Lower-case Latin letters, digits and hyphens; it cannot be changed later."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "none"}),
    )
    pseudonym = forms.CharField(
        label=_("Your pseudonym in this convention"),
        max_length=40,
        help_text=_("Members will see you only under this name."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    field_order = ["slug", "pseudonym"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("This address is reserved. Choose another."))
        if Convention.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another convention already uses this address."))
        return slug


class AppointRoleForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Member's pseudonym"),
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MemberRoleForm(forms.Form):
    """Removing a role: the member is one of this convention's live members."""

    member = forms.ModelChoiceField(queryset=Membership.objects.none(), widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, convention: Convention, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Membership.objects.filter(
            convention=convention, is_deleted=False
        )


class QuotaForm(forms.Form):
    registrar = forms.ModelChoiceField(queryset=Membership.objects.none(), widget=forms.HiddenInput)
    quota = forms.IntegerField(
        label=_("Quota"),
        min_value=0,
        max_value=MAX_QUOTA,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, convention: Convention, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registrar"].queryset = Membership.objects.filter(
            convention=convention, is_deleted=False, roles__role=Role.REGISTRAR
        )


class PhaseForm(forms.Form):
    to_phase = forms.ChoiceField(choices=(), widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, convention: Convention, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [
            (phase, Phase(phase).label) for phase in adjacent_phases(convention.phase)
        ]
