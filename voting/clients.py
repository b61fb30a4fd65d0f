"""Python voters and trustees that speak the wire formats of docs/elections.md.

Used by ``simulate_election``, the tests and the benchmark, and the base of the trustee CLI: a
``Voter`` obtains a credential by blind signature, seals encrypted ballots (``seal``: the part
the tracker covers, no credential), audits them (``audit``) or signs them for casting with the
board head it saw (``sign``, ``ballot``); a ``TrusteeClient`` takes part in the key ceremony and
decrypts the tally. Like the verifier, this module imports only ``voting.crypto`` and
``voting.verify``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import InvalidShare, ValueOutsideRange
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
from voting.verify.ballots import tracker_of
from voting.verify.canonical import dumps
from voting.verify.election import ballot_context, credential_message, shapes

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
    credential: dict[str, str] | None = None
    _pending: tuple[bytes, int] | None = None

    @property
    def public_key(self) -> Point:
        return Point.base(self.secret)

    @property
    def issuer(self) -> blind_rsa.BlindRsaPublicKey:
        return from_json(blind_rsa.BlindRsaPublicKey, self.manifest["issuer_public_key"])

    def credential_request(self) -> dict[str, str]:
        prepared = blind_rsa.prepare(credential_message(self.fingerprint, self.public_key.encoding))
        blinded, inverse = blind_rsa.blind(self.issuer, prepared)
        self._pending = (prepared, inverse)
        return {"blinded_message": blinded.hex()}

    def finish_credential(self, response: dict[str, str]) -> dict[str, str]:
        prepared, inverse = self._pending
        signature = blind_rsa.finalize(
            self.issuer, prepared, bytes.fromhex(response["blind_signature"]), inverse
        )
        self.credential = {
            "key": self.public_key.hex(),
            "prefix": prepared[: blind_rsa.PREFIX_LENGTH].hex(),
            "signature": signature.hex(),
        }
        return self.credential

    def credential_code(self) -> str:
        """The credential code the ballot page imports (frontend/src/voting/credential-store.js,
        encodeCode): "mashwara-credential-1:" + base64url(fingerprint[0:8] ‖ k ‖ prefix ‖
        signature), in lines of 64 characters. Whoever holds it can vote with it."""
        import base64

        raw = (
            self.fingerprint[:8]
            + self.secret.to_bytes()
            + bytes.fromhex(self.credential["prefix"])
            + bytes.fromhex(self.credential["signature"])
        )
        text = "mashwara-credential-1:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
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


@dataclass
class TrusteeClient:
    index: int
    threshold: int
    ceremony_context: bytes
    secrets: Any = None
    received: dict[int, Scalar] = field(default_factory=dict)

    def announce(self) -> dict[str, Any]:
        self.secrets, announcement = create_trustee(
            self.ceremony_context, self.index, self.threshold
        )
        return to_json(announcement)

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

    def decrypt(self, tally: dict[str, Any], fingerprint: bytes) -> dict[str, Any]:
        share = self.secret_share
        return {
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
