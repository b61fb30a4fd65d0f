"""Template tags of the account pages."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def webauthn_form_config(form: str, **ids: str) -> SafeString:
    """The configuration of one of allauth's passkey forms, as a JSON data block.

    ``convention/account-forms.js`` reads it and starts ``allauth.webauthn.forms[form]``: the
    page needs no inline script, which the Content Security Policy (script-src 'self') forbids.
    """
    return json_script({"form": form, "ids": ids}, "allauth-form-config")
