// The public API of Mashwara's browser cryptographic core (docs/protocol.md), bundled as
// frontend/dist/crypto.js (window.MashwaraCrypto). Byte-compatible with voting/crypto.

export * from "./errors.js";
export { bytesToHex, concatBytes, equalBytes, hexToBytes, int8, utf8 } from "./bytes.js";
export {
  IDENTITY,
  ORDER,
  Point,
  baseMul,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  generator,
  mul,
  pointFromHex,
  pointHex,
  preparePoint,
  scalarFromHex,
  scalarHex,
  warmUp,
} from "./group.js";
export { frame, hashToScalar } from "./hash.js";
export { DeterministicNonces, SystemNonces, randomBytes, randomScalar } from "./random.js";
export { addCiphertexts, decryptToPoint, encrypt, encryptWithNonce, generateKeyPair, rerandomise } from "./elgamal.js";
export {
  MAX_RANGE_WIDTH,
  proveDecryptionShare,
  proveKnowledge,
  proveRange,
  signCredential,
  verifyCredentialSignature,
  verifyDecryptionShare,
  verifyKnowledge,
  verifyRange,
} from "./proofs.js";
export { encryptQuestion, encryptQuestionWithNonces, verifyQuestion } from "./question.js";
export {
  MAX_RANKED_OPTIONS,
  MIN_RANKED_OPTIONS,
  encryptRanking,
  encryptRankingWithOpening,
  linkCiphertext,
  openRanking,
  openingOrder,
  placeCiphertext,
  proveRanking,
  rankingWitnesses,
  verifyRanking,
} from "./ranking.js";
export {
  checkShare,
  combineDecryptionShares,
  combineSecretShare,
  createTrustee,
  encryptShare,
  evaluatePolynomial,
  jointPublicKey,
  lagrangeCoefficients,
  openShare,
  partialDecrypt,
  revealShare,
  verificationKeys,
  verifyAnnouncement,
  verifyPartialDecryption,
  verifyShareReveal,
} from "./threshold.js";
export * as blindRsa from "./blindrsa.js";
export { KIND_NAMES, canonicalJson, dumps, fromJson, loads, parseJson, toJson } from "./serialization.js";
