"""Organizer pages: create, edit, roles, quotas, phases; refusals and hostile input."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from convention.models import AuditEntry, Convention, Membership, Phase, Role

from .convention_factories import fresh, make_convention, make_member, make_user

pytestmark = pytest.mark.django_db

HOSTILE_TEXT = {
    "bidi": "Jirga \u202egnikcah",
    "isolate": "Jirga \u2067x\u2069",
    "nul": "Jir\x00ga",
    "control": "Jirga\x1b[31m",
    "ten_kb": "x" * 10_240,
}


@pytest.fixture
def convention():
    return make_convention(phase=Phase.REGISTRATION)


@pytest.fixture
def organizer(convention):
    return make_member(convention, Role.ORGANIZER, pseudonym="Mirwais")


def logged_in(member_or_user) -> Client:
    client = Client()
    user = getattr(member_or_user, "user", member_or_user)
    client.force_login(user)
    return client


def url(name, convention) -> str:
    return reverse(f"convention:{name}", args=[convention.slug])


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- Creating ----------------------------------------------------------------------------


@pytest.fixture
def creator():
    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="add_convention"))
    return user


def creation_data(**overrides) -> dict:
    data = {
        "slug": "loya-jirga",
        "pseudonym": "ستاره",
        "title_en": "Loya Jirga",
        "title_fa_af": "لویه جرگه",
        "title_ps": "لويه جرګه",
        "description_en": "We meet.\r\nWe decide.",
        "description_fa_af": "",
        "description_ps": "",
        "require_staff_mfa": "on",
    }
    data.update(overrides)
    return data


def test_create_a_convention_in_three_languages(creator):
    client = logged_in(creator)
    page = client.get(reverse("convention:create"))
    assert page.status_code == 200
    assert 'name="title_fa_af"' in page.content.decode()
    response = client.post(reverse("convention:create"), creation_data())
    assert response.status_code == 302
    convention = Convention.objects.get(slug="loya-jirga")
    assert (convention.title_fa_af, convention.title_ps) == ("لویه جرگه", "لويه جرګه")
    assert convention.description_en == "We meet.\nWe decide."
    assert convention.require_staff_mfa
    organizer = Membership.objects.get(convention=convention)
    assert organizer.user == creator and organizer.has_role(Role.ORGANIZER)
    assert AuditEntry.objects.get().action == "convention.created"


def test_creating_without_the_permission_is_refused_with_a_reason():
    client = logged_in(make_user())
    response = client.post(reverse("convention:create"), creation_data())
    assert response.status_code == 403
    assert "operators can create a convention" in response.content.decode()
    assert not Convention.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *[("title_en", v) for v in HOSTILE_TEXT.values()],
        ("description_fa_af", "\u202eمتن"),
        ("description_en", "x" * 10_240),
        ("description_ps", "a\x00b"),
        ("slug", "<script>alert(1)</script>"),
        ("slug", "new"),
        ("slug", "x" * 10_240),
        ("pseudonym", "<script>alert(1)</script>"),
        ("pseudonym", "Sta\u202era"),
        ("pseudonym", "x" * 10_240),
        ("pseudonym", ""),
        ("title_en", ""),
    ],
)
def test_hostile_creation_input_is_refused_and_nothing_written(creator, field, value):
    response = logged_in(creator).post(
        reverse("convention:create"), creation_data(**{field: value})
    )
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Convention.objects.exists() and not Membership.objects.exists()
    assert audit_count() == 0


def test_markup_in_a_title_is_shown_as_text(creator):
    client = logged_in(creator)
    client.post(reverse("convention:create"), creation_data(title_en="<script>alert(1)</script>"))
    page = client.get(reverse("convention:detail", args=["loya-jirga"])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- Editing -----------------------------------------------------------------------------


def test_organizer_edits_texts_and_the_change_is_audited(convention, organizer):
    client = logged_in(organizer)
    assert client.get(url("edit", convention)).status_code == 200
    data = creation_data(title_en="Jirga 2", title_ps="جرګه")
    response = client.post(url("edit", convention), data)
    assert response.status_code == 302
    convention.refresh_from_db()
    assert (convention.title_en, convention.title_ps) == ("Jirga 2", "جرګه")
    assert convention.slug == "jirga"  # the slug field of the data is ignored
    entry = AuditEntry.objects.get(action="convention.updated")
    assert "title_en" in entry.detail["fields"] and entry.actor == "Mirwais"


@pytest.mark.parametrize("value", list(HOSTILE_TEXT.values()))
def test_hostile_edit_is_refused_and_nothing_written(convention, organizer, value):
    response = logged_in(organizer).post(url("edit", convention), creation_data(title_ps=value))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert fresh(organizer).convention.title_ps == ""
    assert audit_count() == 0


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MODERATOR, Role.REGISTRAR])
def test_editing_without_the_role_is_refused_with_a_reason(convention, organizer, role):
    intruder = make_member(convention, role)
    client = logged_in(intruder)
    response = client.post(url("edit", convention), creation_data(title_en="Hijacked"))
    assert response.status_code == 403
    assert "Only the convention&#x27;s organizers can edit" in response.content.decode()
    assert Convention.objects.get(pk=convention.pk).title_en == "Jirga"
    assert audit_count() == 0


def test_an_organizer_of_another_convention_is_not_one_here(convention, organizer):
    other = make_convention("elsewhere")
    stranger = make_member(other, Role.ORGANIZER)
    response = logged_in(stranger).post(url("edit", convention), creation_data(title_en="X"))
    assert response.status_code == 403
    assert "not a member of this convention" in response.content.decode()


def test_forms_need_the_csrf_token(convention, organizer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer.user)
    response = client.post(url("edit", convention), creation_data(title_en="X"))
    assert response.status_code == 403
    assert Convention.objects.get(pk=convention.pk).title_en == "Jirga"


# --- Roles -------------------------------------------------------------------------------


def test_appoint_a_role_by_pseudonym(convention, organizer):
    member = make_member(convention, pseudonym="نرګس")
    client = logged_in(organizer)
    response = client.post(url("roles", convention), {"pseudonym": "نرګس", "role": "moderator"})
    assert response.status_code == 302
    assert fresh(member).has_role(Role.MODERATOR)
    page = client.get(url("roles", convention)).content.decode()
    assert "نرګس" in page and "is now" in page


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"pseudonym": "Nobody", "role": "moderator"}, 404, "No member of this convention"),
        ({"pseudonym": "x" * 10_240, "role": "moderator"}, 400, "errorlist"),
        ({"pseudonym": "Na\x00rges", "role": "moderator"}, 400, "errorlist"),
        ({"pseudonym": "<script>", "role": "moderator"}, 404, "No member"),
        ({"pseudonym": "Nar\u202eges", "role": "moderator"}, 404, "No member"),
        ({"pseudonym": "Mirwais", "role": "superuser"}, 400, "errorlist"),
        ({"pseudonym": "Mirwais", "role": "organizer"}, 409, "already holds"),
        ({}, 400, "errorlist"),
    ],
)
def test_bad_appointments_are_refused_and_nothing_written(
    convention, organizer, data, status, message
):
    response = logged_in(organizer).post(url("roles", convention), data)
    assert response.status_code == status
    assert message in response.content.decode()
    assert audit_count() == 0


def test_appointing_without_the_role_is_refused(convention, organizer):
    registrar = make_member(convention, Role.REGISTRAR, pseudonym="Nazanin")
    response = logged_in(registrar).post(
        url("roles", convention), {"pseudonym": "Nazanin", "role": "organizer"}
    )
    assert response.status_code == 403
    assert "organizers can appoint" in response.content.decode()
    assert not fresh(registrar).has_role(Role.ORGANIZER)


def test_removing_a_role_asks_for_confirmation_first(convention, organizer):
    member = make_member(convention, Role.MODERATOR, pseudonym="Shabnam")
    client = logged_in(organizer)
    data = {"member": member.pk, "role": "moderator"}
    confirm = client.post(url("remove_role", convention), data)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Shabnam" in page and 'name="confirm"' in page
    assert fresh(member).has_role(Role.MODERATOR)
    done = client.post(url("remove_role", convention), {**data, "confirm": "on"})
    assert done.status_code == 302
    assert not fresh(member).has_role(Role.MODERATOR)
    assert AuditEntry.objects.get().action == "role.removed"


def test_the_last_organizer_cannot_remove_themselves(convention, organizer):
    data = {"member": organizer.pk, "role": "organizer", "confirm": "on"}
    response = logged_in(organizer).post(url("remove_role", convention), data)
    assert response.status_code == 409
    assert "last organizer" in response.content.decode()
    assert fresh(organizer).has_role(Role.ORGANIZER)


def test_forged_member_of_another_convention_is_refused(convention, organizer):
    foreign = make_member(make_convention("elsewhere"), Role.ORGANIZER)
    data = {"member": foreign.pk, "role": "organizer", "confirm": "on"}
    response = logged_in(organizer).post(url("remove_role", convention), data)
    assert response.status_code == 400
    assert "not found in this convention" in response.content.decode()
    assert fresh(foreign).has_role(Role.ORGANIZER)


# --- Quotas ------------------------------------------------------------------------------


def test_set_a_registrars_quota(convention, organizer):
    registrar = make_member(convention, Role.REGISTRAR, pseudonym="Nazanin")
    client = logged_in(organizer)
    page = client.get(url("quotas", convention)).content.decode()
    assert "Nazanin" in page
    response = client.post(url("quotas", convention), {"registrar": registrar.pk, "quota": "40"})
    assert response.status_code == 302
    assert fresh(registrar).invitation_quota == 40
    assert AuditEntry.objects.get().detail == {"quota": 40, "previous": 0}


@pytest.mark.parametrize(
    "quota", ["-1", "-999999999999", "10001", "99999999999999999999999", "ten", "", "1e3", "5\x00"]
)
def test_hostile_quotas_are_refused_and_nothing_written(convention, organizer, quota):
    registrar = make_member(convention, Role.REGISTRAR)
    response = logged_in(organizer).post(
        url("quotas", convention), {"registrar": registrar.pk, "quota": quota}
    )
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert fresh(registrar).invitation_quota == 0 and audit_count() == 0


@pytest.mark.parametrize("forged", ["participant", "foreign", "garbage"])
def test_forged_registrar_field_is_refused(convention, organizer, forged):
    target = {
        "participant": lambda: make_member(convention).pk,
        "foreign": lambda: make_member(make_convention("elsewhere"), Role.REGISTRAR).pk,
        "garbage": lambda: "<script>",
    }[forged]()
    response = logged_in(organizer).post(
        url("quotas", convention), {"registrar": target, "quota": "50"}
    )
    assert response.status_code == 400
    assert "registrar was not found" in response.content.decode()
    assert not Membership.objects.filter(invitation_quota=50).exists()


def test_registrar_cannot_raise_their_own_quota(convention, organizer):
    registrar = make_member(convention, Role.REGISTRAR, quota=5)
    response = logged_in(registrar).post(
        url("quotas", convention), {"registrar": registrar.pk, "quota": "10000"}
    )
    assert response.status_code == 403
    assert "organizers can set" in response.content.decode()
    assert fresh(registrar).invitation_quota == 5


# --- Phases ------------------------------------------------------------------------------


def test_moving_the_phase_asks_for_confirmation(convention, organizer):
    client = logged_in(organizer)
    page = client.get(url("phase", convention)).content.decode()
    assert 'value="deliberation"' in page and 'value="voting"' not in page
    confirm = client.post(url("phase", convention), {"to_phase": "deliberation"})
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.content.decode()
    assert Convention.objects.get(pk=convention.pk).phase == Phase.REGISTRATION
    done = client.post(url("phase", convention), {"to_phase": "deliberation", "confirm": "on"})
    assert done.status_code == 302
    assert Convention.objects.get(pk=convention.pk).phase == Phase.DELIBERATION
    assert AuditEntry.objects.get().detail == {"from": "registration", "to": "deliberation"}


@pytest.mark.parametrize("to_phase", ["closed", "voting", "registration", "<b>", "x" * 10_240])
def test_forged_phase_is_refused(convention, organizer, to_phase):
    response = logged_in(organizer).post(
        url("phase", convention), {"to_phase": to_phase, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "cannot move to that phase" in response.content.decode()
    assert Convention.objects.get(pk=convention.pk).phase == Phase.REGISTRATION


def test_moving_the_phase_without_the_role_is_refused(convention, organizer):
    observer = make_member(convention, Role.OBSERVER)
    response = logged_in(observer).post(
        url("phase", convention), {"to_phase": "deliberation", "confirm": "on"}
    )
    assert response.status_code == 403
    assert "organizers can move" in response.content.decode()
    assert Convention.objects.get(pk=convention.pk).phase == Phase.REGISTRATION


def test_organizer_without_mfa_is_sent_to_the_two_factor_settings():
    convention = make_convention("strict", require_staff_mfa=True)
    organizer = make_member(convention, Role.ORGANIZER)
    client = logged_in(organizer)
    for name in ("edit", "roles", "quotas", "phase"):
        response = client.get(url(name, convention))
        assert response.status_code == 403
        assert reverse("mfa_index") in response.content.decode()
    home = client.get(url("detail", convention)).content.decode()
    assert "requires two-factor authentication for staff roles" in home


def test_home_offers_creation_only_to_those_allowed(creator):
    assert reverse("convention:create") in logged_in(creator).get("/").content.decode()
    assert reverse("convention:create") not in logged_in(make_user()).get("/").content.decode()
