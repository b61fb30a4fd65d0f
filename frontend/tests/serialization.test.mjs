// Canonical JSON and the strict readers (protocol §10): the byte form matches Python's
// canonical_json, and every malformed object is refused with the path of the offending field.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as C from "../crypto/index.js";
import { text } from "./helpers.mjs";

const rng = new C.DeterministicNonces(text("js-tests/serialization"));
const pair = C.generateKeyPair(rng);
const ctx = text("ctx");

describe("canonical JSON", () => {
  test("matches Python's canonical_json byte for byte on awkward input", () => {
    const value = {
      b: [1, -2, 0],
      a: 'x"\\\n\t\u0001\u007f é مشوره 😀 \u2028',
      "\ue000": 1,
      "😀": 2,
      A: null,
      t: true,
      f: false,
      e: {},
    };
    // Output of voting.crypto.serialization.canonical_json for the same value.
    const python =
      '{"A":null,"a":"x\\"\\\\\\n\\t\\u0001\u007f \u00e9 \u0645\u0634\u0648\u0631\u0647 \ud83d\ude00 \u2028","b":[1,-2,0],"e":{},"f":false,"t":true,"\ue000":1,"\ud83d\ude00":2}';
    assert.equal(C.canonicalJson(value), python);
  });

  test("refuses floats, lone surrogates and non-JSON values", () => {
    assert.throws(() => C.canonicalJson({ a: 1.5 }), C.InvalidEncoding);
    assert.throws(() => C.canonicalJson(NaN), C.InvalidEncoding);
    assert.throws(() => C.canonicalJson("\ud800"), C.InvalidEncoding);
    assert.throws(() => C.canonicalJson(undefined), TypeError);
    assert.throws(() => C.canonicalJson(new Map()), TypeError);
    assert.equal(C.canonicalJson(-0), "0");
    assert.equal(C.canonicalJson(2n ** 64n - 1n), "18446744073709551615");
  });
});

describe("strict JSON text", () => {
  test("parses ordinary JSON", () => {
    assert.deepEqual(C.parseJson(' {"a": [1, -2, {"b": null}], "c": "\\u00e9\\n"} '), { a: [1, -2, { b: null }], c: "é\n" });
    assert.deepEqual(C.parseJson(text('{"x":true}')), { x: true });
  });

  test("refuses duplicate keys, floats, exponents, NaN, trailing data and a BOM", () => {
    for (const bad of ['{"a":1,"a":2}', '{"a":1.0}', '{"a":1e3}', '{"a":NaN}', '{"a":Infinity}', "[1] x", "\ufeff[1]", "[01]", '{"a":1,}', "[1,]", '"\u0001"', "", '{"a":9007199254740993}']) {
      assert.throws(() => C.parseJson(bad), C.InvalidEncoding, JSON.stringify(bad));
    }
    assert.throws(() => C.parseJson(Uint8Array.of(0xff, 0xfe)), C.InvalidEncoding);
    assert.throws(() => C.parseJson("[".repeat(100) + "]".repeat(100)), /too deep/);
  });

  test("a __proto__ key is an ordinary key", () => {
    const value = C.parseJson('{"__proto__":{"polluted":1}}');
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ["__proto__"]);
    assert.equal({}.polluted, undefined);
  });
});

describe("protocol objects", () => {
  const { ciphertext } = C.encrypt(pair.public, 1, rng);
  const question = C.encryptQuestion(ctx, pair.public, [1, 0], 1, 1, rng);

  test("every kind round-trips through canonical JSON", () => {
    const trustee = C.createTrustee(ctx, 1, 2, rng);
    const other = C.createTrustee(ctx, 2, 2, rng);
    const share = C.encryptShare(ctx, trustee.secrets, 2, other.announcement.communicationKey, rng);
    const values = {
      point: pair.public,
      scalar: pair.secret,
      ciphertext,
      keyPair: pair,
      schnorrProof: C.proveKnowledge(ctx, pair.secret, rng),
      credentialSignature: C.signCredential(ctx, pair.secret, text("m"), rng),
      rangeProof: question.proofs[0],
      encryptedQuestion: question,
      trusteeAnnouncement: trustee.announcement,
      trusteeSecrets: trustee.secrets,
      encryptedShare: share,
      complaint: { sender: 1, recipient: 2 },
      shareReveal: C.revealShare(trustee.secrets, { sender: 1, recipient: 2 }),
      decryptionShare: C.partialDecrypt(ctx, 1, pair.secret, ciphertext, rng),
      decryptionProof: C.proveDecryptionShare(ctx, pair.secret, ciphertext, rng).proof,
      ...(({ answer, opening }) => ({ encryptedRanking: answer, rankingOpening: opening }))(
        C.encryptRankingWithOpening(ctx, pair.public, [1, 0], rng),
      ),
    };
    for (const [kind, value] of Object.entries(values)) {
      const once = C.dumps(kind, value);
      assert.equal(C.dumps(kind, C.loads(kind, once)), once, kind);
    }
    assert.deepEqual(C.KIND_NAMES.filter((k) => !(k in values)), ["blindRsaPublicKey"]);
  });

  test("exact key sets: a missing or extra key is refused with its path", () => {
    const data = C.toJson("encryptedQuestion", question);
    assert.throws(() => C.fromJson("encryptedQuestion", { ...data, extra: 1 }), /\$: expected exactly the keys/);
    const { sum_proof: _drop, ...missing } = data;
    assert.throws(() => C.fromJson("encryptedQuestion", missing), C.InvalidEncoding);
    const ct = { ...data.ciphertexts[1], c: "00" };
    assert.throws(() => C.fromJson("encryptedQuestion", { ...data, ciphertexts: [data.ciphertexts[0], ct] }), /\$\.ciphertexts\[1\]/);
  });

  test("integers are numbers, never strings, booleans or floats", () => {
    for (const bad of ["1", true, 1.5, 0, 2 ** 32]) {
      assert.throws(() => C.fromJson("complaint", { sender: bad, recipient: 2 }), /\$\.sender/);
    }
    assert.throws(() => C.fromJson("complaint", { sender: 2, recipient: 2 }), /must differ/);
  });

  test("hex must be lowercase and of the exact length; points and scalars must be canonical", () => {
    const data = C.toJson("ciphertext", ciphertext);
    assert.throws(() => C.fromJson("ciphertext", { ...data, a: data.a.toUpperCase() }), C.InvalidPoint);
    assert.throws(() => C.fromJson("ciphertext", { ...data, a: data.a.slice(2) }), /\$\.a/);
    const proof = C.toJson("schnorrProof", C.proveKnowledge(ctx, pair.secret, rng));
    assert.throws(() => C.fromJson("schnorrProof", { ...proof, s: "ff".repeat(32) }), C.InvalidScalar);
  });

  test("the identity is allowed in ciphertexts only", () => {
    const zero = "00".repeat(32);
    const ct = C.fromJson("ciphertext", { a: zero, b: zero });
    assert.ok(ct.a.is0() && ct.b.is0());
    assert.throws(() => C.fromJson("point", zero), /identity/);
    const d = C.toJson("decryptionShare", C.partialDecrypt(ctx, 1, pair.secret, ciphertext, rng));
    assert.throws(() => C.fromJson("decryptionShare", { ...d, d: zero }), /\$\.d: .*identity/);
    const trustee = C.createTrustee(ctx, 1, 1, rng);
    const a = C.toJson("trusteeAnnouncement", trustee.announcement);
    assert.throws(() => C.fromJson("trusteeAnnouncement", { ...a, commitments: [zero] }), /commitments\[0\]/);
    assert.throws(() => C.fromJson("trusteeAnnouncement", { ...a, communication_key: zero }), /communication_key/);
  });

  test("range proofs have 1–64 equal-length lists; questions one proof per ciphertext", () => {
    const s = C.scalarHex(1n);
    assert.throws(() => C.fromJson("rangeProof", { c: [], s: [] }), C.InvalidEncoding);
    assert.throws(() => C.fromJson("rangeProof", { c: [s], s: [s, s] }), /as many responses/);
    assert.throws(() => C.fromJson("rangeProof", { c: Array(65).fill(s), s: Array(65).fill(s) }), C.InvalidEncoding);
    const data = C.toJson("encryptedQuestion", question);
    assert.throws(() => C.fromJson("encryptedQuestion", { ...data, proofs: data.proofs.slice(1) }), /one proof per ciphertext/);
  });

  test("a key pair whose public key does not match its secret is refused", () => {
    const data = C.toJson("keyPair", pair);
    assert.throws(() => C.fromJson("keyPair", { ...data, public: C.pointHex(C.generator()) }), /does not match/);
  });

  test("unknown kinds are a programming error", () => {
    assert.throws(() => C.toJson("ballot", {}), TypeError);
    assert.throws(() => C.fromJson("toString", {}), TypeError);
  });
});
