"""Setting up cohorts (docs/protocol.md §12.1): the organizer defines the dimensions, a
registrar attests values for a batch of invitation codes (shown on the sheet, not on the cards),
and the member who redeems a code carries them; once values are attested the dimensions can no
longer change."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from convention.models import Convention, Phase, Role
from convention.services.signup import redeem_invitation
from voting.exceptions import InvalidElection
from voting.models import AttestedCohort, ConventionCohorts
from voting.services.cohort_setup import define_cohorts
from voting.simulation import _member, demo_cohorts


def _form(definition: dict) -> dict:
    data = {"minimum": definition["minimum"]}
    for d, dimension in enumerate(definition["dimensions"], start=1):
        data[f"kind_{d}"] = dimension["kind"]
        data[f"name_{d}_en"] = dimension["name"]["en"]
        data[f"name_{d}_fa_af"] = dimension["name"]["fa-af"]
        data[f"name_{d}_ps"] = dimension["name"]["ps"]
        data[f"values_{d}"] = "\n".join(
            f"{v['en']} | {v['fa-af']} | {v['ps']}" for v in dimension["values"]
        )
    return data


@pytest.mark.django_db
def test_registrar_attests_values_for_a_batch_and_the_member_inherits_them():
    convention = Convention.objects.create(
        slug="cohort-setup", title_en="Cohorts", phase=Phase.REGISTRATION, require_staff_mfa=False
    )
    organizer = _member(convention, "Organizer", Role.ORGANIZER)
    registrar = _member(convention, "Registrar", Role.REGISTRAR)
    registrar.invitation_quota = 10
    registrar.save(update_fields=["invitation_quota"])
    definition = demo_cohorts(50)

    client = Client()
    client.force_login(organizer.user)
    url = reverse("voting:cohort_dimensions", args=[convention.slug])
    assert client.post(url, _form(definition)).status_code == 302
    assert ConventionCohorts.objects.get(convention=convention).definition == definition

    client = Client(HTTP_ACCEPT_LANGUAGE="fa-af")
    client.force_login(registrar.user)
    desk = client.get(reverse("convention:registrar", args=[convention.slug])).content.decode()
    assert 'name="cohort_1"' in desk and 'name="cohort_3"' in desk
    assert 'name="cohort_2"' not in desk  # gender is self-declared: no registrar sets it
    batch = re.search(r'name="batch" value="([^"]+)"', desk).group(1)
    page = client.post(
        reverse("convention:issue", args=[convention.slug]),
        {"count": 2, "batch": batch, "cohort_1": 1, "cohort_3": 2},
    ).content.decode()
    codes = re.findall(r'<code class="invitation-code">([^<]+)</code>', page)
    assert len(codes) == 2
    sheet, cards = page.split('<div class="invitation-sheet">', 1)
    assert "داخل افغانستان" in sheet and "هرات" in sheet
    assert "داخل افغانستان" not in cards and "هرات" not in cards  # never on the card

    member = redeem_invitation(
        code=codes[0], username="cohortvoter", password="a long passphrase 1", pseudonym="Voter"
    )
    assert dict(
        AttestedCohort.objects.filter(membership=member).values_list("dimension", "value")
    ) == {1: 1, 3: 2}
    with pytest.raises(InvalidElection):
        define_cohorts(convention=convention, actor=organizer, definition=demo_cohorts(20))
