"""RFC 9474 blind RSA signatures, variant RSABSSA-SHA384-PSS-Randomized (protocol §7).

The client ``prepare``s its message (32-byte random prefix), ``blind``s it, the server
``blind_sign``s without learning it, and the client ``finalize``s into a standard RSASSA-PSS
signature (SHA-384, MGF1-SHA-384, 48-byte salt) over ``prefix || msg`` that ``verify`` — and any
RSA-PSS library — accepts. The private-key operation uses the CRT with ``gmpy2.powmod_sec``
(constant time in the exponent) and is checked with the public key before it is returned, the
fault-attack guard of RFC 9474 §4.3. Keys under 3072 bits or with an exponent other than 65537 are
refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

import gmpy2
from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from voting.crypto.errors import CryptoError, InvalidKey, InvalidSignature

SALT_LENGTH = 48
PREFIX_LENGTH = 32
MIN_MODULUS_BITS = 3072
PUBLIC_EXPONENT = 65537
_HASH_LENGTH = 48


@lru_cache(maxsize=256)
def _cryptography_public_key(n: int, e: int) -> rsa.RSAPublicKey:
    """OpenSSL's key object, built once per key: an election verifies every credential under one
    issuer key (and every cohort label under one key per value), and building the object costs
    about as much as a verification."""
    return rsa.RSAPublicNumbers(e, n).public_key()


@dataclass(frozen=True, slots=True)
class BlindRsaPublicKey:
    n: int
    e: int

    def __post_init__(self) -> None:
        if self.n.bit_length() < MIN_MODULUS_BITS:
            raise InvalidKey(f"blind RSA keys must have at least {MIN_MODULUS_BITS} bits")
        if self.e != PUBLIC_EXPONENT:
            raise InvalidKey(f"the public exponent must be {PUBLIC_EXPONENT}")

    @property
    def modulus_length(self) -> int:
        return (self.n.bit_length() + 7) // 8

    def to_cryptography(self) -> rsa.RSAPublicKey:
        return _cryptography_public_key(self.n, self.e)

    def to_pem(self) -> str:
        return (
            self.to_cryptography()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    @classmethod
    def from_pem(cls, pem: str | bytes) -> BlindRsaPublicKey:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise InvalidKey(f"not a PEM public key: {exc}") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidKey("not an RSA public key")
        numbers = key.public_numbers()
        return cls(numbers.n, numbers.e)


@dataclass(frozen=True, slots=True)
class BlindRsaPrivateKey:
    public: BlindRsaPublicKey
    p: int = field(repr=False)
    q: int = field(repr=False)
    d: int = field(repr=False)

    def __post_init__(self) -> None:
        if self.p * self.q != self.public.n:
            raise InvalidKey("p·q does not equal the modulus")

    @classmethod
    def from_cryptography(cls, key: rsa.RSAPrivateKey) -> BlindRsaPrivateKey:
        numbers = key.private_numbers()
        public = numbers.public_numbers
        return cls(BlindRsaPublicKey(public.n, public.e), numbers.p, numbers.q, numbers.d)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> BlindRsaPrivateKey:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"not an unencrypted PEM private key: {exc}") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidKey("not an RSA private key")
        return cls.from_cryptography(key)

    def to_cryptography(self) -> rsa.RSAPrivateKey:
        p, q, d = self.p, self.q, self.d
        return rsa.RSAPrivateNumbers(
            p,
            q,
            d,
            rsa.rsa_crt_dmp1(d, p),
            rsa.rsa_crt_dmq1(d, q),
            rsa.rsa_crt_iqmp(p, q),
            rsa.RSAPublicNumbers(self.public.e, self.public.n),
        ).private_key()

    def to_der(self) -> bytes:
        """PKCS#8 DER, the form the trustee key file holds (WebCrypto exports the same)."""
        return self.to_cryptography().private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def from_der(cls, der: bytes) -> BlindRsaPrivateKey:
        try:
            key = serialization.load_der_private_key(der, password=None)
        except (ValueError, TypeError) as exc:
            raise InvalidKey(f"not an unencrypted PKCS#8 private key: {exc}") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidKey("not an RSA private key")
        return cls.from_cryptography(key)

    def to_pem(self) -> str:
        p, q, d = self.p, self.q, self.d
        numbers = rsa.RSAPrivateNumbers(
            p,
            q,
            d,
            rsa.rsa_crt_dmp1(d, p),
            rsa.rsa_crt_dmq1(d, q),
            rsa.rsa_crt_iqmp(p, q),
            rsa.RSAPublicNumbers(self.public.e, self.public.n),
        )
        return (
            numbers.private_key()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode("ascii")
        )


def generate_private_key(bits: int = MIN_MODULUS_BITS) -> BlindRsaPrivateKey:
    if bits < MIN_MODULUS_BITS:
        raise InvalidKey(f"blind RSA keys must have at least {MIN_MODULUS_BITS} bits")
    return BlindRsaPrivateKey.from_cryptography(rsa.generate_private_key(PUBLIC_EXPONENT, bits))


def prepare(message: bytes, prefix: bytes | None = None) -> bytes:
    """RFC 9474 PrepareRandomize: ``prefix || message`` with a fresh 32-byte prefix."""
    if prefix is None:
        prefix = secrets.token_bytes(PREFIX_LENGTH)
    if len(prefix) != PREFIX_LENGTH:
        raise CryptoError(f"the message prefix must be {PREFIX_LENGTH} bytes")
    return bytes(prefix) + bytes(message)


def _mgf1(seed: bytes, length: int) -> bytes:
    out = b"".join(
        hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        for counter in range(-(-length // _HASH_LENGTH))
    )
    return out[:length]


def emsa_pss_encode(message: bytes, em_bits: int, salt: bytes) -> bytes:
    """RFC 8017 §9.1.1 with SHA-384 and MGF1-SHA-384."""
    em_len = -(-em_bits // 8)
    m_hash = hashlib.sha384(message).digest()
    if em_len < _HASH_LENGTH + len(salt) + 2:
        raise CryptoError("encoding error: modulus too small for this salt")
    h = hashlib.sha384(bytes(8) + m_hash + salt).digest()
    db = bytes(em_len - len(salt) - _HASH_LENGTH - 2) + b"\x01" + salt
    masked = bytearray(x ^ y for x, y in zip(db, _mgf1(h, len(db)), strict=True))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


def blind(
    public_key: BlindRsaPublicKey,
    prepared_message: bytes,
    *,
    salt: bytes | None = None,
    r: int | None = None,
    salt_length: int = SALT_LENGTH,
) -> tuple[bytes, int]:
    """RFC 9474 Blind: returns ``(blinded_msg, inv)``; ``salt`` and ``r`` only for test vectors."""
    n = public_key.n
    if salt is None:
        salt = secrets.token_bytes(salt_length)
    if len(salt) != salt_length:
        raise CryptoError(f"the PSS salt must be {salt_length} bytes")
    encoded = emsa_pss_encode(prepared_message, n.bit_length() - 1, salt)
    m = int.from_bytes(encoded, "big")
    if gmpy2.gcd(m, n) != 1:
        raise CryptoError("invalid input: the encoded message is not coprime to the modulus")
    while True:
        blinding = secrets.randbelow(n - 1) + 1 if r is None else r
        try:
            inv = pow(blinding, -1, n)
            break
        except ValueError:
            if r is not None:
                raise CryptoError("invalid blind: r is not invertible modulo n") from None
    z = m * pow(blinding, public_key.e, n) % n
    return z.to_bytes(public_key.modulus_length, "big"), inv


def check_blinded_message(public_key: BlindRsaPublicKey, blinded_message: bytes) -> None:
    """Refuse a blinded message no honest client sends, before anyone records or signs it.

    Blind gives ``m·r^e mod n`` with ``m`` and ``r`` units modulo ``n``: a unit, uniformly
    distributed, of exactly the modulus length. 0, 1 and n − 1 are RSA's fixed points (each is
    its own signature, so signing them yields nothing a voter can finalise); a value ≥ n is no
    message representative (RFC 9474 BlindSign refuses it); a value sharing a factor with ``n``
    is no unit. Raises ``CryptoError`` saying which."""
    n = public_key.n
    if len(blinded_message) != public_key.modulus_length:
        raise CryptoError(f"is not exactly {public_key.modulus_length} bytes, the key's length")
    m = int.from_bytes(blinded_message, "big")
    if m >= n:
        raise CryptoError("is not below the key's modulus")
    if m in (0, 1, n - 1):
        name = {0: "0", 1: "1"}.get(m, "n − 1")
        raise CryptoError(f"is {name}, which is its own signature: no honest client sends it")
    if gmpy2.gcd(m, n) != 1:
        raise CryptoError("shares a factor with the key's modulus: no honest client sends it")


def blind_sign(private_key: BlindRsaPrivateKey, blinded_message: bytes) -> bytes:
    """RFC 9474 BlindSign with CRT and ``powmod_sec``; the result is checked before release."""
    public = private_key.public
    if len(blinded_message) != public.modulus_length:
        raise CryptoError("unexpected input size for the blinded message")
    m = int.from_bytes(blinded_message, "big")
    if m >= public.n:
        raise CryptoError("message representative out of range")
    p, q, d = gmpy2.mpz(private_key.p), gmpy2.mpz(private_key.q), private_key.d
    s_p = gmpy2.powmod_sec(m % p, d % (p - 1), p)
    s_q = gmpy2.powmod_sec(m % q, d % (q - 1), q)
    h = gmpy2.invert(q, p) * (s_p - s_q) % p
    s = int(s_q + h * q)
    if pow(s, public.e, public.n) != m:
        raise CryptoError("signing failure: the RSA result does not verify (fault detected)")
    return s.to_bytes(public.modulus_length, "big")


def verify(
    public_key: BlindRsaPublicKey,
    prepared_message: bytes,
    signature: bytes,
    *,
    salt_length: int = SALT_LENGTH,
) -> None:
    """Standard RSASSA-PSS verification (SHA-384, MGF1-SHA-384) through ``cryptography``."""
    try:
        public_key.to_cryptography().verify(
            signature,
            prepared_message,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=salt_length),
            hashes.SHA384(),
        )
    except _CryptographyInvalidSignature:
        raise InvalidSignature("blind RSA signature does not verify") from None


def sign(private_key: BlindRsaPrivateKey, message: bytes) -> bytes:
    """A standard (non-blind) RSASSA-PSS signature, SHA-384, MGF1-SHA-384, 48-byte random salt:
    what an issuer signs its ledger and its proof of possession with; ``verify`` checks it."""
    key = private_key.to_cryptography()
    return key.sign(
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LENGTH),
        hashes.SHA384(),
    )


def finalize(
    public_key: BlindRsaPublicKey,
    prepared_message: bytes,
    blind_signature: bytes,
    inv: int,
    *,
    salt_length: int = SALT_LENGTH,
) -> bytes:
    """RFC 9474 Finalize: unblind and verify; raises ``InvalidSignature`` on a bad server reply."""
    if len(blind_signature) != public_key.modulus_length:
        raise InvalidSignature("unexpected input size for the blind signature")
    z = int.from_bytes(blind_signature, "big")
    signature = (z * inv % public_key.n).to_bytes(public_key.modulus_length, "big")
    verify(public_key, prepared_message, signature, salt_length=salt_length)
    return signature
