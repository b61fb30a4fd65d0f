"""Python voters and trustees that speak the wire formats of docs/elections.md.

Used by ``simulate_election``, the tests and the benchmark, and the base of the trustee CLI: a
``Voter`` obtains a credential by blind signature and builds signed, encrypted ballots (and
audit reveals); a ``TrusteeClient`` takes part in the key ceremony and decrypts the tally. Like
the verifier, this module imports only ``voting.crypto`` and ``voting.verify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import InvalidShare
from voting.crypto.group import Point, Scalar
from voting.crypto.proofs import sign_credential
from voting.crypto.question import encrypt_question
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
from voting.verify.canonical import dumps
from voting.verify.election import ballot_context, credential_message, ranked_pairs, shapes

Choice = Sequence[int]


def choice_vectors(manifest: dict[str, Any], q: int, choice: Choice) -> list[list[int]]:
    """The 0/1 vectors of each §5 part of question ``q``.

    ``choice`` is the selected option indices (single, approval) or the ranking, best first
    (ranked; unranked options are left out and tie with each other)."""
    question = manifest["questions"][q]
    n = len(question["options"])
    if question["type"] != "ranked":
        return [[1 if i in choice else 0 for i in range(n)]]
    rank = {option: place for place, option in enumerate(choice)}
    vectors = []
    for i, j in ranked_pairs(n):
        ri, rj = rank.get(i), rank.get(j)
        above = ri is not None and (rj is None or ri < rj)
        below = rj is not None and (ri is None or rj < ri)
        vectors.append([int(above), int(below)])
    return vectors


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

    def ballot(self, choices: Sequence[Choice]) -> tuple[dict[str, Any], list[Any]]:
        """A signed ballot and its reveal (for a Benaloh audit)."""
        joint = Point.from_hex(self.manifest["joint_public_key"])
        # Every proof is bound to the credential key on the ballot (docs/elections.md §4).
        context = ballot_context(self.fingerprint, bytes.fromhex(self.credential["key"]))
        answers, reveal = [], []
        for q, (shape, choice) in enumerate(zip(shapes(self.manifest), choices, strict=True)):
            parts, revealed = [], []
            for part, vector in zip(
                shape.parts, choice_vectors(self.manifest, q, choice), strict=True
            ):
                nonces = _RecordingNonces()
                encrypted = encrypt_question(
                    context + part.suffix, joint, vector, part.low, part.high, nonces
                )
                parts.append(to_json(encrypted))
                revealed.append(
                    {
                        "votes": vector,
                        "randomness": [r.hex() for r in nonces.encryption_nonces[: part.options]],
                    }
                )
            if shape.kind == "ranked":
                answers.append({"pairs": parts})
                reveal.append({"pairs": revealed})
            else:
                answers.append(parts[0])
                reveal.append(revealed[0])
        ballot = {
            "election": self.fingerprint.hex(),
            "credential": self.credential,
            "answers": answers,
        }
        signature = sign_credential(self.fingerprint, self.secret, dumps(ballot))
        ballot["signature"] = to_json(signature)
        return ballot, reveal


class _RecordingNonces:
    """System nonces, remembering which ones encrypt options (draws 0, then after each proof).

    ``encrypt_question`` draws ``r_i`` then the option's proof nonces: a 0/1 proof draws three
    (``w``, one fake ``c``, one fake ``s``), so draws 0, 4, 8, … encrypt the options (the sum
    proof's draws come after them; the caller keeps only the first ``options``).
    """

    def __init__(self) -> None:
        self.count = 0
        self.encryption_nonces: list[Scalar] = []

    def draw(self) -> Scalar:
        value = Scalar.random()
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
