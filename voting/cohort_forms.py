"""The organizer's form for a convention's cohort dimensions (docs/protocol.md §12.1): K and up
to three dimensions, each with its name in three languages, its kind and its values, one per
line as ``English | Dari | Pashto``.

A line with more parts than languages is refused, not cut (the extra text would be lost
silently), and so is a value given twice in one dimension in any language (compared without
surrounding spaces and case: "Kabul" and " kabul" are the same value), since two values that
read alike would split one group in two on every page and in every count."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from voting.verify.cohorts import DEFAULT_MINIMUM, MAX_DIMENSIONS, MAX_MINIMUM, MIN_MINIMUM

LANGUAGES = ("en", "fa-af", "ps")  # the order of a value line's parts


def _value_lines(text: str) -> list[tuple[int, list[str]]]:
    """``(line number, parts)`` of each non-blank line, each part without surrounding spaces."""
    return [
        (number, [part.strip() for part in line.split("|")])
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def _same_value(text: str) -> str:
    """What two spellings of one value have in common: case and spacing do not count."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _value_errors(text: str) -> list[ValidationError]:
    names = (_("English"), _("Dari"), _("Pashto"))
    errors = []
    seen: list[dict[str, int]] = [{} for _language in LANGUAGES]
    for number, parts in _value_lines(text):
        if len(parts) > len(LANGUAGES):
            errors.append(
                ValidationError(
                    _(
                        "Line %(line)s has %(parts)s parts separated by “|”: give at most "
                        "three, English | Dari | Pashto."
                    ),
                    params={"line": number, "parts": len(parts)},
                )
            )
            continue
        if not parts[0]:
            errors.append(
                ValidationError(
                    _("Line %(line)s has no English name: it comes first."),
                    params={"line": number},
                )
            )
        for part, earlier, name in zip(parts, seen, names, strict=False):
            if not part:
                continue
            first = earlier.setdefault(_same_value(part), number)
            if first != number:
                errors.append(
                    ValidationError(
                        _(
                            "Lines %(first)s and %(line)s give the same value in %(language)s, "
                            "“%(value)s”: the values of a dimension must all differ."
                        ),
                        params={"first": first, "line": number, "language": name, "value": part},
                    )
                )
    return errors


KIND_CHOICES = [
    ("", _("Not used")),
    ("attested", _("Attested by the registrar")),
    ("self-declared", _("Self-declared by the voter")),
]


class CohortDimensionsForm(forms.Form):
    minimum = forms.IntegerField(
        label=_("Minimum group size K"),
        min_value=MIN_MINIMUM,
        max_value=MAX_MINIMUM,
        initial=DEFAULT_MINIMUM,
        help_text=_("No figure covering fewer ballots than this is ever shown."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for d in range(1, MAX_DIMENSIONS + 1):
            self.fields[f"kind_{d}"] = forms.ChoiceField(
                label=_("Dimension %(d)s") % {"d": d}, choices=KIND_CHOICES, required=False
            )
            for language, label in (
                ("en", _("English")),
                ("fa_af", _("Dari")),
                ("ps", _("Pashto")),
            ):
                self.fields[f"name_{d}_{language}"] = forms.CharField(
                    label=_("Name (%(language)s)") % {"language": label},
                    max_length=200,
                    required=False,
                )
            self.fields[f"values_{d}"] = forms.CharField(
                label=_("Values, one per line: English | Dari | Pashto"),
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for d in range(1, MAX_DIMENSIONS + 1):
            if data.get(f"kind_{d}"):
                for error in _value_errors(data.get(f"values_{d}") or ""):
                    self.add_error(f"values_{d}", error)
        return data

    @classmethod
    def initial_for(cls, definition: dict[str, Any] | None) -> dict[str, Any]:
        if definition is None:
            return {}
        initial: dict[str, Any] = {"minimum": definition["minimum"]}
        for d, dimension in enumerate(definition["dimensions"], start=1):
            initial[f"kind_{d}"] = dimension["kind"]
            for language in ("en", "fa_af", "ps"):
                initial[f"name_{d}_{language}"] = dimension["name"].get(
                    language.replace("_", "-"), ""
                )
            initial[f"values_{d}"] = "\n".join(
                " | ".join(value.get(k, "") for k in LANGUAGES) for value in dimension["values"]
            )
        return initial

    def definition(self) -> dict[str, Any]:
        """The ``cohorts`` member this form describes (checked again by the service)."""
        data = self.cleaned_data
        dimensions = []
        for d in range(1, MAX_DIMENSIONS + 1):
            if not data.get(f"kind_{d}"):
                continue
            values = [
                dict(zip(LANGUAGES, parts + [""] * (len(LANGUAGES) - len(parts)), strict=True))
                for _number, parts in _value_lines(data.get(f"values_{d}") or "")
            ]
            dimensions.append(
                {
                    "name": {
                        "en": data.get(f"name_{d}_en", "").strip(),
                        "fa-af": data.get(f"name_{d}_fa_af", "").strip(),
                        "ps": data.get(f"name_{d}_ps", "").strip(),
                    },
                    "kind": data[f"kind_{d}"],
                    "values": values,
                }
            )
        return {"minimum": data["minimum"], "dimensions": dimensions}
