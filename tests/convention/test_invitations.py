"""Issuing and revoking invitation codes: format, hashing, quotas, the lock, revocation."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from convention.exceptions import (
    BatchAlreadyIssued,
    InvalidCodeCount,
    InvitationNotRevocable,
    NotYourInvitation,
    QuotaExceeded,
)
from convention.models import (
    AuditEntry,
    Invitation,
    InvitationStatus,
    Phase,
    Role,
    hash_invitation_code,
)
from convention.permissions import PermissionRefused
from convention.selectors import invitation_counts_by_registrar, invitation_counts_of
from convention.services.audit import verify_chain
from convention.services.invitations import (
    CODE_ALPHABET,
    generate_code,
    issue_invitations,
    revoke_invitation,
)
from convention.services.signup import find_invitation, join_convention

from .convention_factories import fresh, make_convention, make_member, make_user

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(
    r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){3}$"
)


@pytest.fixture
def convention():
    return make_convention(phase=Phase.REGISTRATION)


@pytest.fixture
def registrar(convention):
    return make_member(convention, Role.REGISTRAR, quota=5)


def test_codes_are_four_groups_of_four_without_look_alikes():
    codes = {generate_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(CODE_SHAPE.match(code) for code in codes)
    assert not set("".join(codes)) & set("0O1I")
    assert len(CODE_ALPHABET) == 32  # 5 bits a character, 80 bits a code


def test_issued_codes_are_stored_only_as_hashes_with_a_card_number(convention, registrar):
    issued = issue_invitations(registrar=registrar, count=5)
    assert len(issued) == 5
    # The card number is drawn apart from the code: it reveals none of the code's bits.
    assert sum(item.code.startswith(item.hint) for item in issued) < 5
    for item in issued:
        invitation = Invitation.objects.get(code_hash=hash_invitation_code(item.code))
        assert invitation.hint == item.hint and len(item.hint) == 4
        assert invitation.status == InvitationStatus.ISSUED
        assert invitation.registrar == registrar
    # No column of any row holds a clear code.
    for item in issued:
        bare = item.code.replace("-", "")
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the DB
                for row in cursor.fetchall():
                    text = " ".join(str(value) for value in row)
                    assert item.code not in text and bare not in text, table


def test_issued_codes_are_redeemable_once(convention, registrar):
    code = issue_invitations(registrar=registrar, count=1)[0].code
    assert find_invitation(code.lower().replace("-", " ")).registrar == registrar
    member = join_convention(user=make_user(), code=code, pseudonym="Spogmai")
    assert member.invited_by == registrar
    assert invitation_counts_of(registrar).used == 1


def test_issuing_is_audited_with_the_count_not_the_codes(convention, registrar):
    issued = issue_invitations(registrar=registrar, count=2)
    entry = AuditEntry.objects.get(convention=convention, action="invitations.issued")
    assert entry.actor == registrar.pseudonym and entry.detail == {"count": 2}
    assert not any(item.hint in str(entry.detail) + entry.target for item in issued)
    assert verify_chain(convention).intact


def test_quota_is_enforced_and_nothing_is_written_when_exceeded(convention, registrar):
    issue_invitations(registrar=registrar, count=4)
    with pytest.raises(QuotaExceeded) as refused:
        issue_invitations(registrar=registrar, count=2)
    assert "1 more" in refused.value.message
    assert Invitation.objects.count() == 4
    assert AuditEntry.objects.filter(action="invitations.issued").count() == 1
    issue_invitations(registrar=registrar, count=1)
    with pytest.raises(QuotaExceeded):
        issue_invitations(registrar=registrar, count=1)


def test_sequential_requests_on_the_lock_path_cannot_exceed_the_quota(convention, registrar):
    """Each request re-reads the quota and the live count under the registrar's row lock."""
    stale = fresh(registrar)  # a request that loaded the registrar before the others issued
    issue_invitations(registrar=registrar, count=3)
    issue_invitations(registrar=fresh(registrar), count=2)
    with pytest.raises(QuotaExceeded):
        issue_invitations(registrar=stale, count=1)
    assert Invitation.objects.filter(registrar=registrar).count() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL's row locks"
)
def test_concurrent_requests_cannot_exceed_the_quota():
    convention = make_convention(phase=Phase.REGISTRATION)
    registrar = make_member(convention, Role.REGISTRAR, quota=10)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def attempt():
        try:
            barrier.wait()
            issue_invitations(registrar=fresh(registrar), count=3)
            outcomes.append("issued")
        except QuotaExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("issued") == 3
    assert Invitation.objects.filter(registrar=registrar).count() == 9
    assert verify_chain(convention).intact


def test_revoked_codes_do_not_count_against_the_quota(convention, registrar):
    issued = issue_invitations(registrar=registrar, count=5)
    invitation = Invitation.objects.get(code_hash=hash_invitation_code(issued[0].code))
    revoke_invitation(registrar=registrar, invitation_id=invitation.pk)
    counts = invitation_counts_of(registrar)
    assert (counts.issued, counts.unused, counts.revoked, counts.remaining) == (5, 4, 1, 1)
    issue_invitations(registrar=registrar, count=1)


@pytest.mark.parametrize("count", [0, -1, 51, 10**9, True, "3", 2.5])
def test_invalid_counts_are_refused(convention, registrar, count):
    with pytest.raises(InvalidCodeCount):
        issue_invitations(registrar=registrar, count=count)
    assert not Invitation.objects.exists()


def test_a_form_sent_twice_issues_its_codes_once(convention, registrar):
    issue_invitations(registrar=registrar, count=2, batch_token="token-1")
    with pytest.raises(BatchAlreadyIssued):
        issue_invitations(registrar=registrar, count=2, batch_token="token-1")
    assert Invitation.objects.count() == 2
    issue_invitations(registrar=registrar, count=1, batch_token="token-2")


def test_a_refused_batch_can_be_sent_again(convention, registrar):
    with pytest.raises(QuotaExceeded):
        issue_invitations(registrar=registrar, count=6, batch_token="token-1")
    issue_invitations(registrar=registrar, count=5, batch_token="token-1")


def test_only_registrars_issue_and_only_while_the_roll_is_open(convention, registrar):
    organizer = make_member(convention, Role.ORGANIZER, quota=5)
    with pytest.raises(PermissionRefused):
        issue_invitations(registrar=organizer, count=1)
    suspended = make_member(convention, Role.REGISTRAR, quota=5, suspended=True)
    with pytest.raises(PermissionRefused):
        issue_invitations(registrar=suspended, count=1)
    convention.phase = Phase.VOTING
    convention.save()
    with pytest.raises(PermissionRefused) as refused:
        issue_invitations(registrar=fresh(registrar), count=1)
    assert "Voting" in str(refused.value)
    assert not Invitation.objects.exists()


def test_only_unused_codes_can_be_revoked(convention, registrar):
    codes = issue_invitations(registrar=registrar, count=2)
    used = Invitation.objects.get(code_hash=hash_invitation_code(codes[0].code))
    join_convention(user=make_user(), code=codes[0].code, pseudonym="Laila")
    with pytest.raises(InvitationNotRevocable):
        revoke_invitation(registrar=registrar, invitation_id=used.pk)
    unused = Invitation.objects.get(code_hash=hash_invitation_code(codes[1].code))
    revoked = revoke_invitation(registrar=registrar, invitation_id=unused.pk)
    assert revoked.status == InvitationStatus.REVOKED
    with pytest.raises(InvitationNotRevocable):
        revoke_invitation(registrar=registrar, invitation_id=unused.pk)
    assert Invitation.objects.get(pk=used.pk).status == InvitationStatus.USED
    entry = AuditEntry.objects.get(action="invitation.revoked")
    assert entry.detail == {"hint": unused.hint}


def test_a_registrar_cannot_revoke_anothers_code(convention, registrar):
    other = make_member(convention, Role.REGISTRAR, quota=5)
    code = issue_invitations(registrar=other, count=1)[0].code
    invitation = Invitation.objects.get(code_hash=hash_invitation_code(code))
    with pytest.raises(NotYourInvitation):
        revoke_invitation(registrar=registrar, invitation_id=invitation.pk)
    with pytest.raises(NotYourInvitation):
        revoke_invitation(registrar=registrar, invitation_id=10**12)
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.ISSUED


def test_counts_per_registrar(convention, registrar):
    other = make_member(convention, Role.REGISTRAR, quota=3)
    issue_invitations(registrar=registrar, count=2)
    issue_invitations(registrar=other, count=3)
    rows = {row.pseudonym: row for row in invitation_counts_by_registrar(convention)}
    assert rows[registrar.pseudonym].issued == 2 and rows[registrar.pseudonym].remaining == 3
    assert rows[other.pseudonym].issued == 3 and rows[other.pseudonym].remaining == 0
