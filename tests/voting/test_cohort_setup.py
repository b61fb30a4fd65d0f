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


def _organizer_client(language: str):
    convention = Convention.objects.create(
        slug="cohort-form", title_en="Cohorts", phase=Phase.REGISTRATION, require_staff_mfa=False
    )
    organizer = _member(convention, "Organizer", Role.ORGANIZER)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(organizer.user)
    return convention, client, reverse("voting:cohort_dimensions", args=[convention.slug])


REGION = "Kabul | کابل | کابل\nHerat | هرات | هرات"
REFUSED = [
    # (values of the region dimension, language, words of the error in that language)
    (
        REGION + "\nkabul | کابل شهر | کابل ښار",
        "en",
        "Lines 1 and 3 give the same value",
    ),
    (REGION + "\n  KABUL  | کابل شهر | کابل ښار", "fa-af", "سطرهای 1 و 3"),
    (REGION + "\nKabul city | کابل | کابل ښار", "fa-af", "در دری"),
    (REGION + "\nKabul city | کابل شهر | کابل", "ps", "په پښتو"),
    (REGION + "\nA|a|b|c|d", "en", "Line 3 has 5 parts"),
    (REGION + "\nA|a|b|c|d", "fa-af", "سطر 3 دارای 5 بخش"),
    (REGION + "\nKandahar | کندهار | کندهار | Qandahar", "ps", "کرښه کې 4 برخې"),
    (REGION + "\n | کندهار | کندهار", "fa-af", "نام انگلیسی ندارد"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, language, words",
    REFUSED,
    ids=[
        "en-repeated",
        "fa-repeated-spaced-capitals",
        "fa-repeated-dari",
        "ps-repeated-pashto",
        "en-five-parts",
        "fa-five-parts",
        "ps-four-parts",
        "fa-no-english",
    ],  # fmt: skip
)
def test_the_cohort_form_refuses_repeated_values_and_extra_parts_in_the_users_language(
    values, language, words
):
    """The form used to accept "Kabul" and "kabul" as two values of one dimension, and to cut
    ``A|a|b|c|d`` to its first three parts without a word (outside review, LOW)."""
    convention, client, url = _organizer_client(language)
    data = _form(demo_cohorts(50))
    before = dict(data)
    data["values_3"] = values
    response = client.post(url, data)
    assert response.status_code == 400
    text = response.content.decode()
    assert words in text, text[text.find("errorlist") - 200 :][:1500]
    assert not ConventionCohorts.objects.filter(convention=convention).exists()
    # A refused form changes nothing that was saved before.
    assert client.post(url, before).status_code == 302
    saved = ConventionCohorts.objects.get(convention=convention).definition
    assert client.post(url, data).status_code == 400
    assert ConventionCohorts.objects.get(convention=convention).definition == saved


@pytest.mark.django_db
def test_the_cohort_form_keeps_distinct_values_and_leaves_missing_translations_empty():
    convention, client, url = _organizer_client("en")
    data = _form(demo_cohorts(50))
    data["values_3"] = "Kabul | کابل\nKabul city\nHerat | هرات | هرات"
    assert client.post(url, data).status_code == 302
    values = ConventionCohorts.objects.get(convention=convention).definition["dimensions"][2]
    assert values["values"] == [
        {"en": "Kabul", "fa-af": "کابل", "ps": ""},
        {"en": "Kabul city", "fa-af": "", "ps": ""},
        {"en": "Herat", "fa-af": "هرات", "ps": "هرات"},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, limit",
    [
        ("en", "a group of K or more whose members all vote the same way"),
        ("fa-af", "همه یک‌سان رأی بدهند"),
        ("ps", "ټول یو ډول رایه ورکړي"),
    ],
)
def test_the_cohort_page_says_what_k_does_not_hide(language, limit):
    """The page used to promise that merging groups under K means "nobody's vote can be worked
    out": a unanimous group, or K − 1 voters who share their votes, still show a vote."""
    _, client, url = _organizer_client(language)
    text = client.get(url).content.decode()
    assert limit in text
    assert "nobody" not in text and "رأی هیچ‌کس" not in text and "د هېچا رایه" not in text
