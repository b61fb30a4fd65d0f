"""The organizer's form for a convention's cohort dimensions (docs/protocol.md §12.1): K and up
to three dimensions, each with its name in three languages, its kind and its values, one per
line as ``English | Dari | Pashto``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voting.verify.cohorts import DEFAULT_MINIMUM, MAX_DIMENSIONS, MAX_MINIMUM, MIN_MINIMUM

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
                " | ".join(value.get(k, "") for k in ("en", "fa-af", "ps"))
                for value in dimension["values"]
            )
        return initial

    def definition(self) -> dict[str, Any]:
        """The ``cohorts`` member this form describes (checked again by the service)."""
        data = self.cleaned_data
        dimensions = []
        for d in range(1, MAX_DIMENSIONS + 1):
            if not data.get(f"kind_{d}"):
                continue
            values = []
            for line in (data.get(f"values_{d}") or "").splitlines():
                if not line.strip():
                    continue
                parts = [part.strip() for part in line.split("|")] + ["", ""]
                values.append({"en": parts[0], "fa-af": parts[1], "ps": parts[2]})
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
