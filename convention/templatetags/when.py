"""``{{ moment|when }}``: the one way templates show a date or time to voters and observers
(convention/dates.py). Styles: ``when`` (date and time), ``when:"hour"``, ``when:"date"``,
``when:"deadline"`` (adds the Gregorian date for Dari and Pashto readers). A page whose script
shows a moment includes ``{% moment_format %}`` (frontend/src/voting/moment.js reads it)."""

from __future__ import annotations

from django import template
from django.utils.html import json_script

from convention.dates import STYLES, format_moment, list_separator, moment_format

register = template.Library()


@register.filter(name="when")
def when(value, style: str = "datetime"):
    if style not in STYLES:
        raise template.TemplateSyntaxError(f"when: unknown style {style!r}")
    return format_moment(value, style)


@register.simple_tag(name="moment_format")
def moment_format_script():
    """The active language's calendar, month names and comma as JSON for the page's script."""
    return json_script(moment_format(), "moment-format")


@register.simple_tag(name="comma")
def comma() -> str:
    """The list separator of the active language: ", " or "، "."""
    return list_separator()


@register.filter(name="join_list")
def join_list(values) -> str:
    return list_separator().join(str(value) for value in values)
