"""Python voters and trustees that speak the wire formats of docs/elections.md.

Used by ``simulate_election``, the tests and the benchmark, and the base of the trustee CLI
and the issuer daemon: a ``Voter`` obtains a credential from blind signatures of ``threshold``
issuers, seals encrypted ballots (``seal``: the part the tracker covers, no credential), audits
them (``audit``) or signs them for casting with the board head it saw (``sign``, ``ballot``); a
``TrusteeClient`` takes part in the key ceremony (with its issuer key), blind-signs credential
requests and decrypts the tally. Like the verifier, this module imports only ``voting.crypto``
and ``voting.verify``, and the trustee's Django-free cohort steps (``voting.trustee.cohorts``):
the trustee CLI and this client decrypt cohort groups the same way, after recomputing the
release plan themselves.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError, InvalidShare, ValueOutsideRange
from voting.crypto.group import NonceSource, Point, Scalar, int8, nonce_source
from voting.crypto.proofs import sign_credential
from voting.crypto.question import encrypt_question
from voting.crypto.ranking import encrypt_ranking_with_opening
from voting.crypto.serialization import from_json, to_json
from voting.crypto.threshold import (
    EncryptedShare,
    TrusteeAnnouncement,
    combine_secret_share,
    create_trustee,
    encrypt_share,
    open_share,
    partial_decrypt,
)
from voting.trustee.cohorts import (
    Labelled,
    check_cohort_tally,
    check_label_requests,
    cohort_key_announcement,
    cohort_shares,
)
from voting.verify.ballots import tracker_of
from voting.verify.canonical import dumps
from voting.verify.cohorts import label_message
from voting.verify.election import ballot_context, credential_message, shapes
from voting.verify.issuers import (
    Issuers,
    issuer_key_message,
    ledger_document,
    parse_issuers,
    sign_ledger,
)

Choice = Sequence[int]


def choice_vector(manifest: dict[str, Any], q: int, choice: Choice) -> list[int]:
    """The 0/1 vector of single or approval question ``q``: ``choice`` is the selected option
    indices. (A ranked question's choice is the full order itself, best first.)"""
    n = len(manifest["questions"][q]["options"])
    return [1 if i in choice else 0 for i in range(n)]


@dataclass
class Voter:
    manifest: dict[str, Any]
    fingerprint: bytes
    secret: Scalar = field(default_factory=Scalar.random)
    credential: dict[str, Any] | None = None
    # issuer → (prepared message, blinding inverse, blinded message hex)
    _pending: dict[int, tuple[bytes, int, str]] | None = None
    # The stated cohort values to ask for, dimension → value (docs/protocol.md §12.3).
    labels: dict[int, int] = field(default_factory=dict)
    # (issuer, dimension) → (prepared label message, blinding inverse, blinded message hex)
    _pending_labels: dict[tuple[int, int], tuple[bytes, int, str]] = field(default_factory=dict)

    @property
    def public_key(self) -> Point:
        return Point.base(self.secret)

    @property
    def issuers(self) -> Issuers:
        return parse_issuers(self.manifest)

    def credential_request(self) -> dict[str, Any]:
        """``{"requests": [...]}`` for ``POST …/credential``: the credential message prepared
        and blinded once per issuer (own prefix, own blinding factor), so no issuer, nor any
        coalition of them, can link the credential to this request (docs/elections.md §3)."""
        message = credential_message(self.fingerprint, self.public_key.encoding)
        self._pending = {}
        requests = []
        for index, key in sorted(self.issuers.keys.items()):
            prepared = blind_rsa.prepare(message)
            blinded, inverse = blind_rsa.blind(key, prepared)
            self._pending[index] = (prepared, inverse, blinded.hex())
            requests.append({"issuer": index, "blinded_message": blinded.hex()})
        if self.issuers.cohorts is not None:
            for request in requests:
                request["labels"] = self._label_requests(request["issuer"])
        return {"requests": requests}

    def _label_requests(self, index: int) -> list[dict[str, Any]]:
        """One blinded label message per stated value, for issuer ``index`` (own prefix, own
        blinding factor: unlinkable to the credential and to the other labels)."""
        cohorts = self.issuers.cohorts
        out = []
        for d, v in sorted(self.labels.items()):
            message = label_message(self.fingerprint, self.public_key.encoding, d, v)
            prepared = blind_rsa.prepare(message)
            blinded, inverse = blind_rsa.blind(cohorts.keys[(index, d, v)], prepared)
            self._pending_labels[(index, d)] = (prepared, inverse, blinded.hex())
            out.append({"dimension": d, "value": v, "blinded_message": blinded.hex()})
        return out

    def _finish_labels(self, index: int, item: dict[str, Any]) -> list[tuple[int, int, dict]]:
        """Issuer ``index``'s finalised label signatures, or ``None`` if one is missing or bad."""
        cohorts = self.issuers.cohorts
        out = []
        answered = {lb["dimension"]: lb for lb in item.get("labels", [])}
        for d, v in sorted(self.labels.items()):
            label, pending = answered.get(d), self._pending_labels.get((index, d))
            if label is None or pending is None or not label.get("blind_signature"):
                return None
            prepared, inverse, blinded = pending
            if label["blinded_message"] != blinded:
                return None
            try:
                signature = blind_rsa.finalize(
                    cohorts.keys[(index, d, v)],
                    prepared,
                    bytes.fromhex(label["blind_signature"]),
                    inverse,
                )
            except (CryptoError, ValueError):
                return None
            out.append(
                (
                    d,
                    v,
                    {
                        "issuer": index,
                        "prefix": prepared[: blind_rsa.PREFIX_LENGTH].hex(),
                        "signature": signature.hex(),
                    },
                )
            )
        return out

    def finish_credential(self, status: dict[str, Any]) -> dict[str, Any] | None:
        """Finalise the blind signatures of ``GET …/credential``; the credential once
        ``threshold`` of them verify (the first ones, by issuer), ``None`` while fewer do."""
        issuers = self.issuers
        signatures = []
        label_signatures: list[tuple[int, int, dict]] = []
        for item in status.get("requests", []):
            index, answer = item.get("issuer"), item.get("blind_signature")
            pending = self._pending.get(index) if self._pending else None
            if pending is None or not answer or item.get("blinded_message") != pending[2]:
                continue
            prepared, inverse, _ = pending
            try:
                signature = blind_rsa.finalize(
                    issuers.key(index), prepared, bytes.fromhex(answer), inverse
                )
            except (CryptoError, ValueError):
                continue  # an issuer's bad answer: wait for the others
            if issuers.cohorts is not None:
                found = self._finish_labels(index, item)
                if found is None:
                    continue
                label_signatures.extend(found)
            signatures.append(
                {
                    "issuer": index,
                    "prefix": prepared[: blind_rsa.PREFIX_LENGTH].hex(),
                    "signature": signature.hex(),
                }
            )
            if len(signatures) == issuers.threshold:
                self.credential = {"key": self.public_key.hex(), "signatures": signatures}
                if issuers.cohorts is not None:
                    self.credential["cohorts"] = [
                        {
                            "dimension": d,
                            "value": v,
                            "signatures": [s for dd, _, s in label_signatures if dd == d],
                        }
                        for d, v in sorted(self.labels.items())
                    ]
                return self.credential
        return None

    def credential_code(self) -> str:
        """The credential code the ballot page imports (frontend/src/voting/credential-store.js,
        encodeCode): "mashwara-credential-2:" + base64url(fingerprint[0:8] ‖ k ‖ for each issuer
        signature, in order: issuer (1 byte) ‖ prefix ‖ RSA signature), in lines of 64
        characters. Whoever holds it can vote with it."""
        import base64

        raw = self.fingerprint[:8] + self.secret.to_bytes()
        for item in self.credential["signatures"]:
            raw += (
                bytes([item["issuer"]])
                + bytes.fromhex(item["prefix"])
                + bytes.fromhex(item["signature"])
            )
        # A cohort election's labels follow: dimension, value, then their signatures as above.
        for label in self.credential.get("cohorts", []):
            raw += bytes([label["dimension"], label["value"]])
            for item in label["signatures"]:
                raw += (
                    bytes([item["issuer"]])
                    + bytes.fromhex(item["prefix"])
                    + bytes.fromhex(item["signature"])
                )
        text = "mashwara-credential-2:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return "\n".join(text[i : i + 64] for i in range(0, len(text), 64))

    def seal(
        self, choices: Sequence[Choice], rng: NonceSource | None = None
    ) -> tuple[dict[str, Any], list[Any]]:
        """A sealed ballot ``{"election", "nonce", "answers"}`` and its reveal (docs/elections.md
        §4). It names no credential: it can be audited, or signed and cast. A single or approval
        choice is the selected option indices; a ranked choice is the full order, best first
        (every option exactly once: ``encrypt_ranking_with_opening`` refuses anything else).

        Draws: the 32-byte nonce first (``rng``: its scalar encoding; otherwise 32 bytes from
        the OS), then each question in order, drawing as ``encrypt_question`` or (ranked)
        ``encrypt_ranking``."""
        source = nonce_source(rng)
        nonce = rng.draw().to_bytes() if rng is not None else secrets.token_bytes(32)
        joint = Point.from_hex(self.manifest["joint_public_key"])
        context = ballot_context(self.fingerprint, nonce)
        answers, reveal = [], []
        for q, (shape, choice) in enumerate(zip(shapes(self.manifest), choices, strict=True)):
            if shape.kind == "ranked":
                if len(choice) != shape.options:
                    raise ValueOutsideRange(f"question {q}: rank all {shape.options} options")
                ranking, opening = encrypt_ranking_with_opening(
                    context + int8(q), joint, list(choice), source
                )
                answers.append(to_json(ranking))
                reveal.append(to_json(opening))
                continue
            part = shape.parts[0]
            vector = choice_vector(self.manifest, q, choice)
            nonces = _RecordingNonces(source)
            encrypted = encrypt_question(
                context + part.suffix, joint, vector, part.low, part.high, nonces
            )
            answers.append(to_json(encrypted))
            reveal.append(
                {
                    "votes": vector,
                    "randomness": [r.hex() for r in nonces.encryption_nonces[: part.options]],
                }
            )
        sealed = {"election": self.fingerprint.hex(), "nonce": nonce.hex(), "answers": answers}
        return sealed, reveal

    def sign(
        self, sealed: dict[str, Any], head: dict[str, Any], rng: NonceSource | None = None
    ) -> dict[str, Any]:
        """The cast ballot: ``sealed`` with the board reference of ``head`` (a signed head, a
        receipt's head or ``{"count", "hash"}``), the credential, and the credential's signature
        over all of it (one draw)."""
        ballot = {
            **{k: sealed[k] for k in ("election", "nonce", "answers")},
            "board": {"count": head["count"], "hash": head["hash"]},
            "credential": self.credential,
        }
        signature = sign_credential(self.fingerprint, self.secret, dumps(ballot), rng)
        ballot["signature"] = to_json(signature)
        return ballot

    def ballot(
        self, choices: Sequence[Choice], head: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Any]]:
        """A signed ballot naming board ``head``, and its reveal (which, once the ballot is
        cast, can no longer be audited: keep it secret)."""
        sealed, reveal = self.seal(choices)
        return self.sign(sealed, head), reveal

    def audit(self, choices: Sequence[Choice]) -> dict[str, Any]:
        """The body of a Benaloh audit (``POST …/audit``): a fresh sealed ballot and its reveal.
        Nothing in it names the credential."""
        sealed, reveal = self.seal(choices)
        return {"ballot": sealed, "reveal": reveal}


def obtain_credential(
    voter: Voter,
    post: Callable[[dict[str, Any]], dict[str, Any]],
    get: Callable[[], dict[str, Any]],
    *,
    timeout: float = 120.0,
    interval: float = 1.0,
) -> dict[str, Any]:
    """The voter's side of docs/elections.md §3 over any transport: ``post`` sends the blinded
    requests (``POST …/credential``) and returns the status, ``get`` polls it (``GET
    …/credential``) every ``interval`` seconds until ``threshold`` issuers have signed."""
    status = post(voter.credential_request())
    deadline = time.monotonic() + timeout
    while voter.finish_credential(status) is None:
        if time.monotonic() > deadline:
            signed = sum(1 for r in status.get("requests", []) if r.get("blind_signature"))
            raise TimeoutError(f"only {signed} issuers signed within {timeout:.0f} s")
        time.sleep(interval)
        status = get()
    return voter.credential


def tracker(ballot: dict[str, Any]) -> str:
    """The tracker of a sealed or cast ballot: over its ``election``, ``nonce`` and ``answers``."""
    return tracker_of(dumps({k: ballot[k] for k in ("election", "nonce", "answers")})).hex()


class _RecordingNonces:
    """Nonces from ``source``, remembering which ones encrypt options (draws 0, then after each
    proof).

    ``encrypt_question`` draws ``r_i`` then the option's proof nonces: a 0/1 proof draws three
    (``w``, one fake ``c``, one fake ``s``), so draws 0, 4, 8, … encrypt the options (the sum
    proof's draws come after them; the caller keeps only the first ``options``).
    """

    def __init__(self, source: NonceSource) -> None:
        self.source = source
        self.count = 0
        self.encryption_nonces: list[Scalar] = []

    def draw(self) -> Scalar:
        value = self.source.draw()
        if self.count % 4 == 0:
            self.encryption_nonces.append(value)
        self.count += 1
        return value


def new_issuer_key(index: int) -> blind_rsa.BlindRsaPrivateKey:
    """A fresh RSA-3072 issuer key for trustee ``index`` (tests replace this with cached keys:
    generation takes about a second)."""
    return blind_rsa.generate_private_key(blind_rsa.MIN_MODULUS_BITS)


def issuer_key_announcement(
    key: blind_rsa.BlindRsaPrivateKey, ceremony_context: bytes, index: int
) -> dict[str, str]:
    """``{"pem", "proof"}``: the public key and an RSA-PSS signature by it over the ceremony
    context and the trustee's index (proof of possession, docs/elections.md §6)."""
    proof = blind_rsa.sign(key, issuer_key_message(ceremony_context, index))
    return {"pem": key.public.to_pem(), "proof": proof.hex()}


def new_cohort_key(index: int, d: int, v: int) -> blind_rsa.BlindRsaPrivateKey:
    """A fresh RSA-3072 key of trustee ``index`` for cohort value ``(d, v)`` (protocol §12.2;
    tests replace this with cached keys)."""
    return blind_rsa.generate_private_key(blind_rsa.MIN_MODULUS_BITS)


def sign_labels(keys, labels: list[dict[str, Any]]) -> list[str]:
    """Blind signatures of a queued request's labels, each with this issuer's key for its value,
    after the checks an issuer can make (``check_label_requests``: at most one label per
    dimension, values it holds a key for); ``CryptoError`` refuses the whole request."""
    return [
        blind_rsa.blind_sign(keys[(d, v)], blinded).hex()
        for d, v, blinded in check_label_requests(keys or {}, labels)
    ]


def sign_request(
    key: blind_rsa.BlindRsaPrivateKey,
    item: dict[str, Any],
    cohort_keys: dict[tuple[int, int], blind_rsa.BlindRsaPrivateKey] | None = None,
) -> dict[str, Any]:
    """One queued request's blind signature (and its labels'), ``CryptoError`` if it cannot be
    signed as it stands."""
    try:
        blinded = bytes.fromhex(item["blinded_message"])
    except (TypeError, ValueError):
        raise CryptoError(
            f"request {item.get('request')}: the blinded message is not hex"
        ) from None
    signed = {
        "request": item["request"],
        "blind_signature": blind_rsa.blind_sign(key, blinded).hex(),
    }
    if "labels" in item:
        signed["labels"] = sign_labels(cohort_keys, item["labels"])
    return signed


def sign_queue(
    key: blind_rsa.BlindRsaPrivateKey,
    queue: dict[str, Any],
    cohort_keys: dict[tuple[int, int], blind_rsa.BlindRsaPrivateKey] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Blind-sign every request of ``GET …/issuer/queue``: the body for ``POST
    …/issuer/signatures`` and the roll ids signed for (the issuer's ledger)."""
    signatures, roll_ids = [], []
    for item in queue["requests"]:
        signatures.append(sign_request(key, item, cohort_keys))
        roll_ids.append(item["roll_id"])
    return {"signatures": signatures}, roll_ids


@dataclass
class TrusteeClient:
    index: int
    threshold: int
    ceremony_context: bytes
    secrets: Any = None
    received: dict[int, Scalar] = field(default_factory=dict)
    issuer_key: blind_rsa.BlindRsaPrivateKey | None = None
    ledger: list[str] = field(default_factory=list)
    # The stated cohort values of the definition, and this issuer's key for each.
    cohort_values: list[tuple[int, int]] = field(default_factory=list)
    cohort_keys: dict[tuple[int, int], blind_rsa.BlindRsaPrivateKey] = field(default_factory=dict)

    def announce(self) -> dict[str, Any]:
        """The announcement, with, from an issuer, its new issuer key and cohort keys."""
        self.secrets, announcement = create_trustee(
            self.ceremony_context, self.index, self.threshold
        )
        announced = to_json(announcement)
        # Only the issuers, trustees 1..k, make an issuer key and cohort keys (protocol §7,
        # §12.2): trustees k+1..n only decrypt.
        if self.index > self.threshold:
            return announced
        if self.issuer_key is None:
            self.issuer_key = new_issuer_key(self.index)
        announced["issuer_key"] = issuer_key_announcement(
            self.issuer_key, self.ceremony_context, self.index
        )
        if self.cohort_values:
            for d, v in self.cohort_values:
                if (d, v) not in self.cohort_keys:
                    self.cohort_keys[(d, v)] = new_cohort_key(self.index, d, v)
            announced["cohort_keys"] = [
                cohort_key_announcement(
                    self.cohort_keys[dv], self.ceremony_context, self.index, *dv
                )
                for dv in self.cohort_values
            ]
        return announced

    def sign(self, queue: dict[str, Any]) -> dict[str, Any]:
        """Blind-sign the queue, remembering the roll ids for the ledger."""
        message, roll_ids = sign_queue(self.issuer_key, queue, self.cohort_keys)
        self.ledger.extend(roll_ids)
        return message

    def signed_ledger(self, fingerprint: bytes) -> dict[str, Any]:
        return sign_ledger(self.issuer_key, ledger_document(fingerprint, self.index, self.ledger))

    def shares(self, trustees: list[dict[str, Any]]) -> dict[str, Any]:
        out = []
        for other in trustees:
            if other["index"] == self.index:
                continue
            announcement = from_json(TrusteeAnnouncement, other["commitments"])
            out.append(
                to_json(
                    encrypt_share(
                        self.ceremony_context,
                        self.secrets,
                        other["index"],
                        announcement.communication_key,
                    )
                )
            )
        return {"shares": out}

    def verification(self, status: dict[str, Any]) -> dict[str, Any]:
        by_index = {t["index"]: t for t in status["trustees"]}
        complaints = []
        for item in status["shares_for_me"]:
            share = from_json(EncryptedShare, item)
            sender = from_json(TrusteeAnnouncement, by_index[share.sender]["commitments"])
            try:
                self.received[share.sender] = open_share(
                    self.ceremony_context, self.secrets, share, sender
                )
            except InvalidShare as exc:
                complaints.append(to_json(exc.complaint))
        return {"complaints": complaints}

    @property
    def secret_share(self) -> Scalar:
        return combine_secret_share(self.secrets, self.received)

    def decrypt(
        self,
        tally: dict[str, Any],
        fingerprint: bytes,
        cohort_tally: dict[str, Any] | None = None,
        *,
        manifest: dict[str, Any] | None = None,
        counted: Sequence[Labelled] = (),
    ) -> dict[str, Any]:
        """Shares of the tally and, in an election with cohorts, of every group of the release
        plan this trustee recomputes itself from public data: ``counted`` holds each counted
        ballot's labels and ciphertexts (tally layout) as read from the board, ``cohort_tally``
        is the server's ``{"merged", "sums", "plan"}`` (``cohort-tally.json``), refused
        (``TrusteeRefusal``) unless its sums and plan are this trustee's own."""
        share = self.secret_share
        message = {
            "shares": [
                [
                    to_json(
                        partial_decrypt(fingerprint, self.index, share, from_json(Ciphertext, ct))
                    )
                    for ct in question
                ]
                for question in tally["questions"]
            ]
        }
        if cohort_tally is not None:
            sums, plan = check_cohort_tally(manifest, counted, cohort_tally)
            message["cohorts"] = cohort_shares(self.index, share, fingerprint, sums, plan)
        return message
