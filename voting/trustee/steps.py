"""What a trustee computes at each step, on the JSON of docs/elections.md §6–§7.

Pure functions of the trustee's secrets and what the server published; the HTTP client in
``voting.trustee.client`` fetches and posts. Before it decrypts anything a trustee re-derives the
encrypted tally from the bulletin board itself — chain with ballot digests, each tracker once,
board references, signed final head, the counted ballot per credential (greatest board
reference, then position), homomorphic sum — and refuses if the server's tally differs, if two
counted ballots share a ciphertext (a copied ballot), or if more credentials were counted than
issued: otherwise a dishonest server could present one voter's ballot as "the tally" and have
the trustees decrypt it. It also checks every counted ballot's credential, signature and
proofs: a ballot whose ciphertexts are not proven 0/1 could cancel the other ballots out of the
sum and leave one voter's ballot alone in it, and a ranked answer must prove it is a full ranking
(protocol §5.1, ``verify_ranking``), or a cycle would count. In an election with cohort
dimensions it also recomputes the per-cohort sums and the release plan and decrypts only what its
own plan publishes (``voting.trustee.cohorts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature as _BadEd25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError, InvalidShare
from voting.crypto.group import IDENTITY_BYTES, Point, Scalar, point_add
from voting.crypto.proofs import prove_knowledge
from voting.crypto.serialization import canonical_json, from_json, to_json
from voting.crypto.threshold import (
    Complaint,
    EncryptedShare,
    TrusteeAnnouncement,
    TrusteeSecrets,
    check_share,
    combine_secret_share,
    commitment_context,
    communication_context,
    encrypt_share,
    joint_public_key,
    open_share,
    partial_decrypt,
    reveal_share,
    verification_keys,
)
from voting.trustee import cohorts
from voting.trustee.errors import TrusteeRefusal
from voting.trustee.keyfile import TrusteeKey
from voting.verify.ballots import BallotRejected, parse_ballot, verify_ballot
from voting.verify.election import FROZEN_AT_CEREMONY_END, InvalidManifest, Shape, shapes
from voting.verify.issuers import (
    Issuers,
    check_issuer_key,
    issuer_key_message,
    parse_issuers,
)

# -- framing helpers of docs/elections.md §0 (this package imports voting.crypto and the pure,
# Django-free voting.verify modules only)


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def sha256f(label: str, *parts: bytes | str | int) -> bytes:
    digest = hashlib.sha256(_frame(b"mashwara/v1/" + label.encode("utf-8")))
    for part in parts:
        if isinstance(part, str):
            part = part.encode("utf-8")
        elif isinstance(part, int):
            part = part.to_bytes(8, "big")
        digest.update(_frame(part))
    return digest.digest()


# -- key ceremony --------------------------------------------------------------------------------


def announcement(key: TrusteeKey) -> dict[str, Any]:
    """The trustee announcement (protocol §6 step 1) recomputed from the secrets, with fresh
    proof nonces: the commitments are the same every time, so it can be posted again after a
    lost connection or from another device. Only an issuer, trustee 1..k (protocol §7), adds its
    issuer key; a trustee beyond ``k`` announces none, even from an older key file holding one."""
    ctx, own = key.ceremony_context, key.secrets
    commitments = [Point.base(a) for a in own.coefficients]
    proofs = [
        prove_knowledge(commitment_context(ctx, own.index, j), a)
        for j, a in enumerate(own.coefficients)
    ]
    announced = to_json(
        TrusteeAnnouncement(
            own.index,
            tuple(commitments),
            tuple(proofs),
            Point.base(own.communication_key),
            prove_knowledge(communication_context(ctx, own.index), own.communication_key),
        )
    )
    if own.index <= key.threshold:
        announced["issuer_key"] = issuer_key_announcement(_own_issuer_key(key), ctx, own.index)
    if key.cohort_keys:  # an issuer of an election with cohort dimensions (protocol §12.2)
        announced["cohort_keys"] = cohorts.announced_cohort_keys(key.cohort_keys, ctx, own.index)
    return announced


def _own_issuer_key(key: TrusteeKey) -> blind_rsa.BlindRsaPrivateKey:
    if key.issuer_key is None:
        raise TrusteeRefusal(
            f"trustee {key.index} is an issuer (trustees 1..k), but the key file holds no "
            "issuer key"
        )
    return key.issuer_key


def issuer_key_announcement(
    issuer_key: blind_rsa.BlindRsaPrivateKey, ceremony_context: bytes, index: int
) -> dict[str, str]:
    """``{"pem", "proof"}``: the issuer's public key and an RSA-PSS signature by it over the
    ceremony context and the trustee's index (proof of possession, docs/elections.md §6)."""
    proof = blind_rsa.sign(issuer_key, issuer_key_message(ceremony_context, index))
    return {"pem": issuer_key.public.to_pem(), "proof": proof.hex()}


def new_issuer_key(index: int, threshold: int) -> blind_rsa.BlindRsaPrivateKey | None:
    """A fresh RSA-3072 (e = 65537) blind-signing key, made on the trustee's device, for an
    issuer (trustee 1..k, protocol §7); ``None`` for a trustee beyond ``k``, who only decrypts."""
    if index > threshold:
        return None
    return blind_rsa.generate_private_key(blind_rsa.MIN_MODULUS_BITS)


def check_status(key: TrusteeKey, status: dict[str, Any]) -> None:
    """The server's ceremony is the one this key file belongs to, and what it shows as our
    commitments (if anything) is ours."""
    if status.get("my_index") != key.index:
        raise TrusteeRefusal(
            f"this key file is for trustee {key.index}, but you are signed in as trustee "
            f"{status.get('my_index')}"
        )
    if status.get("ceremony_context") != key.ceremony_context.hex():
        raise TrusteeRefusal("this key file belongs to another ceremony (the context differs)")
    if status.get("threshold") != key.threshold:
        raise TrusteeRefusal("the ceremony's threshold differs from the key file's")
    mine = _trustee(status, key.index).get("commitments")
    if mine is not None:
        published = [k for k in mine["commitments"]]
        expected = [Point.base(a).hex() for a in key.secrets.coefficients]
        if published != expected:
            raise TrusteeRefusal("the commitments published for you are not this key file's")
    announced_key = _trustee(status, key.index).get("issuer_key")
    if announced_key is not None and (
        key.issuer_key is None or announced_key.get("pem") != key.issuer_key.public.to_pem()
    ):
        raise TrusteeRefusal("the issuer key published for you is not this key file's")
    cohorts.check_published_cohort_keys(key.cohort_keys, status, _trustee(status, key.index))


def _trustee(status: dict[str, Any], index: int) -> dict[str, Any]:
    for trustee in status["trustees"]:
        if trustee["index"] == index:
            return trustee
    raise TrusteeRefusal(f"trustee {index} is not in this ceremony")


def announcements(status: dict[str, Any]) -> dict[int, TrusteeAnnouncement]:
    found = {}
    for trustee in status["trustees"]:
        if trustee["commitments"] is not None:
            item = from_json(TrusteeAnnouncement, trustee["commitments"])
            if item.trustee != trustee["index"]:
                raise TrusteeRefusal(f"trustee {trustee['index']}'s commitments name another")
            found[trustee["index"]] = item
    return found


def shares_message(key: TrusteeKey, status: dict[str, Any]) -> dict[str, Any]:
    """Step 2: one encrypted share for every other trustee."""
    published = announcements(status)
    others = [t["index"] for t in status["trustees"] if t["index"] != key.index]
    missing = [i for i in others if i not in published]
    if missing:
        raise TrusteeRefusal(f"trustees {missing} have not published their commitments yet")
    return {
        "shares": [
            to_json(
                encrypt_share(key.ceremony_context, key.secrets, i, published[i].communication_key)
            )
            for i in others
        ]
    }


def open_received_shares(
    key: TrusteeKey, status: dict[str, Any]
) -> tuple[dict[int, Scalar], list[Complaint]]:
    """Step 3: decrypt and check every share addressed to us; a failure becomes a complaint,
    unless the sender already answered it publicly with a value that checks."""
    published = announcements(status)
    answered = {
        a["sender"]: a["share"]
        for a in status.get("answers", [])
        if a["recipient"] == key.index and a.get("share")
    }
    received: dict[int, Scalar] = {}
    complaints: list[Complaint] = []
    for item in status["shares_for_me"]:
        share = from_json(EncryptedShare, item)
        if share.recipient != key.index or share.sender not in published:
            raise TrusteeRefusal("a share addressed to you is malformed")
        sender = published[share.sender]
        if share.sender in answered:
            value = Scalar.from_hex(answered[share.sender])
            if check_share(sender, key.index, value):
                received[share.sender] = value
                continue
        try:
            received[share.sender] = open_share(key.ceremony_context, key.secrets, share, sender)
        except InvalidShare as exc:
            complaints.append(exc.complaint)
    return received, complaints


def verification_message(key: TrusteeKey, status: dict[str, Any]) -> dict[str, Any]:
    expected = {t["index"] for t in status["trustees"]} - {key.index}
    senders = {item["sender"] for item in status["shares_for_me"]}
    if senders != expected:
        raise TrusteeRefusal(f"shares from trustees {sorted(expected - senders)} are missing")
    _, complaints = open_received_shares(key, status)
    return {"complaints": [to_json(c) for c in complaints]}


def answers_message(key: TrusteeKey, status: dict[str, Any]) -> dict[str, Any]:
    """Answer every open complaint against us with the share in clear (anyone checks it)."""
    answered = {(a["sender"], a["recipient"]) for a in status.get("answers", [])}
    reveals = [
        to_json(reveal_share(key.secrets, Complaint(c["sender"], c["recipient"])))
        for c in status.get("complaints", [])
        if c["sender"] == key.index and (c["sender"], c["recipient"]) not in answered
    ]
    return {"answers": reveals}


def next_ceremony_step(key: TrusteeKey, status: dict[str, Any]) -> tuple[str, dict] | None:
    """The one message due now, as ``(endpoint, body)``, or ``None`` if we must wait."""
    check_status(key, status)
    me = _trustee(status, key.index)
    trustees = status["trustees"]
    if status.get("complete"):
        return None
    if me["commitments"] is None:
        return "commitments", announcement(key)
    if not me["shares_sent"]:
        if all(t["commitments"] is not None for t in trustees):
            return "shares", shares_message(key, status)
        return None
    answers = answers_message(key, status)
    if answers["answers"]:
        return "answers", answers
    if not me["verified"] and all(t["shares_sent"] for t in trustees):
        return "verification", verification_message(key, status)
    return None


def secret_share(key: TrusteeKey, status: dict[str, Any]) -> Scalar:
    """``s_l`` from our polynomial and every share we received (or that was revealed)."""
    received, complaints = open_received_shares(key, status)
    if complaints:
        senders = sorted(c.sender for c in complaints)
        raise TrusteeRefusal(f"the shares from trustees {senders} still fail their checks")
    return combine_secret_share(key.secrets, received)


# -- decryption ----------------------------------------------------------------------------------


def check_manifest(key: TrusteeKey, status: dict[str, Any], published: dict[str, Any]) -> bytes:
    """The manifest is the frozen outcome of our ceremony; returns the fingerprint."""
    manifest = published["manifest"]
    fingerprint = sha256f("election-fingerprint", canonical_json(manifest))
    if published["fingerprint"] != fingerprint.hex():
        raise TrusteeRefusal("the manifest does not hash to its fingerprint")
    if manifest["ceremony_context"] != key.ceremony_context.hex():
        raise TrusteeRefusal("the manifest is not from this key file's ceremony")
    definition = {k: v for k, v in manifest.items() if k not in FROZEN_AT_CEREMONY_END}
    if sha256f("ceremony-context", canonical_json(definition)) != key.ceremony_context:
        raise TrusteeRefusal("the manifest's definition does not match the ceremony context")
    joint = joint_public_key(announcements(status).values())
    if manifest["joint_public_key"] != joint.hex():
        raise TrusteeRefusal("the manifest's joint key is not the sum of the commitments")
    issuers = check_own_issuer_key(key, manifest)
    cohorts.check_own_cohort_keys(key.cohort_keys, key.index, issuers)
    return fingerprint


def check_own_issuer_key(key: TrusteeKey, manifest: dict[str, Any]) -> Issuers:
    """Our issuer key is the manifest's issuer ``i``, and every issuer key there is one the
    trustees announced: a server that swapped in keys of its own could mint credentials. The
    issuers are trustees 1..k: a trustee beyond ``k`` only decrypts, and holds no issuer key of
    the manifest."""
    try:
        issuers = parse_issuers(manifest)
    except InvalidManifest as exc:
        raise TrusteeRefusal(f"the manifest's issuers are malformed: {exc}") from None
    if key.index > issuers.threshold and issuers.threshold == key.threshold:
        return issuers
    if key.issuer_key is None or issuers.keys.get(key.index) != key.issuer_key.public:
        raise TrusteeRefusal(
            f"the manifest does not hold your issuer key as issuer {key.index}: "
            "the server could mint credentials with a key of its own"
        )
    if issuers.threshold != key.threshold:
        raise TrusteeRefusal("the manifest's issuer threshold is not the ceremony's")
    return issuers


def check_announced_issuer_keys(status: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Every issuer key of the manifest (trustees 1..k), and every cohort key, is the one its
    trustee announced, with a valid proof of possession over this ceremony (so a key the server
    made would need the trustee's consent). Trustees beyond ``k`` are no issuers and announce
    no key (``null``); one announced before the server refused them is still checked."""
    issuers = parse_issuers(manifest)
    cc = bytes.fromhex(status["ceremony_context"])
    for trustee in status["trustees"]:
        announced = trustee.get("issuer_key")
        if announced is None and trustee["index"] > issuers.threshold:
            continue
        if announced is None:
            raise TrusteeRefusal(
                f"trustee {trustee['index']} is an issuer (trustees 1..k) and announced no key"
            )
        try:
            pem = check_issuer_key(cc, trustee["index"], announced)
        except CryptoError as exc:
            raise TrusteeRefusal(f"trustee {trustee['index']}'s issuer key: {exc}") from None
        expected = issuers.keys.get(trustee["index"])  # trustees 1..k only
        if expected is not None and blind_rsa.BlindRsaPublicKey.from_pem(pem) != expected:
            raise TrusteeRefusal(
                f"the manifest's issuer {trustee['index']} is not the key that trustee announced"
            )
    cohorts.check_announced_cohort_keys(status, issuers)


def tally_layout(manifest: dict[str, Any]) -> list[int]:
    """Ciphertexts per question in the tally: options, or two per pair of a ranked question."""
    widths = []
    for question in manifest["questions"]:
        n = len(question["options"])
        widths.append(n * (n - 1) if question["type"] == "ranked" else n)
    return widths


def _ballot_ciphertexts(ballot: dict[str, Any], manifest: dict[str, Any]) -> list[list[dict]]:
    rows = []
    for question, answer in zip(manifest["questions"], ballot["answers"], strict=True):
        if question["type"] == "ranked":
            rows.append([ct for pair in answer["pairs"] for ct in pair["ciphertexts"]])
        else:
            rows.append(list(answer["ciphertexts"]))
    return rows


_SEALED_KEYS = {"election", "nonce", "answers"}
_BALLOT_KEYS = _SEALED_KEYS | {"board", "credential", "signature"}


def _sealed_tracker(ballot: dict[str, Any]) -> bytes:
    return sha256f("tracker", canonical_json({k: ballot[k] for k in _SEALED_KEYS}))


@dataclass(frozen=True)
class BallotChecks:
    """What checking the counted ballots of one manifest needs, parsed once."""

    shapes: list[Shape]
    joint_key: Point
    issuers: Issuers

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> BallotChecks:
        return cls(shapes(manifest), Point.from_hex(manifest["joint_public_key"]),
                   parse_issuers(manifest))  # fmt: skip


def check_counted_ballot(
    fingerprint: bytes,
    manifest: dict[str, Any],
    ballot: dict[str, Any],
    position: int,
    checks: BallotChecks | None = None,
) -> None:
    """The credential (and its cohort labels), the Schnorr signature and every proof of a
    counted ballot: the verifier's own checks (``voting.verify.ballots``)."""
    try:
        checks = checks or BallotChecks.of(manifest)
        parsed = parse_ballot(ballot, checks.shapes)
        verify_ballot(parsed, checks.shapes, fingerprint, checks.joint_key, checks.issuers)
    except (BallotRejected, CryptoError, InvalidManifest, KeyError, TypeError) as exc:
        raise TrusteeRefusal(
            f"counted ballot {position} does not verify ({exc}): refusing to decrypt"
        ) from None


def recompute_tally(
    fingerprint: bytes,
    manifest: dict[str, Any],
    entries: Iterable[dict[str, Any]],
    final_head: dict[str, Any],
    *,
    check_ballots: bool = True,
    labelled: list[cohorts.Labelled] | None = None,
) -> dict[str, Any]:
    """The encrypted tally that the board implies, after checking the chain and final head.
    ``labelled`` (an election with cohort dimensions) receives each counted ballot's labels and
    its ciphertexts in tally layout, for the per-cohort sums."""
    board_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(manifest["board_public_key"]))
    head_message = b"".join(
        _frame(p)
        for p in (
            b"mashwara/v1/board-head",
            fingerprint,
            int(final_head["count"]).to_bytes(8, "big"),
            bytes.fromhex(final_head["hash"]),
            b"final" if final_head["final"] else b"running",
        )
    )
    if final_head.get("election") != fingerprint.hex() or final_head.get("final") is not True:
        raise TrusteeRefusal("the board has no final head for this election yet")
    try:
        board_key.verify(bytes.fromhex(final_head["signature"]), head_message)
    except (_BadEd25519, ValueError):
        raise TrusteeRefusal("the final board head's signature does not verify") from None
    previous = sha256f("board-genesis", fingerprint)
    hashes = [previous]  # h_0 … h_position, for the board references
    trackers: set[str] = set()
    counted: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
    position = 0
    for entry in entries:
        position += 1
        if entry["position"] != position:
            raise TrusteeRefusal(f"board entry {position} is missing or out of order")
        ballot = entry["ballot"]
        if not isinstance(ballot, dict):
            raise TrusteeRefusal(f"board entry {position}: the board withholds its ballot")
        expected_keys = _SEALED_KEYS if entry["kind"] == "audited" else _BALLOT_KEYS
        if set(ballot) != expected_keys:
            raise TrusteeRefusal(f"board entry {position}: the ballot has the wrong members")
        tracker = _sealed_tracker(ballot)
        if entry["tracker"] != tracker.hex():
            raise TrusteeRefusal(f"board entry {position}: the tracker does not match the ballot")
        if entry["tracker"] in trackers:
            raise TrusteeRefusal(f"board entry {position}: its tracker is already on the board")
        trackers.add(entry["tracker"])
        digest = hashlib.sha256(canonical_json(ballot)).digest()
        if entry["digest"] != digest.hex():
            raise TrusteeRefusal(f"board entry {position}: the digest does not match the ballot")
        reveal = canonical_json(entry["reveal"]) if entry["kind"] == "audited" else b""
        entry_hash = sha256f(
            "board-entry", previous, position, entry["kind"], entry["hour"], tracker, digest, reveal
        )
        if entry["previous"] != previous.hex() or entry["hash"] != entry_hash.hex():
            raise TrusteeRefusal(f"board entry {position}: the hash chain is broken")
        previous = entry_hash
        hashes.append(entry_hash)
        if entry["kind"] == "ballot":
            count = ballot["board"]["count"]
            if (
                type(count) is not int
                or not 0 <= count < position
                or ballot["board"]["hash"] != hashes[count].hex()
            ):
                raise TrusteeRefusal(f"board entry {position}: bad board reference")
            key = ballot["credential"]["key"]
            rank = (count, position)
            if key not in counted or rank > counted[key][0]:
                counted[key] = (rank, entry)
    widths = tally_layout(manifest)
    sums = [[(IDENTITY_BYTES, IDENTITY_BYTES)] * w for w in widths]
    seen: set[str] = set()
    checks = BallotChecks.of(manifest) if check_ballots else None
    for _, entry in counted.values():
        if checks is not None:
            check_counted_ballot(fingerprint, manifest, entry["ballot"], entry["position"], checks)
        rows = _ballot_ciphertexts(entry["ballot"], manifest)
        if labelled is not None:
            row = b"".join(bytes.fromhex(ct["a"] + ct["b"]) for q in rows for ct in q)
            labelled.append((cohorts.ballot_labels(entry["ballot"]), row))
        for q, (row, width) in enumerate(zip(rows, widths, strict=True)):
            if len(row) != width:
                raise TrusteeRefusal(f"ballot {entry['position']} has the wrong shape")
            for i, ct in enumerate(row):
                if ct["a"] in seen:
                    raise TrusteeRefusal(
                        f"ballot {entry['position']} repeats a ciphertext of another counted "
                        "ballot: refusing to decrypt a tally that could single out a voter"
                    )
                seen.add(ct["a"])
                a, b = sums[q][i]
                sums[q][i] = (
                    point_add(a, bytes.fromhex(ct["a"])),
                    point_add(b, bytes.fromhex(ct["b"])),
                )
    return {
        "counted": len(counted),
        "questions": [[{"a": a.hex(), "b": b.hex()} for a, b in q] for q in sums],
    }


@dataclass(frozen=True)
class CheckedTally:
    """What a trustee decrypts once every check passed: the fingerprint and, in an election with
    cohort dimensions, its own per-cohort sums and release plan (never the server's)."""

    fingerprint: bytes
    cohort_sums: list | None = None
    cohort_plan: list | None = None


def check_tally(
    key: TrusteeKey,
    status: dict[str, Any],
    published: dict[str, Any],
    entries: Iterable[dict[str, Any]],
    final_head: dict[str, Any],
    roll: dict[str, Any],
    tally: dict[str, Any],
    cohort_tally: dict[str, Any] | None = None,
) -> CheckedTally:
    """Every check before decrypting. ``cohort_tally`` is the server's ``cohort-tally.json``
    (required in an election with cohort dimensions): its sums and plan must be ours."""
    fingerprint = check_manifest(key, status, published)
    manifest = published["manifest"]
    labelled: list[cohorts.Labelled] | None = [] if "cohorts" in manifest else None
    expected = recompute_tally(fingerprint, manifest, entries, final_head, labelled=labelled)
    if canonical_json(expected) != canonical_json(tally):
        raise TrusteeRefusal("the server's encrypted tally is not the sum of the counted ballots")
    if expected["counted"] > roll["issued"] + roll["reissued"] or roll["issued"] > roll["size"]:
        raise TrusteeRefusal("more credentials were counted than the roll issued")
    if labelled is None:
        return CheckedTally(fingerprint)
    if cohort_tally is None:
        raise TrusteeRefusal("the server published no cohort tally for this cohort election")
    sums, plan = cohorts.check_cohort_tally(manifest, labelled, cohort_tally)
    return CheckedTally(fingerprint, sums, plan)


def decryption_message(
    key: TrusteeKey, status: dict[str, Any], checked: CheckedTally, tally: dict[str, Any]
) -> dict[str, Any]:
    """Our decryption share of every tally ciphertext, each with its proof (protocol §4.4), and
    of every cohort group our own release plan publishes."""
    fingerprint = checked.fingerprint
    share = secret_share(key, status)
    own_key = verification_keys(list(announcements(status).values()), [key.index])[key.index]
    if Point.base(share) != own_key:
        raise TrusteeRefusal("your secret share does not match your public verification key")
    questions = []
    for question in tally["questions"]:
        items = []
        for item in question:
            ciphertext = from_json(Ciphertext, item)
            if ciphertext.a.is_identity():
                raise TrusteeRefusal("the tally has a ciphertext that needs no decryption")
            items.append(to_json(partial_decrypt(fingerprint, key.index, share, ciphertext)))
        questions.append(items)
    message: dict[str, Any] = {"shares": questions}
    if checked.cohort_plan is not None:
        message["cohorts"] = cohorts.cohort_shares(
            key.index, share, fingerprint, checked.cohort_sums, checked.cohort_plan
        )
    return message


def new_secrets(index: int, threshold: int) -> TrusteeSecrets:
    """Fresh coefficients and communication key from the OS CSPRNG."""
    coefficients = tuple(Scalar.random() for _ in range(threshold))
    return TrusteeSecrets(index, coefficients, Scalar.random())


__all__ = [
    "CheckedTally",
    "CryptoError",
    "TrusteeRefusal",
    "announcement",
    "answers_message",
    "check_status",
    "check_tally",
    "decryption_message",
    "new_issuer_key",
    "new_secrets",
    "next_ceremony_step",
    "recompute_tally",
    "secret_share",
    "shares_message",
    "verification_message",
]
