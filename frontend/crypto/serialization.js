// Strict to/from-JSON for every protocol object (protocol §10), mirroring
// voting/crypto/serialization.py.
//
// toJson(kind, value) turns a protocol value into plain JSON data; fromJson(kind, data) is its
// strict inverse: exactly the listed keys, integers that are numbers (never booleans, floats or
// strings), lowercase hex of the exact length, points and scalars fully validated (the identity
// only where protocol §1 allows it). Every rejection throws InvalidEncoding (or InvalidPoint /
// InvalidScalar) naming the path of the offending field. dumps/loads add the text level
// (canonical JSON out, strict JSON in). Kinds: see KINDS below.

import { bytesToHex, hexToBytes } from "./bytes.js";
import { CryptoError, InvalidEncoding } from "./errors.js";
import { baseMul, pointFromHex, pointHex, scalarFromHex, scalarHex } from "./group.js";
import { canonicalJson, parseJson } from "./json.js";
import { MAX_RANGE_WIDTH } from "./proofs.js";
import { MAX_OPTIONS } from "./question.js";
import { MAX_RANKED_OPTIONS, MIN_RANKED_OPTIONS } from "./ranking.js";

export { canonicalJson, parseJson };

const MAX_TRUSTEE = 2 ** 32;
const MAX_COMMITMENTS = 1024;

// -- field readers ------------------------------------------------------------------------------

function object(data, keys, path) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InvalidEncoding(`${path}: expected a JSON object`);
  }
  const got = Object.keys(data).sort();
  const want = [...keys].sort();
  if (got.length !== want.length || got.some((key, i) => key !== want[i])) {
    throw new InvalidEncoding(`${path}: expected exactly the keys ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  return data;
}

function list(data, path, minimum = 0, maximum = 1 << 20) {
  if (!Array.isArray(data)) throw new InvalidEncoding(`${path}: expected a JSON array`);
  if (data.length < minimum || data.length > maximum) {
    throw new InvalidEncoding(`${path}: expected ${minimum}..${maximum} items, got ${data.length}`);
  }
  return data;
}

function integer(data, path, minimum, maximum) {
  if (typeof data !== "number" || !Number.isInteger(data) || data < minimum || data > maximum) {
    throw new InvalidEncoding(`${path}: expected an integer in ${minimum}..${maximum}`);
  }
  return data;
}

function withPath(path, read) {
  try {
    return read();
  } catch (error) {
    if (error instanceof CryptoError) {
      const wrapped = new error.constructor(`${path}: ${error.message}`);
      throw wrapped;
    }
    throw error;
  }
}

const point = (data, path) => withPath(path, () => pointFromHex(data));
const pointOrIdentity = (data, path) => withPath(path, () => pointFromHex(data, { allowIdentity: true }));
const scalar = (data, path) => withPath(path, () => scalarFromHex(data));
const bytes32 = (data, path) => hexToBytes(data, 32, InvalidEncoding, path);
const trusteeIndex = (data, path) => integer(data, path, 1, MAX_TRUSTEE - 1);

// -- encoders and decoders ----------------------------------------------------------------------

const pairTo = (proof) => ({ c: scalarHex(proof.c), s: scalarHex(proof.s) });

function pairFrom(data, path) {
  const obj = object(data, ["c", "s"], path);
  return { c: scalar(obj.c, `${path}.c`), s: scalar(obj.s, `${path}.s`) };
}

const ciphertextTo = (ct) => ({ a: pointHex(ct.a), b: pointHex(ct.b) });

function ciphertextFrom(data, path) {
  const obj = object(data, ["a", "b"], path);
  return { a: pointOrIdentity(obj.a, `${path}.a`), b: pointOrIdentity(obj.b, `${path}.b`) };
}

const rangeTo = (proof) => ({ c: proof.c.map(scalarHex), s: proof.s.map(scalarHex) });

function rangeFrom(data, path) {
  const obj = object(data, ["c", "s"], path);
  const cs = list(obj.c, `${path}.c`, 1, MAX_RANGE_WIDTH);
  const ss = list(obj.s, `${path}.s`, 1, MAX_RANGE_WIDTH);
  if (cs.length !== ss.length) throw new InvalidEncoding(`${path}: as many responses as challenges are required`);
  return { c: cs.map((c, i) => scalar(c, `${path}.c[${i}]`)), s: ss.map((s, i) => scalar(s, `${path}.s[${i}]`)) };
}

const questionTo = (q) => ({
  ciphertexts: q.ciphertexts.map(ciphertextTo),
  proofs: q.proofs.map(rangeTo),
  sum_proof: q.sumProof === null ? null : rangeTo(q.sumProof),
});

function questionFrom(data, path) {
  const obj = object(data, ["ciphertexts", "proofs", "sum_proof"], path);
  const cts = list(obj.ciphertexts, `${path}.ciphertexts`, 1, MAX_OPTIONS);
  const proofs = list(obj.proofs, `${path}.proofs`, 1, MAX_OPTIONS);
  if (cts.length !== proofs.length) throw new InvalidEncoding(`${path}: one proof per ciphertext is required`);
  return {
    ciphertexts: cts.map((c, i) => ciphertextFrom(c, `${path}.ciphertexts[${i}]`)),
    proofs: proofs.map((p, i) => rangeFrom(p, `${path}.proofs[${i}]`)),
    sumProof: obj.sum_proof === null ? null : rangeFrom(obj.sum_proof, `${path}.sum_proof`),
  };
}

/** A §5 question of `options` options with bounds 1..1 (a part of a ranked answer). */
function sizedQuestionFrom(data, path, options) {
  const question = questionFrom(data, path);
  if (question.ciphertexts.length !== options) throw new InvalidEncoding(`${path}: expected ${options} ciphertexts`);
  if (question.proofs.some((p) => p.c.length !== 2)) {
    throw new InvalidEncoding(`${path}: each 0/1 proof has 2 challenges and responses`);
  }
  if (question.sumProof === null || question.sumProof.c.length !== 1) {
    throw new InvalidEncoding(`${path}: the sum proof of bounds 1..1 has 1 challenge`);
  }
  return question;
}

function singleRangeFrom(data, path) {
  const proof = rangeFrom(data, path);
  if (proof.c.length !== 1) throw new InvalidEncoding(`${path}: a range proof of one value has 1 challenge`);
  return proof;
}

/** The ranked answer's (or reveal's) lists, each of the size n (from positions) gives. */
function rankingLists(obj, path, keys) {
  const n = list(obj.positions, `${path}.positions`, MIN_RANKED_OPTIONS, MAX_RANKED_OPTIONS).length;
  const sizes = { pairs: (n * (n - 1)) / 2, positions: n, places: n, links: n };
  return { n, lists: Object.fromEntries(keys.map((key) => [key, list(obj[key], `${path}.${key}`, sizes[key], sizes[key])])) };
}

const rankingTo = (r) => ({
  pairs: r.pairs.map(questionTo),
  positions: r.positions.map(questionTo),
  places: r.places.map(rangeTo),
  links: r.links.map(rangeTo),
});

function rankingFrom(data, path) {
  const keys = ["pairs", "positions", "places", "links"];
  const { n, lists } = rankingLists(object(data, keys, path), path, keys);
  return {
    pairs: lists.pairs.map((q, i) => sizedQuestionFrom(q, `${path}.pairs[${i}]`, 2)),
    positions: lists.positions.map((q, i) => sizedQuestionFrom(q, `${path}.positions[${i}]`, n)),
    places: lists.places.map((p, i) => singleRangeFrom(p, `${path}.places[${i}]`)),
    links: lists.links.map((p, i) => singleRangeFrom(p, `${path}.links[${i}]`)),
  };
}

const openingTo = (o) => ({ votes: [...o.votes], randomness: o.randomness.map(scalarHex) });

function openingFrom(data, path, options) {
  const obj = object(data, ["votes", "randomness"], path);
  const votes = list(obj.votes, `${path}.votes`, options, options);
  const randomness = list(obj.randomness, `${path}.randomness`, options, options);
  return {
    votes: votes.map((v, i) => integer(v, `${path}.votes[${i}]`, 0, 1)),
    randomness: randomness.map((r, i) => scalar(r, `${path}.randomness[${i}]`)),
  };
}

const rankingOpeningTo = (o) => ({ pairs: o.pairs.map(openingTo), positions: o.positions.map(openingTo) });

function rankingOpeningFrom(data, path) {
  const keys = ["pairs", "positions"];
  const { n, lists } = rankingLists(object(data, keys, path), path, keys);
  return {
    pairs: lists.pairs.map((o, i) => openingFrom(o, `${path}.pairs[${i}]`, 2)),
    positions: lists.positions.map((o, i) => openingFrom(o, `${path}.positions[${i}]`, n)),
  };
}

function keyPairFrom(data, path) {
  const obj = object(data, ["secret", "public"], path);
  const secret = scalar(obj.secret, `${path}.secret`);
  const pub = point(obj.public, `${path}.public`);
  if (secret === 0n || !baseMul(secret).equals(pub)) {
    throw new InvalidEncoding(`${path}: the public key does not match the secret key`);
  }
  return { secret, public: pub };
}

const announcementTo = (a) => ({
  trustee: a.trustee,
  commitments: a.commitments.map(pointHex),
  commitment_proofs: a.commitmentProofs.map(pairTo),
  communication_key: pointHex(a.communicationKey),
  communication_proof: pairTo(a.communicationProof),
});

function announcementFrom(data, path) {
  const keys = ["trustee", "commitments", "commitment_proofs", "communication_key", "communication_proof"];
  const obj = object(data, keys, path);
  const commitments = list(obj.commitments, `${path}.commitments`, 1, MAX_COMMITMENTS);
  const proofs = list(obj.commitment_proofs, `${path}.commitment_proofs`, 1, MAX_COMMITMENTS);
  if (commitments.length !== proofs.length) throw new InvalidEncoding(`${path}: one proof per commitment is required`);
  return {
    trustee: trusteeIndex(obj.trustee, `${path}.trustee`),
    commitments: commitments.map((k, i) => point(k, `${path}.commitments[${i}]`)),
    commitmentProofs: proofs.map((p, i) => pairFrom(p, `${path}.commitment_proofs[${i}]`)),
    communicationKey: point(obj.communication_key, `${path}.communication_key`),
    communicationProof: pairFrom(obj.communication_proof, `${path}.communication_proof`),
  };
}

const secretsTo = (s) => ({
  trustee: s.trustee,
  coefficients: s.coefficients.map(scalarHex),
  communication_key: scalarHex(s.communicationKey),
});

function secretsFrom(data, path) {
  const obj = object(data, ["trustee", "coefficients", "communication_key"], path);
  const coefficients = list(obj.coefficients, `${path}.coefficients`, 1, MAX_COMMITMENTS);
  return {
    trustee: trusteeIndex(obj.trustee, `${path}.trustee`),
    coefficients: coefficients.map((c, i) => scalar(c, `${path}.coefficients[${i}]`)),
    communicationKey: scalar(obj.communication_key, `${path}.communication_key`),
  };
}

function senderRecipient(obj, path) {
  const sender = trusteeIndex(obj.sender, `${path}.sender`);
  const recipient = trusteeIndex(obj.recipient, `${path}.recipient`);
  if (sender === recipient) throw new InvalidEncoding(`${path}: sender and recipient must differ`);
  return { sender, recipient };
}

const encryptedShareTo = (e) => ({
  sender: e.sender,
  recipient: e.recipient,
  r: pointHex(e.r),
  ct: bytesToHex(e.ct),
  tag: bytesToHex(e.tag),
});

function encryptedShareFrom(data, path) {
  const obj = object(data, ["sender", "recipient", "r", "ct", "tag"], path);
  return {
    ...senderRecipient(obj, path),
    r: point(obj.r, `${path}.r`),
    ct: bytes32(obj.ct, `${path}.ct`),
    tag: bytes32(obj.tag, `${path}.tag`),
  };
}

const complaintFrom = (data, path) => senderRecipient(object(data, ["sender", "recipient"], path), path);

function revealFrom(data, path) {
  const obj = object(data, ["sender", "recipient", "share"], path);
  return { ...senderRecipient(obj, path), share: scalar(obj.share, `${path}.share`) };
}

const decryptionShareTo = (d) => ({ trustee: d.trustee, d: pointHex(d.d), proof: pairTo(d.proof) });

function decryptionShareFrom(data, path) {
  const obj = object(data, ["trustee", "d", "proof"], path);
  return {
    trustee: trusteeIndex(obj.trustee, `${path}.trustee`),
    d: point(obj.d, `${path}.d`),
    proof: pairFrom(obj.proof, `${path}.proof`),
  };
}

function rsaPublicFrom(data, path) {
  const obj = object(data, ["pem"], path);
  if (typeof obj.pem !== "string" || !obj.pem.includes("-----BEGIN PUBLIC KEY-----")) {
    throw new InvalidEncoding(`${path}.pem: expected a SubjectPublicKeyInfo PEM string`);
  }
  return { pem: obj.pem };
}

/** Every kind of protocol object: [to JSON data, from JSON data]. */
const KINDS = {
  point: [pointHex, point],
  scalar: [scalarHex, scalar],
  ciphertext: [ciphertextTo, ciphertextFrom],
  keyPair: [(k) => ({ secret: scalarHex(k.secret), public: pointHex(k.public) }), keyPairFrom],
  schnorrProof: [pairTo, pairFrom],
  credentialSignature: [pairTo, pairFrom],
  decryptionProof: [pairTo, pairFrom],
  rangeProof: [rangeTo, rangeFrom],
  encryptedQuestion: [questionTo, questionFrom],
  encryptedRanking: [rankingTo, rankingFrom],
  rankingOpening: [rankingOpeningTo, rankingOpeningFrom],
  trusteeAnnouncement: [announcementTo, announcementFrom],
  trusteeSecrets: [secretsTo, secretsFrom],
  encryptedShare: [encryptedShareTo, encryptedShareFrom],
  complaint: [(c) => ({ sender: c.sender, recipient: c.recipient }), complaintFrom],
  shareReveal: [(r) => ({ sender: r.sender, recipient: r.recipient, share: scalarHex(r.share) }), revealFrom],
  decryptionShare: [decryptionShareTo, decryptionShareFrom],
  blindRsaPublicKey: [(k) => ({ pem: k.pem }), rsaPublicFrom],
};

export const KIND_NAMES = Object.freeze(Object.keys(KINDS));

function codec(kind) {
  const entry = Object.prototype.hasOwnProperty.call(KINDS, kind) ? KINDS[kind] : undefined;
  if (entry === undefined) throw new TypeError(`no JSON form for kind ${JSON.stringify(kind)}`);
  return entry;
}

/** Plain JSON data (objects, arrays, strings, integers) for a protocol value of `kind`. */
export function toJson(kind, value) {
  return codec(kind)[0](value);
}

/** Strictly decode JSON data into a protocol value of `kind`. */
export function fromJson(kind, data, path = "$") {
  return codec(kind)[1](data, path);
}

/** Canonical JSON text of a protocol value. */
export function dumps(kind, value) {
  return canonicalJson(toJson(kind, value));
}

/** Parse strict JSON text (or UTF-8 bytes) into a protocol value of `kind`. */
export function loads(kind, text) {
  return fromJson(kind, parseJson(text));
}
