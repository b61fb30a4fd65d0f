"""allauth customisation, in one adapter as allauth intends."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # The platform never reads client addresses (config.middleware blanks them). Rate
        # limits are keyed by user or submitted key, so a constant here stores nothing.
        return "0.0.0.0"  # noqa: S104 - a placeholder, never used to bind
