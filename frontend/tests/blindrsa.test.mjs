// RFC 9474 blind RSA, client side (protocol §7): the four Appendix A vectors replayed through
// @cloudflare/blindrsa-ts with the vector's salt and blinding factor, our wrapper's key policy, and
// a full round trip with the committed 3072-bit test key. The server's step (BlindSign) is done
// by a BigInt helper: the library's own takes seconds per 4096-bit signature and is not ours to use.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { BlindRSA, Params } from "@cloudflare/blindrsa-ts";
import * as C from "../crypto/index.js";
import { VECTORS, hex, readVectors, rsaBlindSign, text, unhex, withRandomValues } from "./helpers.mjs";

const RFC9474 = readVectors("rfc9474.json");
const subtle = globalThis.crypto.subtle;
const B = C.blindRsa;

const big = (h) => BigInt(h.startsWith("0x") ? h : "0x" + h);
const bytesOf = (value, length) => unhex(value.toString(16).padStart(2 * length, "0"));
const b64url = (value) => Buffer.from(value.toString(16).padStart(Math.ceil(value.toString(16).length / 2) * 2, "0"), "hex").toString("base64url");
const plain = (h) => (h.startsWith("0x") ? h.slice(2) : h);

function modInverse(a, m) {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

async function rfcKeys(v) {
  const [n, e, d, p, q] = [v.n, v.e, v.d, v.p, v.q].map(big);
  const jwk = { kty: "RSA", n: b64url(n), e: b64url(e), alg: "PS384", ext: true };
  const algorithm = { name: "RSA-PSS", hash: "SHA-384" };
  return {
    n,
    numbers: { n, e, d, p, q },
    publicKey: await subtle.importKey("jwk", jwk, algorithm, true, ["verify"]),
  };
}

function toPem(der) {
  const body = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

describe("RFC 9474 Appendix A vectors", () => {
  assert.equal(RFC9474.length, 4);
  for (const v of RFC9474) {
    test(`${v.name}: blind, blind-sign, finalize reproduce the vector`, async () => {
      const suite = new BlindRSA({ ...Object.values(Params).find((p) => p.name === v.name), supportsRSARAW: false });
      const { n, numbers, publicKey } = await rfcKeys(v);
      const kLen = 512;
      const message = unhex(plain(v.msg));
      const prepared = unhex(plain(v.input_msg));
      if (v.is_randomized === "0x01") assert.equal(hex(prepared), plain(v.msg_prefix) + plain(v.msg));
      else assert.equal(hex(prepared), hex(message));
      const r = modInverse(big(v.inv), n);
      const salt = unhex(plain(v.salt));
      assert.equal(salt.length, Number(big(v.sLen)));
      const { blindedMsg, inv } = await withRandomValues([salt, bytesOf(r, kLen)], () => suite.blind(publicKey, prepared));
      assert.equal(hex(blindedMsg), plain(v.blinded_msg));
      assert.equal(hex(inv), plain(v.inv).padStart(2 * kLen, "0"));
      const blindSig = rsaBlindSign(numbers, blindedMsg);
      assert.equal(hex(blindSig), plain(v.blind_sig));
      const signature = await suite.finalize(publicKey, prepared, blindSig, inv);
      assert.equal(hex(signature), plain(v.sig));
      assert.ok(await suite.verify(publicKey, signature, prepared));
    });
  }

  test("the RSABSSA-SHA384-PSS-Randomized vector through our wrapper", async () => {
    const v = RFC9474.find((x) => x.name === "RSABSSA-SHA384-PSS-Randomized");
    const { n, publicKey } = await rfcKeys(v);
    const key = await B.importPublicKey({ pem: toPem(await subtle.exportKey("spki", publicKey)) });
    assert.equal(key.bits, 4096);
    const prepared = B.prepare(unhex(plain(v.msg)), { prefix: unhex(plain(v.msg_prefix)) });
    assert.equal(hex(prepared), plain(v.input_msg));
    const r = bytesOf(modInverse(big(v.inv), n), 512);
    const { blindedMessage, inv } = await withRandomValues([unhex(plain(v.salt)), r], () => B.blind(key, prepared));
    assert.equal(hex(blindedMessage), plain(v.blinded_msg));
    const signature = await B.finalize(key, prepared, unhex(plain(v.blind_sig)), inv);
    assert.equal(hex(signature), plain(v.sig));
    await B.verify(key, prepared, signature);
  });
});

describe("blind RSA wrapper", () => {
  const pkcs8 = readFileSync(VECTORS + "blind-rsa-test-key.pem", "utf8");

  async function testKeys() {
    const der = Buffer.from(pkcs8.replace(/-----[^-]+-----|\s+/g, ""), "base64");
    const privateKey = await subtle.importKey("pkcs8", der, { name: "RSA-PSS", hash: "SHA-384" }, true, ["sign"]);
    const jwk = await subtle.exportKey("jwk", privateKey);
    const pub = await subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, ext: true }, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"]);
    const pem = toPem(await subtle.exportKey("spki", pub));
    const num = (field) => BigInt("0x" + Buffer.from(jwk[field], "base64url").toString("hex"));
    return { numbers: { n: num("n"), e: num("e"), d: num("d"), p: num("p"), q: num("q") }, pem };
  }

  test("prepare draws a fresh 32-byte prefix", () => {
    const message = text("credential key");
    const a = B.prepare(message);
    const b = B.prepare(message);
    assert.equal(a.length, 32 + message.length);
    assert.notEqual(hex(a.subarray(0, 32)), hex(b.subarray(0, 32)));
    assert.equal(hex(a.subarray(32)), hex(message));
    assert.throws(() => B.prepare(message, { prefix: new Uint8Array(31) }), C.CryptoError);
  });

  test("a full round trip with the 3072-bit test key verifies as standard RSA-PSS", async () => {
    const { numbers, pem } = await testKeys();
    const key = await B.importPublicKey(C.fromJson("blindRsaPublicKey", { pem }));
    assert.equal(key.bits, 3072);
    const prepared = B.prepare(text("mashwara credential public key"));
    const { blindedMessage, inv } = await B.blind(key, prepared);
    const blindSignature = rsaBlindSign(numbers, blindedMessage);
    const signature = await B.finalize(key, prepared, blindSignature, inv);
    await B.verify(key, prepared, signature);
    assert.ok(await subtle.verify({ name: "RSA-PSS", saltLength: 48 }, key.key, signature, prepared));
    // A bad reply from the server, or a signature over another message, is refused.
    const bad = blindSignature.slice();
    bad[100] ^= 1;
    await assert.rejects(B.finalize(key, prepared, bad, inv), C.InvalidSignature);
    await assert.rejects(B.verify(key, B.prepare(text("other")), signature), C.InvalidSignature);
  });

  test("keys under 3072 bits, with e ≠ 65537, or not RSA are refused", async () => {
    const generate = async (bits, e) => {
      const pair = await subtle.generateKey({ name: "RSA-PSS", modulusLength: bits, publicExponent: Uint8Array.from(e), hash: "SHA-384" }, true, ["sign", "verify"]);
      return toPem(await subtle.exportKey("spki", pair.publicKey));
    };
    await assert.rejects(B.importPublicKey(await generate(2048, [1, 0, 1])), /at least 3072/);
    await assert.rejects(B.importPublicKey(await generate(3072, [3])), /65537/);
    await assert.rejects(B.importPublicKey("not a pem"), C.InvalidKey);
    const ec = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    await assert.rejects(B.importPublicKey(toPem(await subtle.exportKey("spki", ec.publicKey))), C.InvalidKey);
    assert.throws(() => C.fromJson("blindRsaPublicKey", { pem: 1 }), C.InvalidEncoding);
  });
});
