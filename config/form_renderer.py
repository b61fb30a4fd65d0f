"""The form renderer: Django's, with our override of the form layout searched first.

``config/form_templates/django/forms/div.html`` puts an error summary at the top of every form
that has errors (issue 12: on a phone the only error may be far below, under the last field): a
list of links to the fields in error, announced (role="alert") and focused when the page loads.
Each field's own error stays tied to it by Django's aria-describedby.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates

OVERRIDES = Path(__file__).resolve().parent / "form_templates"


class FormRenderer(DjangoTemplates):
    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [OVERRIDES, Path(django.forms.__file__).parent / "templates"],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
