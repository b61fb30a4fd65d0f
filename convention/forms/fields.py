"""Form fields for the texts organizers write (titles, descriptions).

They refuse what could make a text display differently from what it says: NUL and other
control characters, and explicit direction controls (embeddings, overrides, isolates), which
could reverse a title or a pseudonym shown next to it; pages set each text's direction with
``dir="auto"`` instead. Zero-width non-joiners stay allowed: Dari and Pashto spelling needs them.
Oversized input is refused before any per-character work.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_plain_text(value: str, *, multiline: bool) -> str:
    if "\x00" in value:
        raise ValidationError(_("The text contains a NUL character, which is not allowed."))
    if any(c in DIRECTION_CONTROLS for c in value):
        raise ValidationError(
            _(
                "The text contains invisible direction-changing characters. Remove them; the "
                "page sets the direction of each text itself."
            )
        )
    allowed_controls = {"\n", "\t"} if multiline else set()
    for c in value:
        if unicodedata.category(c) == "Cc" and c not in allowed_controls:
            raise ValidationError(
                _("The text contains control characters (such as line breaks in a title).")
                if not multiline
                else _("The text contains invisible control characters.")
            )
    return unicodedata.normalize("NFC", value)


class PlainTextField(forms.CharField):
    """A single-line or multi-line text without control or direction characters."""

    def __init__(self, *, multiline: bool = False, **kwargs) -> None:
        self.multiline = multiline
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"dir": "auto", "rows": 6}))
        else:
            kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "auto"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        # Before stripping and length checks: a megabyte of input is refused at once.
        if isinstance(value, str) and self.max_length and len(value) > self.max_length * 4:
            raise ValidationError(
                _("The text is too long: at most %(max)d characters.") % {"max": self.max_length}
            )
        value = super().to_python(value)
        if isinstance(value, str) and self.multiline:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return value

    def validate(self, value) -> None:
        super().validate(value)
        if value:
            check_plain_text(value, multiline=self.multiline)

    def clean(self, value):
        value = super().clean(value)
        return unicodedata.normalize("NFC", value) if value else value
