// Write tests/crypto/vectors/from-js.json: deterministic vectors made by the browser core, which
// tests/crypto/test_js_vectors.py reproduces and verifies with the Python core (the reverse of
// cross-language.json). Run `node frontend/tests/make_js_vectors.mjs`.
//
// Every "random" scalar comes from the protocol §9 stream nonce_k = H("test-nonce", seed, int k),
// one stream per vector, drawn in the order its `draws` field states. The blind RSA vector uses the
// committed test key tests/crypto/vectors/blind-rsa-test-key.pem and a prefix, salt and blinding
// factor expanded by SHA-512 from fixed labels; the server's step is the test helper's RSA.

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sha256 as sha256Bytes, sha512 } from "@noble/hashes/sha2.js";
import * as C from "../crypto/index.js";
import { buildBallot, cj, credentialMessage, fingerprintOf, sha256f, signBallot, trackerOf } from "../src/voting/election.js";
import { VECTORS, hex, rsaBlindSign, text, withRandomValues } from "./helpers.mjs";
import { entryHash } from "./voting_helpers.mjs";

export const OUTPUT = `${VECTORS}from-js.json`;

const seed = (name) => text(`mashwara-js-vector/${name}`);
const rngFor = (name) => new C.DeterministicNonces(seed(name));
const json = (kind, value) => C.toJson(kind, value);
const sha256 = async (label) => new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", text(label)));

function hashExamples() {
  const examples = [
    ["schnorr-pok", []],
    ["range", [{ type: "bytes", hex: "" }]],
    ["decryption-share", [{ type: "int", value: 0 }, { type: "int", value: 2 ** 53 - 1 }]],
    [
      "credential-signature",
      [
        { type: "string", value: "رای مخفی — secret ballot" },
        { type: "point", hex: C.pointHex(C.baseMul(5n)) },
        { type: "scalar", hex: C.scalarHex(C.ORDER - 1n) },
        { type: "bytes", hex: "ff00".repeat(33) },
      ],
    ],
  ];
  const encode = (part) => {
    if (part.type === "bytes") return C.hexToBytes(part.hex);
    if (part.type === "int") return C.int8(part.value);
    if (part.type === "string") return part.value;
    if (part.type === "point") return C.pointFromHex(part.hex);
    return C.encodeScalar(C.scalarFromHex(part.hex));
  };
  return examples.map(([label, parts]) => ({ label, parts, output: C.scalarHex(C.hashToScalar(label, ...parts.map(encode))) }));
}

function elgamal() {
  return [0, 1, 7, 1_000_000].map((message) => {
    const name = `encryption-${message}`;
    const rng = rngFor(name);
    const pair = C.generateKeyPair(rng);
    const { ciphertext, nonce } = C.encrypt(pair.public, message, rng);
    return {
      seed: hex(seed(name)),
      draws: "secret key x, encryption nonce r",
      keypair: json("keyPair", pair),
      message,
      nonce: C.scalarHex(nonce),
      ciphertext: json("ciphertext", ciphertext),
    };
  });
}

function homomorphicSum() {
  const rng = rngFor("homomorphic-sum");
  const pair = C.generateKeyPair(rng);
  const messages = [0, 1, 1, 0, 1];
  const cts = messages.map((m) => C.encrypt(pair.public, m, rng).ciphertext);
  return {
    seed: hex(seed("homomorphic-sum")),
    draws: "secret key x, then r for each message in order",
    keypair: json("keyPair", pair),
    messages,
    ciphertexts: cts.map((c) => json("ciphertext", c)),
    sum: json("ciphertext", C.addCiphertexts(cts)),
  };
}

function schnorr(ctx) {
  const rng = rngFor("schnorr-pok");
  const secret = rng.draw();
  return {
    seed: hex(seed("schnorr-pok")),
    draws: "secret x, proof nonce w",
    ctx: hex(ctx),
    secret: C.scalarHex(secret),
    public: C.pointHex(C.baseMul(secret)),
    proof: json("schnorrProof", C.proveKnowledge(ctx, secret, rng)),
  };
}

function credential(ctx) {
  const rng = rngFor("credential-signature");
  const secret = rng.draw();
  const message = text('{"ballot":"from the browser","question":"مشوره"}');
  return {
    seed: hex(seed("credential-signature")),
    draws: "credential secret k, signature nonce w",
    ctx: hex(ctx),
    secret: C.scalarHex(secret),
    public: C.pointHex(C.baseMul(secret)),
    message: hex(message),
    signature: json("credentialSignature", C.signCredential(ctx, secret, message, rng)),
  };
}

function rangeProofs() {
  const ctx = text("js range ctx");
  return [
    [0, 0, 1],
    [1, 0, 1],
    [3, 2, 5],
    [0, 0, 0],
    [9, 0, 12],
    [63, 0, 63],
  ].map(([value, low, high]) => {
    const name = `range-${value}-${low}-${high}`;
    const rng = rngFor(name);
    const pair = C.generateKeyPair(rng);
    const { ciphertext, nonce } = C.encrypt(pair.public, value, rng);
    return {
      seed: hex(seed(name)),
      draws: "secret key x, encryption nonce r, then the range proof's draws (§4.3)",
      ctx: hex(ctx),
      public_key: C.pointHex(pair.public),
      value,
      low,
      high,
      nonce: C.scalarHex(nonce),
      ciphertext: json("ciphertext", ciphertext),
      proof: json("rangeProof", C.proveRange(ctx, pair.public, ciphertext, value, nonce, low, high, rng)),
    };
  });
}

function decryptionShare() {
  const rng = rngFor("decryption-share");
  const pair = C.generateKeyPair(rng);
  const { ciphertext } = C.encrypt(pair.public, 11, rng);
  const ctx = text("js decrypt ctx");
  const { share, proof } = C.proveDecryptionShare(ctx, pair.secret, ciphertext, rng);
  return {
    seed: hex(seed("decryption-share")),
    draws: "secret key x, encryption nonce r (message 11), proof nonce w",
    ctx: hex(ctx),
    public_key: C.pointHex(pair.public),
    ciphertext: json("ciphertext", ciphertext),
    share: C.pointHex(share),
    proof: json("decryptionProof", proof),
  };
}

async function questions() {
  const cases = [
    ["question-bounded", [1, 0, 1, 0, 0], 1, 3],
    ["question-approval", [0, 1, 1, 0, 1, 0], 0, 6],
    ["question-exactly-one", [0, 0, 1], 1, 1],
  ];
  const out = [];
  for (const [name, choices, min, max] of cases) {
    const rng = rngFor(name);
    const pair = C.generateKeyPair(rng);
    const ctx = await sha256(`js ${name} ctx`);
    const question = C.encryptQuestion(ctx, pair.public, choices, min, max, rng);
    out.push({
      seed: hex(seed(name)),
      draws: "secret key x, then the question's draws (§5)",
      ctx: hex(ctx),
      public_key: C.pointHex(pair.public),
      options: choices.length,
      min,
      max,
      choices,
      question: json("encryptedQuestion", question),
    });
  }
  return out;
}

async function ceremony() {
  const rng = rngFor("ceremony-3-of-4");
  const ctx = await sha256("js ceremony ctx");
  const threshold = 3;
  const count = 4;
  const trustees = [];
  for (let i = 1; i <= count; i++) trustees.push(C.createTrustee(ctx, i, threshold, rng));
  const announcements = trustees.map((t) => t.announcement);
  const secrets = new Map(trustees.map((t) => [t.secrets.trustee, t.secrets]));
  const byIndex = new Map(announcements.map((a) => [a.trustee, a]));
  const received = new Map([...secrets.keys()].map((i) => [i, new Map()]));
  const encrypted = [];
  for (const sender of secrets.values()) {
    for (const recipient of secrets.keys()) {
      if (recipient === sender.trustee) continue;
      const share = C.encryptShare(ctx, sender, recipient, byIndex.get(recipient).communicationKey, rng);
      encrypted.push(share);
      received.get(recipient).set(sender.trustee, C.openShare(ctx, secrets.get(recipient), share, byIndex.get(sender.trustee)));
    }
  }
  const joint = C.jointPublicKey(announcements);
  const keys = C.verificationKeys(announcements, [...secrets.keys()]);
  const shares = new Map([...secrets.keys()].map((i) => [i, C.combineSecretShare(secrets.get(i), received.get(i))]));
  const message = 1234;
  const { ciphertext } = C.encrypt(joint, message, rng);
  const decryptionCtx = C.concatBytes(ctx, text("tally"));
  // Trustee 3 is absent at decryption time.
  const present = [1, 2, 4];
  const partials = present.map((i) => C.partialDecrypt(decryptionCtx, i, shares.get(i), ciphertext, rng));
  const combinations = [[1, 2, 4], [2, 4, 1]].map((subset) => ({
    trustees: subset,
    lagrange: Object.fromEntries([...C.lagrangeCoefficients(subset)].map(([i, l]) => [String(i), C.scalarHex(l)])),
    result: C.pointHex(C.combineDecryptionShares(ciphertext, partials.filter((p) => subset.includes(p.trustee)), threshold)),
  }));
  return {
    seed: hex(seed("ceremony-3-of-4")),
    draws:
      "trustee 1, 2, 3, 4 in turn (a_0..a_{k-1}, their proof nonces, e_i, its proof nonce); then one rho per" +
      " encrypted share in the listed order; then the nonce r of the ciphertext (message 1234 under the joint" +
      " key); then one proof nonce per decryption share, trustees 1, 2, 4 (trustee 3 absent)",
    ctx: hex(ctx),
    decryption_ctx: hex(decryptionCtx),
    threshold,
    trustees: count,
    secrets: [...secrets.values()].map((s) => json("trusteeSecrets", s)),
    announcements: announcements.map((a) => json("trusteeAnnouncement", a)),
    encrypted_shares: encrypted.map((e) => json("encryptedShare", e)),
    secret_shares: Object.fromEntries([...shares].map(([i, s]) => [String(i), C.scalarHex(s)])),
    joint_public_key: C.pointHex(joint),
    verification_keys: Object.fromEntries([...keys].map(([i, k]) => [String(i), C.pointHex(k)])),
    message,
    ciphertext: json("ciphertext", ciphertext),
    decryption_shares: partials.map((p) => json("decryptionShare", p)),
    combinations,
    plaintext_point: C.pointHex(C.baseMul(BigInt(message))),
  };
}

function expand(label, length) {
  const out = new Uint8Array(Math.ceil(length / 64) * 64);
  for (let i = 0; i * 64 < length; i++) out.set(sha512(C.concatBytes(text(label), Uint8Array.of(i))), i * 64);
  return out.subarray(0, length);
}

/** The committed test issuer key: its public key (PEM, and imported) and private numbers. */
async function testIssuer() {
  const pkcs8 = readFileSync(`${VECTORS}blind-rsa-test-key.pem`, "utf8");
  const der = Buffer.from(pkcs8.replace(/-----[^-]+-----|\s+/g, ""), "base64");
  const algorithm = { name: "RSA-PSS", hash: "SHA-384" };
  const subtle = globalThis.crypto.subtle;
  const jwk = await subtle.exportKey("jwk", await subtle.importKey("pkcs8", der, algorithm, true, ["sign"]));
  const publicKey = await subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, ext: true }, algorithm, true, ["verify"]);
  const spki = Buffer.from(await subtle.exportKey("spki", publicKey)).toString("base64").replace(/(.{64})/g, "$1\n");
  const pem = `-----BEGIN PUBLIC KEY-----\n${spki}\n-----END PUBLIC KEY-----\n`;
  const key = await C.blindRsa.importPublicKey({ pem });
  const num = (field) => BigInt("0x" + Buffer.from(jwk[field], "base64url").toString("hex"));
  const numbers = { n: num("n"), e: num("e"), d: num("d"), p: num("p"), q: num("q") };
  return { pem, key, numbers, kLen: key.bits / 8 };
}

async function blindRsaVector() {
  const { pem, key, numbers, kLen } = await testIssuer();
  const message = text("mashwara credential public key, from the browser");
  const prefix = expand("mashwara-js-vector/rsa-prefix", 32);
  const salt = expand("mashwara-js-vector/rsa-salt", 48);
  const r = BigInt("0x" + hex(expand("mashwara-js-vector/rsa-r", kLen))) % numbers.n;
  const rBytes = C.hexToBytes(r.toString(16).padStart(2 * kLen, "0"));
  const prepared = C.blindRsa.prepare(message, { prefix });
  const { blindedMessage, inv } = await withRandomValues([salt, rBytes], () => C.blindRsa.blind(key, prepared));
  const blindSignature = rsaBlindSign(numbers, blindedMessage);
  const signature = await C.blindRsa.finalize(key, prepared, blindSignature, inv);
  return {
    variant: "RSABSSA-SHA384-PSS-Randomized",
    note: "private key: tests/crypto/vectors/blind-rsa-test-key.pem",
    public_key: json("blindRsaPublicKey", { pem }),
    message: hex(message),
    prefix: hex(prefix),
    prepared_message: hex(prepared),
    salt: hex(salt),
    r: r.toString(16),
    inv: BigInt("0x" + hex(inv)).toString(16),
    blinded_message: hex(blindedMessage),
    blind_signature: hex(blindSignature),
    signature: hex(signature),
  };
}

/**
 * Ballot format v2 (docs/elections.md §4–§5), laid out as tests/crypto/make_vectors.py's
 * `ballot`: an audited sealed ballot, then a cast one naming the board head after the audit,
 * both as board entries chained from the genesis. Choices are written as both clients take
 * them (a ranked choice is the full order, best first); the credential is blind-signed by the test
 * issuer key with prefix, salt and r expanded from fixed labels.
 */
async function ballotVector() {
  const { pem, key, numbers, kLen } = await testIssuer();
  const rng = rngFor("ballot-v2");
  const joint = C.generateKeyPair(rng);
  const label = (en) => ({ en });
  const manifest = {
    protocol: "mashwara/v1",
    questions: [
      { type: "single", blank: true, options: [label("Yes"), label("No")].map((l) => ({ label: l })) },
      { type: "approval", min: 0, max: 4, options: ["a", "b", "c", "d"].map((l) => ({ label: label(l) })) },
      { type: "ranked", options: ["w", "x", "y", "z"].map((l) => ({ label: label(l) })) },
    ],
    joint_public_key: C.pointHex(joint.public),
    trustees: { threshold: 1, names: ["t1"] },
    issuers: { threshold: 1, keys: [{ trustee: 1, pem: json("blindRsaPublicKey", { pem }).pem }] },
  };
  const fingerprint = fingerprintOf(manifest);
  const secret = rng.draw();
  const prefix = expand("mashwara-js-vector/ballot-rsa-prefix", 32);
  const salt = expand("mashwara-js-vector/ballot-rsa-salt", 48);
  const r = BigInt("0x" + hex(expand("mashwara-js-vector/ballot-rsa-r", kLen))) % numbers.n;
  const prepared = C.blindRsa.prepare(credentialMessage(fingerprint, C.encodePoint(C.baseMul(secret))), { prefix });
  const rBytes = C.hexToBytes(r.toString(16).padStart(2 * kLen, "0"));
  const { blindedMessage, inv } = await withRandomValues([salt, rBytes], () => C.blindRsa.blind(key, prepared));
  const signature = await C.blindRsa.finalize(key, prepared, rsaBlindSign(numbers, blindedMessage), inv);
  const credential = { key: C.pointHex(C.baseMul(secret)), signatures: [{ issuer: 1, prefix: hex(prefix), signature: hex(signature) }] };
  const hour = "2026-01-01T10:00:00Z";
  const genesis = sha256f("board-genesis", fingerprint);

  const entry = (position, kind, previous, ballot, reveal) => {
    const tracker = trackerOf(ballot);
    const digest = hex(sha256Bytes(cj(ballot)));
    const made = { position, kind, hour, tracker, digest, ballot, reveal, previous: hex(previous), hash: "" };
    return { ...made, hash: entryHash(made) };
  };
  const auditedChoices = [[], [0, 3], [3, 1, 0, 2]];
  const audited = buildBallot(manifest, fingerprint, auditedChoices, rng);
  const auditedEntry = entry(1, "audited", genesis, audited.sealed, audited.reveal);
  const head = { count: 1, hash: auditedEntry.hash };
  const castChoices = [[1], [], [0, 1, 2, 3]];
  const cast = buildBallot(manifest, fingerprint, castChoices, rng);
  const ballot = signBallot(fingerprint, cast.sealed, head, { secret, credential }, rng);
  const unsigned = { ...ballot };
  delete unsigned.signature;
  const castEntry = entry(2, "ballot", C.hexToBytes(auditedEntry.hash), ballot, null);
  return {
    seed: hex(seed("ballot-v2")),
    draws:
      "joint secret key x; credential secret k; then the audited ballot: its nonce (the 32-byte encoding of one draw)," +
      " then each question in order: single and approval draw as encrypt_question (§5), ranked as encrypt_ranking" +
      " (protocol §5.1: pairs, positions, places, links); then the cast ballot the same way (nonce, questions); then" +
      " the credential signature's nonce w",
    manifest,
    fingerprint: hex(fingerprint),
    credential_secret: C.scalarHex(secret),
    credential,
    credential_rsa: { salt: hex(salt), r: r.toString(16) },
    genesis: hex(genesis),
    hour,
    audited: {
      choices: auditedChoices,
      sealed: audited.sealed,
      reveal: audited.reveal,
      tracker: audited.tracker,
      request: { ballot: audited.sealed, reveal: audited.reveal },
      entry: auditedEntry,
    },
    cast: {
      choices: castChoices,
      sealed: cast.sealed,
      reveal: cast.reveal,
      head,
      signed_message: C.canonicalJson(unsigned),
      ballot,
      tracker: castEntry.tracker,
      entry: castEntry,
    },
  };
}

export async function buildVectors() {
  const ctx = await sha256("js election fingerprint");
  return {
    protocol: "mashwara/v1",
    note: "Generated by frontend/tests/make_js_vectors.mjs; see docs/protocol.md §9.",
    hash_to_scalar: hashExamples(),
    elgamal: elgamal(),
    homomorphic_sum: homomorphicSum(),
    schnorr_pok: schnorr(ctx),
    credential_signature: credential(ctx),
    range_proofs: rangeProofs(),
    decryption_share: decryptionShare(),
    questions: await questions(),
    ceremony: await ceremony(),
    blind_rsa: await blindRsaVector(),
    ballot: await ballotVector(),
  };
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

/** The file's text: sorted keys, one-space indent, UTF-8, trailing newline (like Python's). */
export function render(vectors) {
  return JSON.stringify(sortKeys(vectors), null, 1) + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT, render(await buildVectors()), "utf8");
  console.log(`wrote ${OUTPUT}`);
}
