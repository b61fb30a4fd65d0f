"""Stored skeletons can be brought up to date after the confusables data changes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from convention.models import Membership, User
from convention.names import skeleton
from tests.convention.account_factories import make_convention, make_member

pytestmark = pytest.mark.django_db


def test_stale_skeletons_are_recomputed_and_collisions_listed():
    convention = make_convention()
    rahim = make_member(convention, username="rahim", pseudonym="Rahim")
    karim = make_member(convention, username="karim", pseudonym="Karim")
    User.objects.filter(pk=rahim.user.pk).update(username_skeleton="stale")
    Membership.objects.filter(pk=rahim.pk).update(pseudonym_skeleton="stale")
    # A name stored under an old rule that now looks like another one.
    Membership.objects.filter(pk=karim.pk).update(pseudonym="RAHlM", pseudonym_skeleton="old")

    out = StringIO()
    call_command("recompute_name_skeletons", stdout=out)

    assert User.objects.get(pk=rahim.user.pk).username_skeleton == skeleton("rahim")
    assert Membership.objects.get(pk=rahim.pk).pseudonym_skeleton == skeleton("Rahim")
    assert Membership.objects.get(pk=karim.pk).pseudonym_skeleton == "old"
    assert f"convention.Membership #{karim.pk}" in out.getvalue()
