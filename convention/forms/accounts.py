"""Account forms: sign-up with an invitation code, log-in, joining, pseudonyms, deletion.

Forms parse and check what a person typed and explain what is wrong; the services in
``convention.services.signup`` and ``convention.services.accounts`` do the writing and check
everything again under a lock. Every text field has a length limit enforced before any other
work, Django's NUL-character check, and ``dir="auto"`` so Dari and Pashto display correctly.
"""

from __future__ import annotations

import re
import unicodedata

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm, SignupForm
from allauth.core import ratelimit
from allauth.mfa.webauthn.forms import AddWebAuthnForm, EditWebAuthnForm
from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Convention, Membership, User
from ..names import (
    PSEUDONYM_CHANGE_INTERVAL_DAYS,
    PSEUDONYM_HOLD_DAYS,
    PSEUDONYM_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)
from ..services.signup import (
    INVITATION_CODE_MAX_LENGTH,
    AlreadyMember,
    SignupRefused,
    check_pseudonym_available,
    find_invitation,
    redeem_invitation,
)
from .fields import check_plain_text

PASSWORD_MAX_LENGTH = 1024
_CODE_CHARACTERS = re.compile(r"[A-Za-z0-9 -]+")


def _limit_length(field: forms.CharField, maximum: int) -> None:
    """Give a field that allauth built without one a length limit (a 10 KB password would
    otherwise reach the password hasher)."""
    field.max_length = maximum
    field.validators.append(MaxLengthValidator(maximum))
    field.widget.attrs["maxlength"] = str(maximum)


class EchoSafeTextInput(forms.TextInput):
    """A text input that, when a refused form is shown again, leaves out control and invisible
    formatting characters (NUL, bidi controls) from what it echoes. Validation still sees them,
    which is what produces the error message."""

    def format_value(self, value):
        value = super().format_value(value)
        if value is None:
            return None
        return "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf"))


def _text_widget(**attrs) -> forms.TextInput:
    return EchoSafeTextInput(
        attrs={"dir": "auto", "autocapitalize": "none", "spellcheck": "false", **attrs}
    )


def _echo_safe(field: forms.Field) -> None:
    """Give a field allauth built the echo-safe widget, keeping its attributes (type, etc.)."""
    widget = EchoSafeTextInput(attrs=field.widget.attrs)
    widget.input_type = field.widget.input_type
    field.widget = widget


def invitation_code_field() -> forms.CharField:
    return forms.CharField(
        label=_("Invitation code"),
        max_length=INVITATION_CODE_MAX_LENGTH,
        help_text=_("The code a registrar of the convention gave you. Each code works once."),
        widget=_text_widget(autocomplete="off"),
    )


def pseudonym_field() -> forms.CharField:
    return forms.CharField(
        label=_("Pseudonym"),
        max_length=PSEUDONYM_MAX_LENGTH,
        strip=False,
        help_text=_(
            "The only name other participants will see. Do not use your real name or a name "
            "people know you by."
        ),
        widget=_text_widget(autocomplete="off"),
    )


def _attempts_key(code: str) -> str:
    # The same normalisation as hash_invitation_code: spellings of one code share one limit.
    return "invitation-attempts:" + "".join(code.split()).replace("-", "").upper()


def clean_invitation_code(request, code: str):
    """The usable invitation for ``code``, or ``ValidationError``.

    Attempts per code are rate limited, so a leaked code cannot be hammered; guessing is defeated
    by the codes' length, not by watching addresses. The limit's key is the normalised code
    under its own label, not the hash the database keeps: allauth names its cache entry (which
    holds each attempt's time) after the key's SHA-256, and a copy of the database must not be
    able to find the entry of a given invitation, and so the second its new member signed up.
    """
    code = code.strip()
    if not _CODE_CHARACTERS.fullmatch(code):
        raise forms.ValidationError(
            _("An invitation code has only letters, digits and dashes."), code="code_format"
        )
    if request is not None and not ratelimit.consume(
        request, action="redeem_invitation", key=_attempts_key(code)
    ):
        raise forms.ValidationError(
            _("Too many attempts with this code. Wait an hour and try again."),
            code="rate_limited",
        )
    try:
        return find_invitation(code)
    except SignupRefused as refusal:
        raise forms.ValidationError(refusal.message, code="invitation") from refusal


class UsernameLoginForm(LoginForm):
    """allauth's log-in form; the username is compared in the same Unicode form it is stored."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _echo_safe(self.fields["login"])
        self.fields["login"].widget.attrs.update(
            {"dir": "auto", "autocapitalize": "none", "spellcheck": "false"}
        )
        _limit_length(self.fields["password"], PASSWORD_MAX_LENGTH)

    def clean_login(self) -> str:
        return unicodedata.normalize("NFC", super().clean_login())


class InvitationSignupForm(SignupForm):
    """Sign-up: invitation code, username, pseudonym, optional email, password twice."""

    field_order = ["invitation_code", "username", "pseudonym", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = None
        self.fields["invitation_code"] = invitation_code_field()
        self.fields["pseudonym"] = pseudonym_field()
        username = self.fields["username"]
        username.max_length = USERNAME_MAX_LENGTH
        username.help_text = _(
            "For logging in; nobody else sees it. Letters of one alphabet, digits and - _ ."
        )
        _echo_safe(username)
        username.widget.attrs.update(
            {"dir": "auto", "autocapitalize": "none", "spellcheck": "false"}
        )
        username.widget.attrs.pop("placeholder", None)
        if "email" in self.fields:
            _echo_safe(self.fields["email"])
            self.fields["email"].help_text = _(
                "Optional. Only for resetting a forgotten password; never shown to anyone. "
                "Leave it empty if an email address could identify you."
            )
            self.fields["email"].widget.attrs.pop("placeholder", None)
        for name in ("password1", "password2"):
            if name in self.fields:
                _limit_length(self.fields[name], PASSWORD_MAX_LENGTH)
                self.fields[name].widget.attrs.pop("placeholder", None)
        self.order_fields(self.field_order)

    def clean_invitation_code(self):
        self.invitation = clean_invitation_code(
            getattr(self, "request", None) or _current_request(),
            self.cleaned_data["invitation_code"],
        )
        return self.cleaned_data["invitation_code"].strip()

    def clean_username(self) -> str:
        if self.invitation is None:
            # Without a valid code, say nothing about which usernames exist: a username may be
            # close to a real name, and the page must not confirm that its owner is here.
            return get_adapter().clean_username(self.cleaned_data["username"], shallow=True)
        return super().clean_username()

    def clean(self):
        cleaned = super().clean()
        pseudonym = cleaned.get("pseudonym")
        if self.invitation is not None and pseudonym is not None:
            try:
                cleaned["pseudonym"] = check_pseudonym_available(
                    convention=self.invitation.convention, pseudonym=pseudonym
                )
            except SignupRefused as refusal:
                self.add_error("pseudonym", refusal.message)
        return cleaned

    def save(self, request) -> User:
        """Redeem the invitation; ``SignupRefused`` propagates to the view if a concurrent
        request used the code or took the names since the form was checked."""
        membership = redeem_invitation(
            code=self.cleaned_data["invitation_code"],
            username=self.cleaned_data["username"],
            password=self.cleaned_data["password1"],
            pseudonym=self.cleaned_data["pseudonym"],
            email=self.cleaned_data.get("email") or "",
        )
        self.membership = membership
        return membership.user


def _current_request():
    from allauth.core import context

    return context.request


class JoinConventionForm(forms.Form):
    """A logged-in person joins another convention with its invitation code."""

    invitation_code = forms.CharField()  # replaced in __init__
    pseudonym = forms.CharField()

    def __init__(self, *args, request=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.invitation = None
        self.fields["invitation_code"] = invitation_code_field()
        self.fields["pseudonym"] = pseudonym_field()

    def clean_invitation_code(self) -> str:
        self.invitation = clean_invitation_code(self.request, self.cleaned_data["invitation_code"])
        return self.cleaned_data["invitation_code"].strip()

    def clean(self):
        cleaned = super().clean()
        pseudonym = cleaned.get("pseudonym")
        if self.invitation is None:
            return cleaned
        user = getattr(self.request, "user", None)
        if Membership.objects.filter(convention=self.invitation.convention, user=user).exists():
            self.add_error("invitation_code", AlreadyMember.default_message)
        elif pseudonym is not None:
            try:
                cleaned["pseudonym"] = check_pseudonym_available(
                    convention=self.invitation.convention, pseudonym=pseudonym
                )
            except SignupRefused as refusal:
                self.add_error("pseudonym", refusal.message)
        return cleaned


class PseudonymForm(forms.Form):
    pseudonym = forms.CharField()  # replaced in __init__

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["pseudonym"] = pseudonym_field()
        self.fields["pseudonym"].label = _("New pseudonym")
        self.fields["pseudonym"].help_text = " ".join(
            [
                str(self.fields["pseudonym"].help_text),
                ngettext(
                    "You can change it once every %(days)d day.",
                    "You can change it once every %(days)d days.",
                    PSEUDONYM_CHANGE_INTERVAL_DAYS,
                )
                % {"days": PSEUDONYM_CHANGE_INTERVAL_DAYS},
                ngettext(
                    "The change is shown in the convention's audit log as “old pseudonym is now "
                    "new pseudonym”, and your old pseudonym stays reserved for you for %(days)d "
                    "day.",
                    "The change is shown in the convention's audit log as “old pseudonym is now "
                    "new pseudonym”, and your old pseudonym stays reserved for you for %(days)d "
                    "days.",
                    PSEUDONYM_HOLD_DAYS,
                )
                % {"days": PSEUDONYM_HOLD_DAYS},
            ]
        )

    def clean_pseudonym(self) -> str:
        convention: Convention = self.membership.convention
        try:
            return check_pseudonym_available(
                convention=convention,
                pseudonym=self.cleaned_data["pseudonym"],
                exclude=self.membership,
            )
        except SignupRefused as refusal:
            raise forms.ValidationError(refusal.message, code="pseudonym") from refusal


class DeleteAccountForm(forms.Form):
    KEEP = "keep"
    ERASE = "erase"

    password = forms.CharField(
        label=_("Your password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    contributions = forms.ChoiceField(
        label=_("What you wrote in conventions"),
        choices=[
            (
                ERASE,
                _(
                    "Delete my memberships. What the convention's record still needs (posts "
                    "others answered, codes I issued) stays, shown as “deleted participant”."
                ),
            ),
            (
                KEEP,
                _(
                    "Keep my posts for the record, shown as written by “deleted participant” "
                    "with nothing that leads back to me."
                ),
            ),
        ],
        initial=ERASE,
        widget=forms.RadioSelect,
        # Django's message repeats the submitted value; this one does not.
        error_messages={"invalid_choice": _("Choose one of the two options.")},
    )

    def __init__(self, *args, user: User, request=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.request is not None and not ratelimit.consume(
            self.request, action="reauthenticate", user=self.user
        ):
            raise forms.ValidationError(
                _("Too many attempts. Wait a minute and try again."), code="rate_limited"
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."), code="password")
        return password

    @property
    def keep_contributions(self) -> bool:
        return self.cleaned_data.get("contributions") == self.KEEP


PASSKEY_NAME_MAX_LENGTH = 60


def passkey_name_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Name of the key"),
        max_length=PASSKEY_NAME_MAX_LENGTH,
        required=required,
        help_text=_("Only you see it. Choose one that says nothing about you."),
        widget=_text_widget(autocomplete="off"),
    )


class PasskeyNameMixin:
    """allauth's passkey forms leave the key's name unbounded and unchecked."""

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name:
            check_plain_text(name, multiline=False)
        return super().clean_name() if hasattr(super(), "clean_name") else name


class PasskeyAddForm(PasskeyNameMixin, AddWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"] = passkey_name_field(required=False)


class PasskeyEditForm(PasskeyNameMixin, EditWebAuthnForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"] = passkey_name_field(required=True)
