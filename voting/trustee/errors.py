"""The refusal every step of a trustee's client raises (``voting.trustee.steps`` re-exports it)."""

from __future__ import annotations


class TrusteeRefusal(Exception):
    """The server published something a trustee must not act on; the message says what."""
