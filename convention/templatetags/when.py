"""``{{ moment|when }}``: the one way templates show a date or time to voters and observers
(convention/dates.py). Styles: ``when`` (date and time), ``when:"hour"``, ``when:"date"``,
``when:"deadline"`` (adds the Gregorian date for Dari and Pashto readers). A page whose script
shows a moment includes ``{% moment_format %}`` (frontend/src/voting/moment.js reads it)."""

from __future__ import annotations

import json

from django import template
from django.utils.html import format_html

from convention.dates import STYLES, format_moment, list_separator, local_digits, moment_format

register = template.Library()


@register.filter(name="when")
def when(value, style: str = "datetime"):
    if style not in STYLES:
        raise template.TemplateSyntaxError(f"when: unknown style {style!r}")
    return format_moment(value, style)


@register.simple_tag(name="moment_format")
def moment_format_element():
    """The active language's calendar, month names and comma for the page's script, in the data
    attributes of a hidden element (pages carry their data in attributes, not inline scripts)."""
    spec = moment_format()
    return format_html(
        '<div id="moment-format" hidden data-calendar="{}" data-comma="{}" data-months="{}"></div>',
        spec["calendar"],
        spec["comma"],
        json.dumps(spec["months"], ensure_ascii=False),
    )


@register.filter(name="digits")
def digits(value) -> str:
    """``{{ count|digits }}``: a number in the reader's digits (Eastern in Dari and Pashto)."""
    return "" if value is None else local_digits(value)


@register.simple_tag(name="comma")
def comma() -> str:
    """The list separator of the active language: ", " or "، "."""
    return list_separator()


@register.filter(name="join_list")
def join_list(values) -> str:
    return list_separator().join(str(value) for value in values)
