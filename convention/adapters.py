"""allauth customisation, in one adapter per allauth app, as allauth intends."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from .names import validate_username
from .services.signup import UsernameUnavailable, check_username_available


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # The platform never reads client addresses (config.middleware blanks them). Rate
        # limits are keyed by user or submitted key, so a constant here stores nothing.
        return "0.0.0.0"  # noqa: S104 - a placeholder, never used to bind

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Our name rules (no invisible or mixed-script characters, no look-alike of an
        existing username) on top of allauth's own checks; ``shallow`` checks the rules only,
        without looking at existing accounts."""
        from django import forms

        try:
            name = validate_username(username) if shallow else check_username_available(username)
        except UsernameUnavailable as refusal:
            raise forms.ValidationError(refusal.message, code="username") from refusal
        return super().clean_username(name, shallow=shallow)

    def get_signup_redirect_url(self, request) -> str:
        # A new member's next step is protecting the account with a second factor.
        return reverse("account_settings")


class MFAAdapter(DefaultMFAAdapter):
    """Second factors that do not name the person on the device that holds them.

    allauth labels TOTP entries and passkeys with the email address when there is one; a phone
    searched at a checkpoint would then show it next to the platform's name. The username is
    used instead, and people are told they can rename the entry.
    """

    def _get_user_identifier(self, user) -> str:
        return user.get_username()
