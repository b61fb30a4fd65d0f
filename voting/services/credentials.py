"""The credential mailbox and the audited re-issue rule (docs/elections.md §3).

The server signs nothing: the issuers are the election's trustees, each holding its own RSA key
on its own device. A voter's device posts one blinded request per issuer; each issuer fetches
its queue, blind-signs and posts the blind signatures back; the device collects them and
finalises the credential once it holds ``threshold`` of them. The server records, per roll
entry, the requests of each round and the answers, and checks each answer against the issuer's
public key (so an issuer cannot store garbage). The roll entry is locked while a request is
recorded, so two concurrent requests cannot both be recorded; a retry of the identical request
is answered with the same status.

Credentials are requested and signed only while the election is in state ``credentials``, never
once the poll is open. A request or a stored signature updates rows of its roll entry and a
ballot inserts a board entry, and PostgreSQL keeps the writing transaction's id (``xmin``) with
every row: were the two interleaved, a copy of the database would order each issuance against
each ballot and so link roll entries to ballots. Each issuance holds a key-share lock on the
election row until it commits; opening the poll takes that row ``FOR UPDATE`` and so waits for
every issuance in flight, and a ballot is accepted only once it reads the state ``open`` under
its own lock on that row, which it gets after opening committed. Every issuance therefore has its
transaction id, and has committed, before the first ballot's transaction takes one
(tests/voting/test_credential_window.py checks ``xmin``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django.db import connections, transaction

from convention.models import Membership, Role
from convention.services.audit import record
from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.crypto.serialization import canonical_json
from voting.exceptions import (
    CredentialAlreadyIssued,
    CredentialWindowClosed,
    InvalidCredentialRequest,
    NotAllowed,
    NotOnRoll,
    WrongState,
)
from voting.models import CredentialRequest, Election, ElectionState, RollEntry, Trustee
from voting.services.cohorts import check_label_signatures, parse_label_requests
from voting.verify.issuers import InvalidLedger, Issuers, check_ledger, parse_issuers

# Voters request and issuers sign only while the credential window is open; ledgers are
# published once it has closed, so they are complete.
ISSUING_STATES = (ElectionState.CREDENTIALS,)
LEDGER_STATES = (
    ElectionState.OPEN,
    ElectionState.CLOSED,
    ElectionState.TALLIED,
    ElectionState.PUBLISHED,
)
MAX_SIGNATURES_PER_POST = 500


@lru_cache(maxsize=64)
def _issuers(election_pk: int, fingerprint: str) -> Issuers:
    return parse_issuers(Election.objects.get(pk=election_pk, fingerprint=fingerprint).manifest)


def election_issuers(election: Election) -> Issuers:
    if not election.fingerprint:  # a copy loaded before the ceremony completed
        election.refresh_from_db(fields=["fingerprint", "threshold"])
    return _issuers(election.pk, election.fingerprint)


def _key_share_lock(election: Election) -> str:
    """Hold the election row ``FOR KEY SHARE`` until the transaction ends, and return its state
    as read under that lock. That mode conflicts only with ``FOR UPDATE``, the lock the
    transition to ``open`` takes: issuances run side by side, opening waits until they have all
    committed, and a ballot (``FOR NO KEY UPDATE``) never waits behind an issuance, so it cannot
    take its transaction id while one is in flight. SQLite runs one writing transaction at a
    time, which gives the same order."""
    connection = connections[Election.objects.db]
    if connection.vendor != "postgresql":
        return Election.objects.values_list("state", flat=True).get(pk=election.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT state FROM {Election._meta.db_table} WHERE id = %s FOR KEY SHARE",  # noqa: S608
            [election.pk],
        )
        return cursor.fetchone()[0]


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or value != value.lower() or len(value) % 2:
        raise InvalidCredentialRequest(f"{what} must be lowercase hex")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise InvalidCredentialRequest(f"{what} must be lowercase hex") from None


def parse_requests(issuers: Issuers, message: Any) -> list[tuple[int, bytes, Any]]:
    """``{"requests": [{"issuer": i, "blinded_message": hex}…]}``: one per issuer of the
    manifest, ascending, each a blinded message an honest client could have sent under its
    issuer's key (``blind_rsa.check_blinded_message``: its modulus length, below its modulus,
    not 0, 1 or n − 1, a unit), so that no request that can never give a credential uses up
    the voter's round. In an election
    with cohort dimensions each request also has ``labels`` (checked by
    ``voting.services.cohorts.parse_label_requests`` once the roll entry is known)."""
    labelled = issuers.cohorts is not None
    members = {"issuer", "blinded_message", "labels"} if labelled else {"issuer", "blinded_message"}
    if not isinstance(message, dict) or set(message) != {"requests"}:
        raise InvalidCredentialRequest('expected {"requests": [{"issuer", "blinded_message"}…]}')
    items = message["requests"]
    if not isinstance(items, list) or len(items) != len(issuers.keys):
        raise InvalidCredentialRequest(
            f"send one request to each of the {len(issuers.keys)} issuers"
        )
    result = []
    for expected, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != members:
            raise InvalidCredentialRequest(
                'each request is {"issuer", "blinded_message", "labels"}'
                if labelled
                else 'each request is {"issuer", "blinded_message"}'
            )
        if item["issuer"] != expected:
            raise InvalidCredentialRequest("the requests must name issuers 1…n in order")
        blinded = _hex(item["blinded_message"], "blinded_message")
        try:
            blind_rsa.check_blinded_message(issuers.key(expected), blinded)
        except CryptoError as exc:
            raise InvalidCredentialRequest(
                f"the blinded message for issuer {expected} {exc}"
            ) from None
        result.append((expected, blinded, item.get("labels")))
    return result


def _entry_of(election: Election, membership: Membership, *, lock: bool) -> RollEntry:
    query = RollEntry.objects.filter(election=election, membership=membership)
    entry = (query.select_for_update() if lock else query).first()
    if entry is None:
        raise NotOnRoll()
    return entry


def _status(
    election: Election, entry: RollEntry, requests: list[CredentialRequest] | None = None
) -> dict[str, Any]:
    """What the voter's page reads (``GET …/credential``): its roll id (to find in the public
    roll), whether a credential was requested for it, and the current round's requests with the
    blind signatures received so far."""
    if requests is None:
        requests = list(entry.requests.filter(round=entry.issued)) if entry.issued else []
    return {
        "roll_id": entry.roll_id,
        "issued": entry.issued,
        "reissued": entry.reissued,
        "threshold": election.threshold,
        "requests": [
            {
                "issuer": r.issuer,
                "blinded_message": r.blinded_message,
                "blind_signature": r.blind_signature or None,
            }
            | ({"labels": r.labels} if r.labels else {})
            for r in requests
        ],
    }


def credential_status(*, election: Election, membership: Membership) -> dict[str, Any]:
    if not election.fingerprint:
        raise WrongState("the key ceremony is not complete")
    return _status(election, _entry_of(election, membership, lock=False))


def request_credential(
    *, election: Election, membership: Membership, message: Any
) -> dict[str, Any]:
    """Record the voter's blinded requests to every issuer (one round per allowed credential);
    the identical request again gets the same status, any other request for an entry whose
    credentials are used up is refused."""
    with transaction.atomic():
        if _key_share_lock(election) not in ISSUING_STATES:
            raise CredentialWindowClosed()
        issuers = election_issuers(election)
        requests = parse_requests(issuers, message)
        entry = _entry_of(election, membership, lock=True)
        labels = _labels(election, entry, issuers, requests)
        request_hash = hashlib.sha256(
            canonical_json([[i, b.hex(), *([x] if x is not None else [])] for i, b, x in requests])
        ).hexdigest()
        if request_hash == entry.blinded_hash:
            return _status(election, entry)
        if entry.issued >= entry.allowed:
            raise CredentialAlreadyIssued()
        entry.issued += 1
        entry.blinded_hash = request_hash
        entry.save(update_fields=["issued", "blinded_hash"])
        created = CredentialRequest.objects.bulk_create(
            CredentialRequest(
                roll_entry=entry,
                round=entry.issued,
                issuer=i,
                blinded_message=blinded.hex(),
                labels=labels.get(i, []),
            )
            for i, blinded, _ in requests
        )
        return _status(election, entry, created)


def _labels(election: Election, entry: RollEntry, issuers: Issuers, requests) -> dict[int, list]:
    """Each issuer's blinded label messages; every issuer is asked for the same values."""
    if issuers.cohorts is None:
        return {}
    keys = issuers.cohorts.keys.__getitem__
    labels = {i: parse_label_requests(election, entry, i, keys, x) for i, _, x in requests}
    stated = {tuple((lb["dimension"], lb["value"]) for lb in found) for found in labels.values()}
    if len(stated) > 1:
        raise InvalidCredentialRequest("ask every issuer for the same cohort values")
    return labels


# -- issuers -------------------------------------------------------------------------------------


def _issuer_of(election: Election, membership: Membership) -> Trustee:
    trustee = Trustee.objects.filter(election=election, membership=membership).first()
    if trustee is None:
        raise NotAllowed("you are not a trustee of this election")
    return trustee


def issuer_queue(*, election: Election, membership: Membership) -> dict[str, Any]:
    """The requests addressed to the caller's issuer key that it has not signed yet, each with
    the roll id it is for (for the issuer's ledger)."""
    trustee = _issuer_of(election, membership)
    if not election.fingerprint:
        raise WrongState("the key ceremony is not complete")
    pending = (
        CredentialRequest.objects.filter(
            roll_entry__election=election, issuer=trustee.index, blind_signature=""
        )
        .select_related("roll_entry")
        .order_by("pk")
    )
    return {
        "issuer": trustee.index,
        "state": election.state,
        "open": election.state in ISSUING_STATES,
        "requests": [
            {
                "request": r.pk,
                "roll_id": r.roll_entry.roll_id,
                "round": r.round,
                "blinded_message": r.blinded_message,
            }
            | (
                {
                    "labels": [
                        {k: lb[k] for k in ("dimension", "value", "blinded_message")}
                        for lb in r.labels
                    ]
                }
                if r.labels
                else {}
            )  # fmt: skip
            for r in pending
        ]
        if election.state in ISSUING_STATES
        else [],
    }


def submit_blind_signatures(
    *, election: Election, membership: Membership, message: Any
) -> dict[str, Any]:
    """``{"signatures": [{"request": id, "blind_signature": hex}…]}``: each checked against the
    issuer's public key (``s^e mod n`` is the blinded message) before it is stored; a request
    already answered keeps its answer (RSA signing is deterministic: a retry sends the same)."""
    trustee = _issuer_of(election, membership)
    if not isinstance(message, dict) or set(message) != {"signatures"}:
        raise InvalidCredentialRequest('expected {"signatures": [{"request", "blind_signature"}…]}')
    items = message["signatures"]
    if not isinstance(items, list) or len(items) > MAX_SIGNATURES_PER_POST:
        raise InvalidCredentialRequest(f"send at most {MAX_SIGNATURES_PER_POST} signatures")
    with transaction.atomic():
        if _key_share_lock(election) not in ISSUING_STATES:
            raise CredentialWindowClosed()
        key = election_issuers(election).key(trustee.index)
        answers: dict[int, bytes] = {}
        label_answers: dict[int, Any] = {}
        for item in items:
            members = {"request", "blind_signature"}
            if isinstance(item, dict) and "labels" in item:
                members.add("labels")
                label_answers[item.get("request")] = item["labels"]
            if not isinstance(item, dict) or set(item) != members:
                raise InvalidCredentialRequest('each signature is {"request", "blind_signature"}')
            if type(item["request"]) is not int:
                raise InvalidCredentialRequest("request must be a request id")
            answers[item["request"]] = _hex(item["blind_signature"], "blind_signature")
        # One query locks every named request addressed to this issuer; one statement stores
        # the new answers.
        requests = {
            r.pk: r
            for r in CredentialRequest.objects.select_for_update().filter(
                pk__in=list(answers), roll_entry__election=election, issuer=trustee.index
            )
        }
        changed = []
        for request_id, signature in answers.items():
            request = requests.get(request_id)
            if request is None:
                raise InvalidCredentialRequest(f"request {request_id} is not addressed to you")
            blinded = int(request.blinded_message, 16)
            if (
                len(signature) != key.modulus_length
                or pow(int.from_bytes(signature, "big"), key.e, key.n) != blinded
            ):
                raise InvalidCredentialRequest(
                    f"the blind signature for request {request.pk} does not verify under your key"
                )
            labels_changed = False
            if request.labels or request_id in label_answers:
                cohorts = election_issuers(election).cohorts
                if cohorts is None or request_id not in label_answers:
                    raise InvalidCredentialRequest(
                        f"request {request.pk}: sign its labels with the credential"
                    )
                labels_changed = check_label_signatures(
                    request, cohorts.keys.__getitem__, label_answers[request_id]
                )
            if not request.blind_signature or labels_changed:
                request.blind_signature = request.blind_signature or signature.hex()
                changed.append(request)
        CredentialRequest.objects.bulk_update(
            changed, ["blind_signature", "labels"], batch_size=500
        )
        stored = len(changed)
    return {"stored": stored}


def publish_ledger(*, election: Election, membership: Membership, message: Any) -> None:
    """The issuer's signed ledger ``{"ledger", "signature"}`` (docs/elections.md §3), accepted
    once the credential window has closed; published once (the same ledger again is a no-op)."""
    trustee = _issuer_of(election, membership)
    with transaction.atomic():
        election = Election.objects.get(pk=election.pk)
        trustee = Trustee.objects.select_for_update().get(pk=trustee.pk)
        if election.state not in LEDGER_STATES:
            raise WrongState("ledgers are published once the credential window has closed")
        try:
            check_ledger(
                election_issuers(election), election.fingerprint_bytes, trustee.index, message
            )
        except InvalidLedger as exc:
            raise InvalidCredentialRequest(str(exc)) from None
        if trustee.ledger is not None:
            if canonical_json(trustee.ledger) != canonical_json(message):
                raise WrongState("your ledger was already published")
            return
        trustee.ledger = message
        trustee.save(update_fields=["ledger"])


def ledgers_json(election: Election) -> list[dict[str, Any]]:
    """Every published ledger, as the record's ``issuers`` line holds them."""
    return [
        {"issuer": index, **ledger}
        for index, ledger in election.trustees.exclude(ledger=None)
        .order_by("index")
        .values_list("index", "ledger")
    ]


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
