"""The key-ceremony relay (protocol §6, docs/elections.md §6).

The server never sees a secret: it stores each trustee's announcement (commitments, proofs,
communication key), the encrypted shares, complaints and answers; it verifies every proof and
every answer on arrival and refuses what fails. When every trustee has announced, sent its
shares and verified those it received, and every complaint has a valid answer, the joint key is
computed, the manifest frozen and its fingerprint fixed; only then can credentials be issued.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from voting.crypto.errors import CryptoError, InvalidShare
from voting.crypto.serialization import from_json, to_json
from voting.crypto.threshold import (
    Complaint,
    EncryptedShare,
    ShareReveal,
    TrusteeAnnouncement,
    joint_public_key,
    verification_keys,
    verify_announcement,
    verify_share_reveal,
)
from voting.exceptions import CeremonyRejected, NotAllowed, WrongState
from voting.models import (
    BoardHead,
    CeremonyComplaint,
    CeremonyShare,
    Election,
    ElectionState,
    Trustee,
)
from voting.services.cohorts import announced_keys, manifest_keys
from voting.verify import board as board_chain
from voting.verify.election import fingerprint
from voting.verify.issuers import check_issuer_key, issuers_json


def _locked(election: Election, trustee: Trustee) -> tuple[Election, Trustee]:
    election = Election.objects.select_for_update().get(pk=election.pk)
    if election.state != ElectionState.KEY_CEREMONY or election.fingerprint:
        raise WrongState("the key ceremony is not running")
    trustee = Trustee.objects.get(pk=trustee.pk, election=election)
    if trustee.disqualified:
        raise NotAllowed("this trustee was disqualified")
    return election, trustee


def _decode(kind, data: Any, path: str):
    try:
        return from_json(kind, data, path=path)
    except CryptoError as exc:
        raise CeremonyRejected(str(exc)) from None


def announcements(election: Election) -> list[TrusteeAnnouncement]:
    return [
        from_json(TrusteeAnnouncement, t.commitments)
        for t in election.trustees.exclude(commitments=None).order_by("index")
    ]


@transaction.atomic
def submit_commitments(*, election: Election, trustee: Trustee, message: Any) -> None:
    """The announcement, with, from an issuer (trustees 1..k, protocol §7), its issuer key
    ``{"pem", "proof"}`` as member ``issuer_key`` (docs/elections.md §6): an RSA key of ≥ 3072
    bits, e = 65537, and an RSA-PSS signature by it over the ceremony context and the trustee's
    index."""
    election, trustee = _locked(election, trustee)
    if trustee.commitments is not None:
        raise CeremonyRejected("commitments were already published")
    if not isinstance(message, dict):
        raise CeremonyRejected("the announcement must be an object")
    message = dict(message)
    pem, proof = _issuer_key(election, trustee, message.pop("issuer_key", None))
    cohort_keys = announced_keys(election, trustee, message.pop("cohort_keys", None))
    announcement = _decode(TrusteeAnnouncement, message, "$")
    if announcement.trustee != trustee.index:
        raise CeremonyRejected("the announcement names another trustee")
    try:
        verify_announcement(
            bytes.fromhex(election.ceremony_context), announcement, election.threshold
        )
    except CryptoError as exc:
        raise CeremonyRejected(str(exc)) from None
    trustee.commitments = to_json(announcement)
    trustee.issuer_key = pem
    trustee.issuer_key_proof = proof
    trustee.cohort_keys = cohort_keys or None
    trustee.save(update_fields=["commitments", "issuer_key", "issuer_key_proof", "cohort_keys"])


def _issuer_key(election: Election, trustee: Trustee, value: Any) -> tuple[str, str]:
    """The announced issuer key, checked: its PEM and proof, or empty strings for a trustee
    beyond ``k``, who is no issuer and announces none (protocol §7). An issuer must announce one;
    a trustee beyond ``k`` that does is refused, as ``announced_keys`` refuses its cohort keys: a
    key nobody uses would only be one more thing to trust and check."""
    if trustee.index > election.threshold:
        if value is not None:
            raise CeremonyRejected("issuer_key: only the issuers, trustees 1..k, hold issuer keys")
        return "", ""
    if value is None:
        raise CeremonyRejected(
            "the announcement must carry your issuer_key: trustees 1..k are the issuers"
        )
    try:
        pem = check_issuer_key(bytes.fromhex(election.ceremony_context), trustee.index, value)
    except CryptoError as exc:
        raise CeremonyRejected(f"issuer_key: {exc}") from None
    if election.trustees.exclude(pk=trustee.pk).filter(issuer_key=pem).exists():
        raise CeremonyRejected("issuer_key: another trustee announced this key")
    return pem, value["proof"]


@transaction.atomic
def submit_shares(*, election: Election, trustee: Trustee, message: Any) -> None:
    election, trustee = _locked(election, trustee)
    others = list(election.trustees.exclude(pk=trustee.pk).values_list("index", flat=True))
    if election.trustees.filter(commitments=None).exists():
        raise WrongState("every trustee must publish commitments first")
    if trustee.shares_sent:
        raise CeremonyRejected("shares were already sent")
    if not isinstance(message, dict) or set(message) != {"shares"}:
        raise CeremonyRejected('expected {"shares": [...]}')
    items = message["shares"]
    if not isinstance(items, list):
        raise CeremonyRejected("shares must be a list")
    shares = [_decode(EncryptedShare, s, f"$.shares[{i}]") for i, s in enumerate(items)]
    if any(s.sender != trustee.index for s in shares):
        raise CeremonyRejected("every share must be sent by you")
    if sorted(s.recipient for s in shares) != sorted(others):
        raise CeremonyRejected("send exactly one share to every other trustee")
    CeremonyShare.objects.bulk_create(
        CeremonyShare(election=election, sender=s.sender, recipient=s.recipient, message=to_json(s))
        for s in shares
    )
    trustee.shares_sent = True
    trustee.save(update_fields=["shares_sent"])
    _maybe_complete(election)


@transaction.atomic
def submit_verification(*, election: Election, trustee: Trustee, message: Any) -> None:
    election, trustee = _locked(election, trustee)
    if election.trustees.filter(shares_sent=False).exists():
        raise WrongState("every trustee must send its shares first")
    if trustee.verified:
        raise CeremonyRejected("the verification was already submitted")
    if not isinstance(message, dict) or set(message) != {"complaints"}:
        raise CeremonyRejected('expected {"complaints": [...]}')
    items = message["complaints"]
    if not isinstance(items, list):
        raise CeremonyRejected("complaints must be a list")
    complaints = [_decode(Complaint, c, f"$.complaints[{i}]") for i, c in enumerate(items)]
    senders = set(election.trustees.values_list("index", flat=True)) - {trustee.index}
    if any(c.recipient != trustee.index or c.sender not in senders for c in complaints):
        raise CeremonyRejected("a complaint must be yours, against another trustee")
    if len({c.sender for c in complaints}) != len(complaints):
        raise CeremonyRejected("one complaint per sender")
    CeremonyComplaint.objects.bulk_create(
        CeremonyComplaint(election=election, sender=c.sender, recipient=c.recipient)
        for c in complaints
    )
    trustee.verified = True
    trustee.save(update_fields=["verified"])
    _maybe_complete(election)


@transaction.atomic
def submit_answers(*, election: Election, trustee: Trustee, message: Any) -> None:
    election, trustee = _locked(election, trustee)
    if not isinstance(message, dict) or set(message) != {"answers"}:
        raise CeremonyRejected('expected {"answers": [...]}')
    items = message["answers"]
    if not isinstance(items, list):
        raise CeremonyRejected("answers must be a list")
    reveals = [_decode(ShareReveal, r, f"$.answers[{i}]") for i, r in enumerate(items)]
    announcement = from_json(TrusteeAnnouncement, trustee.commitments)
    for reveal in reveals:
        complaint = CeremonyComplaint.objects.filter(
            election=election, sender=trustee.index, recipient=reveal.recipient, answer=""
        ).first()
        if reveal.sender != trustee.index or complaint is None:
            raise CeremonyRejected("there is no open complaint for this answer")
        try:
            verify_share_reveal(announcement, reveal)
            complaint.answer_valid = True
        except InvalidShare:
            complaint.answer_valid = False
            trustee.disqualified = True
            trustee.save(update_fields=["disqualified"])
        complaint.answer = reveal.share.hex()
        complaint.save(update_fields=["answer", "answer_valid"])
    _maybe_complete(election)


def _maybe_complete(election: Election) -> None:
    trustees = list(election.trustees.all())
    if any(t.disqualified or not t.shares_sent or not t.verified for t in trustees):
        return
    if CeremonyComplaint.objects.filter(election=election).exclude(answer_valid=True).exists():
        return
    joint = joint_public_key(announcements(election))
    manifest = dict(election.definition)
    manifest["joint_public_key"] = joint.hex()
    manifest["ceremony_context"] = election.ceremony_context
    # The issuers are trustees 1..k, and a credential carries all k signatures (protocol §7).
    manifest["issuers"] = issuers_json(
        election.threshold,
        [(t.index, t.issuer_key) for t in trustees if t.index <= election.threshold],
    )
    if "cohorts" in manifest:
        manifest["cohort_keys"] = manifest_keys(trustees, election.threshold)
    fp = fingerprint(manifest)
    election.joint_public_key = joint.hex()
    election.manifest = manifest
    election.fingerprint = fp.hex()
    election.save(update_fields=["joint_public_key", "manifest", "fingerprint"])
    BoardHead.objects.create(election=election, count=0, hash=board_chain.genesis(fp).hex())


def trustee_verification_keys(election: Election) -> dict[int, str]:
    found = announcements(election)
    keys = verification_keys(found, [a.trustee for a in found])
    return {index: key.hex() for index, key in keys.items()}


def status(election: Election, trustee: Trustee | None) -> dict[str, Any]:
    """The ceremony JSON of docs/elections.md §6 (``trustee`` sees the shares sent to it). It
    carries the definition, which hashes to the ceremony context (a trustee's client checks it
    and reads the cohort dimensions it must make keys for), and, in an election with cohort
    dimensions, each trustee's announced ``cohort_keys`` with their proofs."""
    cohort_election = "cohorts" in (election.definition or {})
    data: dict[str, Any] = {
        "ceremony_context": election.ceremony_context,
        "definition": election.definition,
        "threshold": election.threshold,
        "trustees": [
            {
                "index": t.index,
                "name": t.name,
                "commitments": t.commitments,
                "issuer_key": {"pem": t.issuer_key, "proof": t.issuer_key_proof}
                if t.issuer_key
                else None,
                "ledger": t.ledger is not None,
                "shares_sent": t.shares_sent,
                "verified": t.verified,
                "disqualified": t.disqualified,
            }
            | ({"cohort_keys": t.cohort_keys} if cohort_election else {})
            for t in election.trustees.all()
        ],
        "complaints": [
            {"sender": c.sender, "recipient": c.recipient}
            for c in CeremonyComplaint.objects.filter(election=election)
        ],
        "answers": [
            {"sender": c.sender, "recipient": c.recipient, "share": c.answer}
            for c in CeremonyComplaint.objects.filter(election=election).exclude(answer="")
        ],
        "complete": bool(election.fingerprint),
        "joint_public_key": election.joint_public_key or None,
        "my_index": trustee.index if trustee else None,
        "shares_for_me": [
            s.message
            for s in CeremonyShare.objects.filter(election=election, recipient=trustee.index)
        ]
        if trustee
        else [],
    }
    return data
