"""Issuing anonymous credentials by blind signature, and the audited re-issue rule
(docs/elections.md §3).

The issuer signs a blinded message it cannot read; the roll entry records only how many
credentials were issued and the hash of the last blinded request (so that a retry after a lost
response gets the same signature rather than a second credential). The roll entry is locked
while this happens, so two concurrent requests cannot both be served.

Credentials are issued only while the election is in state ``credentials``, never once the poll
is open. An issuance updates its roll entry and a ballot inserts a board entry, and PostgreSQL
keeps the writing transaction's id (``xmin``) with every row: were the two interleaved, a copy of
the database would order each issuance against each ballot and so link roll entries to ballots.
Each issuance holds a key-share lock on the election row until it commits; opening the poll
takes that row ``FOR UPDATE`` and so waits for every issuance in flight, and a ballot is accepted
only once it reads the state ``open`` under its own lock on that row, which it gets after opening
committed. Every issuance therefore has its transaction id, and has committed, before the first
ballot's transaction takes one (tests/voting/test_credential_window.py checks ``xmin``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.db import connections, transaction

from convention.models import Membership, Role
from convention.services.audit import record
from voting import keystore
from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.exceptions import (
    CredentialAlreadyIssued,
    CredentialWindowClosed,
    InvalidCredentialRequest,
    NotAllowed,
    NotOnRoll,
    WrongState,
)
from voting.models import Election, ElectionState, RollEntry

ISSUING_STATES = (ElectionState.CREDENTIALS,)


@lru_cache(maxsize=16)
def _issuer_key(election_pk: int, fingerprint: str) -> blind_rsa.BlindRsaPrivateKey:
    # Unsealing and loading (with its key validation) costs far more than signing: once per
    # process and election.
    election = Election.objects.get(pk=election_pk, fingerprint=fingerprint)
    pem = keystore.unseal(
        election.issuer_private_key, election_uuid=election.uuid.hex, purpose="issuer"
    )
    return blind_rsa.BlindRsaPrivateKey.from_pem(pem)


def _issuer(election: Election) -> blind_rsa.BlindRsaPrivateKey:
    return _issuer_key(election.pk, election.fingerprint)


def _key_share_lock(election: Election) -> None:
    """Hold the election row ``FOR KEY SHARE`` until the transaction ends. That mode conflicts
    only with ``FOR UPDATE``, the lock the transition to ``open`` takes: issuances run side by
    side, opening waits until they have all committed, and a ballot (``FOR NO KEY UPDATE``) never
    waits behind an issuance, so it cannot take its transaction id while one is in flight.
    SQLite runs one writing transaction at a time, which gives the same order."""
    connection = connections[Election.objects.db]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Election._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
            [election.pk],
        )


def issue_credential(
    *, election: Election, membership: Membership, blinded_message: bytes
) -> bytes:
    """Blind-sign ``blinded_message`` for the voter's roll entry; returns the blind signature."""
    with transaction.atomic():
        _key_share_lock(election)
        election = Election.objects.get(pk=election.pk)
        if election.state not in ISSUING_STATES:
            raise CredentialWindowClosed()
        entry = (
            RollEntry.objects.select_for_update()
            .filter(election=election, membership=membership)
            .first()
        )
        if entry is None:
            raise NotOnRoll()
        issuer = _issuer(election)
        if len(blinded_message) != issuer.public.modulus_length:
            raise InvalidCredentialRequest()
        request_hash = hashlib.sha256(blinded_message).hexdigest()
        if entry.issued >= entry.allowed and request_hash != entry.blinded_hash:
            raise CredentialAlreadyIssued()
        try:
            signature = blind_rsa.blind_sign(issuer, blinded_message)
        except CryptoError:
            raise InvalidCredentialRequest() from None
        if request_hash != entry.blinded_hash:
            entry.issued += 1
            entry.blinded_hash = request_hash
            entry.save(update_fields=["issued", "blinded_hash"])
    return signature


def authorize_reissue(*, election: Election, actor: Membership, roll_id: str, reason: str) -> None:
    """Allow one more credential for a roll entry whose voter lost theirs (at most once)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidCredentialRequest("give a reason (at most 500 characters)")
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        if actor.convention_id != election.convention_id or not actor.has_role(Role.ORGANIZER):
            raise NotAllowed()
        if election.state not in ISSUING_STATES:
            raise CredentialWindowClosed()
        entry = (
            RollEntry.objects.select_for_update().filter(election=election, roll_id=roll_id).first()
        )
        if entry is None:
            raise NotOnRoll("no such roll entry")
        if entry.reissued:
            raise CredentialAlreadyIssued("this roll entry was already re-issued once")
        if entry.issued == 0:
            raise WrongState("no credential was issued for this entry yet")
        entry.reissued = True
        entry.save(update_fields=["reissued"])
        record(
            convention=election.convention,
            actor=actor.pseudonym,
            action="election.credential_reissued",
            target=str(election.uuid),
            detail={"roll_id": roll_id, "reason": reason},
        )
