// ristretto255 encodings, scalars, the protocol hash and the nonce sources (protocol §1, §2, §9):
// RFC 9496 known answers and rejection of everything non-canonical.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ristretto255_hasher } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import * as C from "../crypto/index.js";
import { frame, framedDigest } from "../crypto/hash.js";
import { hex, readVectors, text, unhex } from "./helpers.mjs";

const RFC9496 = readVectors("rfc9496.json");
const ORDER = C.ORDER;

describe("RFC 9496 ristretto255", () => {
  test("the 16 small multiples of the generator encode as in RFC 9496 A.1", () => {
    assert.equal(RFC9496.multiples_of_generator.length, 16);
    RFC9496.multiples_of_generator.forEach((expected, k) => {
      assert.equal(C.pointHex(C.baseMul(BigInt(k))), expected, `${k}·G`);
      assert.equal(C.pointHex(C.mul(C.generator(), BigInt(k))), expected, `${k}·G variable-base`);
    });
  });

  test("the multiples decode and re-encode identically", () => {
    RFC9496.multiples_of_generator.forEach((encoding, k) => {
      const point = C.pointFromHex(encoding, { allowIdentity: k === 0 });
      assert.equal(C.pointHex(point), encoding);
      assert.ok(point.equals(C.baseMul(BigInt(k))));
    });
  });

  test("every invalid encoding of RFC 9496 A.2 is rejected", () => {
    assert.ok(RFC9496.invalid_encodings.length >= 20);
    for (const { hex: bad, reason } of RFC9496.invalid_encodings) {
      assert.throws(() => C.pointFromHex(bad, { allowIdentity: true }), C.InvalidPoint, `${bad} (${reason})`);
    }
  });

  test("element derivation from uniform bytes matches RFC 9496 A.3 (pins the library)", () => {
    for (const { label, output } of RFC9496.hash_to_group) {
      const point = ristretto255_hasher.deriveToCurve(sha512(text(label)));
      assert.equal(point.toHex(), output);
    }
  });

  test("an encoding with the top bit of the last byte set is rejected", () => {
    const g = C.encodePoint(C.generator());
    g[31] |= 0x80;
    assert.throws(() => C.decodePoint(g), C.InvalidPoint);
  });

  test("the identity is rejected unless explicitly allowed", () => {
    assert.throws(() => C.decodePoint(new Uint8Array(32)), /identity/);
    assert.ok(C.decodePoint(new Uint8Array(32), { allowIdentity: true }).is0());
  });

  test("points must be exactly 32 bytes of lowercase hex", () => {
    const g = C.pointHex(C.generator());
    for (const bad of [g.toUpperCase(), "0x" + g.slice(2), g.slice(2), g + "00", 42, null, g.replace("e", "g")]) {
      assert.throws(() => C.pointFromHex(bad), C.InvalidPoint);
    }
    assert.throws(() => C.decodePoint(new Uint8Array(31)), C.InvalidPoint);
  });

  test("encodePoint returns a copy: mutating it does not change the point", () => {
    const g = C.generator();
    const bytes = C.encodePoint(g);
    bytes[0] ^= 1;
    assert.equal(C.pointHex(g), RFC9496.multiples_of_generator[1]);
  });
});

describe("scalars", () => {
  test("scalars are 32 bytes little-endian", () => {
    assert.equal(C.scalarHex(1n), "01" + "00".repeat(31));
    assert.equal(C.scalarHex(0x0102n), "0201" + "00".repeat(30));
    assert.equal(C.scalarFromHex("ff" + "00".repeat(31)), 255n);
    assert.equal(C.scalarHex(ORDER - 1n), "ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  });

  test("values ≥ ℓ are rejected as non-canonical", () => {
    const ell = C.scalarHex(ORDER - 1n).replace(/^ec/, "ed");
    assert.throws(() => C.scalarFromHex(ell), /not canonical/);
    assert.throws(() => C.scalarFromHex("ff".repeat(32)), C.InvalidScalar);
    assert.throws(() => C.encodeScalar(ORDER), C.InvalidScalar);
    assert.throws(() => C.encodeScalar(-1n), C.InvalidScalar);
  });

  test("scalar hex must be exact lowercase", () => {
    assert.throws(() => C.scalarFromHex("AB" + "00".repeat(31)), C.InvalidScalar);
    assert.throws(() => C.scalarFromHex("00".repeat(31)), C.InvalidScalar);
    assert.throws(() => C.decodeScalar(new Uint8Array(33)), C.InvalidScalar);
  });

  test("random scalars are in [1, ℓ) and differ", () => {
    const seen = new Set();
    for (let i = 0; i < 50; i++) {
      const k = C.randomScalar();
      assert.ok(k >= 1n && k < ORDER);
      seen.add(k);
    }
    assert.equal(seen.size, 50);
    assert.ok(new C.SystemNonces().draw() > 0n);
  });
});

describe("protocol hash (§2)", () => {
  test("frame prefixes a 4-byte big-endian length", () => {
    assert.equal(hex(frame(text("ab"))), "000000026162");
    assert.equal(hex(frame(new Uint8Array(0))), "00000000");
  });

  test("H is SHA-512 of the framed label and parts, little-endian mod ℓ", () => {
    const parts = [text("x"), C.int8(7)];
    const expected = sha512(
      Uint8Array.from([...frame(text("mashwara/v1/label")), ...frame(parts[0]), ...frame(parts[1])]),
    );
    assert.equal(hex(framedDigest("label", parts)), hex(expected));
    let value = 0n;
    for (let i = 63; i >= 0; i--) value = (value << 8n) | BigInt(expected[i]);
    assert.equal(C.hashToScalar("label", ...parts), value % ORDER);
  });

  test("framing makes the encoding injective", () => {
    assert.notEqual(C.hashToScalar("l", text("ab"), text("c")), C.hashToScalar("l", text("a"), text("bc")));
    assert.notEqual(C.hashToScalar("l", text("")), C.hashToScalar("l"));
  });

  test("strings hash as UTF-8 and points as their encoding", () => {
    assert.equal(C.hashToScalar("l", "مشوره"), C.hashToScalar("l", text("مشوره")));
    assert.equal(C.hashToScalar("l", C.generator()), C.hashToScalar("l", C.encodePoint(C.generator())));
  });

  test("integers and scalars must be encoded explicitly", () => {
    assert.throws(() => C.hashToScalar("l", 5), TypeError);
    assert.throws(() => C.hashToScalar("l", 5n), TypeError);
    assert.equal(hex(C.int8(2n ** 64n - 1n)), "ff".repeat(8));
    assert.equal(hex(C.int8(258)), "0000000000000102");
    assert.throws(() => C.int8(2n ** 64n), RangeError);
    assert.throws(() => C.int8(-1), RangeError);
    assert.throws(() => C.int8(1.5), RangeError);
  });

  test("deterministic nonces follow H(\"test-nonce\", seed, int k) and count their draws", () => {
    const seed = text("seed");
    const rng = new C.DeterministicNonces(seed);
    assert.equal(rng.draw(), C.hashToScalar("test-nonce", seed, C.int8(0)));
    assert.equal(rng.draw(), C.hashToScalar("test-nonce", seed, C.int8(1)));
    assert.equal(rng.count, 2);
    assert.throws(() => new C.DeterministicNonces("seed"), TypeError);
  });
});

describe("bytes", () => {
  test("hex is strict lowercase", () => {
    assert.deepEqual(C.hexToBytes("00ff"), unhex("00ff"));
    assert.throws(() => C.hexToBytes("0"), C.InvalidEncoding);
    assert.throws(() => C.hexToBytes("FF"), C.InvalidEncoding);
    assert.throws(() => C.hexToBytes("zz"), C.InvalidEncoding);
  });

  test("equalBytes compares content and length", () => {
    assert.ok(C.equalBytes(unhex("0102"), unhex("0102")));
    assert.ok(!C.equalBytes(unhex("0102"), unhex("0103")));
    assert.ok(!C.equalBytes(unhex("01"), unhex("0102")));
  });
});
