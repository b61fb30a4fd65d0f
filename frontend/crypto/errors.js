// Named failures of the browser cryptographic core, mirroring voting/crypto/errors.py.
//
// Every error thrown on purpose is a CryptoError, so a caller (the ballot page, the trustee page)
// can catch the family in one place and still tell a malformed encoding (InvalidPoint,
// InvalidScalar, InvalidEncoding) from a well-formed object that fails a check (InvalidProof,
// InvalidSignature, InvalidShare). Messages say what was wrong and never contain secret values.

export class CryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bytes, hex or JSON that do not have the exact shape the protocol requires. */
export class InvalidEncoding extends CryptoError {}

/** A 32-byte string that is not a canonical ristretto255 encoding, or an identity not allowed here. */
export class InvalidPoint extends InvalidEncoding {}

/** A 32-byte string that is not a canonical scalar (little-endian, value below ℓ). */
export class InvalidScalar extends InvalidEncoding {}

/** A zero-knowledge proof that does not verify for the statement it accompanies. */
export class InvalidProof extends CryptoError {}

/** A credential (Schnorr) or blind RSA signature that does not verify. */
export class InvalidSignature extends CryptoError {}

/** A prover was asked to prove something false; no proof is produced. */
export class InvalidWitness extends CryptoError {}

/** A range proof was requested for a value outside its allowed set. */
export class ValueOutsideRange extends InvalidWitness {}

/** An audit reveal whose votes and nonces do not re-encrypt to the ciphertexts it opens. */
export class InvalidOpening extends CryptoError {}

/** A key that is too weak, malformed or inconsistent. */
export class InvalidKey extends CryptoError {}

/**
 * A ceremony share that fails its MAC or its check against the sender's commitments;
 * `complaint` ({sender, recipient}) is what the recipient should publish.
 */
export class InvalidShare extends CryptoError {
  constructor(message, complaint) {
    super(message);
    this.complaint = complaint;
  }
}
