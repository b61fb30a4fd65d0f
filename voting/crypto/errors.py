"""Named failures of the cryptographic core.

Every error raised on purpose by ``voting.crypto`` is a subclass of :class:`CryptoError`, so a
caller (the casting view, the verifier) can catch the whole family in one place and still tell a
malformed encoding (``InvalidPoint``, ``InvalidScalar``, ``InvalidEncoding``) from a well-formed
object that fails a check (``InvalidProof``, ``InvalidSignature``, ``InvalidShare``). Messages say
what was wrong in words an operator can act on; they never contain secret values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voting.crypto.threshold import Complaint


class CryptoError(Exception):
    """Base class of every error the cryptographic core raises on purpose."""


class InvalidEncoding(CryptoError):
    """Bytes, hex or JSON that do not have the exact shape the protocol requires."""


class InvalidPoint(InvalidEncoding):
    """A 32-byte string that is not a canonical ristretto255 encoding, or an illegal identity."""


class InvalidScalar(InvalidEncoding):
    """A 32-byte string that is not a canonical scalar (little-endian, value below ℓ)."""


class InvalidProof(CryptoError):
    """A zero-knowledge proof that does not verify for the statement it accompanies."""


class InvalidSignature(CryptoError):
    """A credential (Schnorr) or blind RSA signature that does not verify."""


class InvalidWitness(CryptoError):
    """A prover was asked to prove something false; no proof is produced."""


class ValueOutsideRange(InvalidWitness):
    """A range proof was requested for a value outside its allowed set."""


class InvalidOpening(CryptoError):
    """An audit reveal whose votes and nonces do not re-encrypt to the ciphertexts it opens."""


class InvalidKey(CryptoError):
    """A key that is too weak, malformed or inconsistent."""


class DiscreteLogNotFound(CryptoError):
    """A decrypted point is not ``m·G`` for any ``m`` within the search bound."""


class InvalidShare(CryptoError):
    """A ceremony share that fails its MAC or its check against the sender's commitments.

    ``complaint`` is the public complaint the recipient should publish.
    """

    def __init__(self, message: str, complaint: Complaint) -> None:
        super().__init__(message)
        self.complaint = complaint
