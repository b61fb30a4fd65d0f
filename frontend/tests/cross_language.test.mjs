// The JS core reproduces every byte of tests/crypto/vectors/cross-language.json (written by the
// Python core with the deterministic nonces of protocol §9) and accepts every Python proof.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sha256 } from "@noble/hashes/sha2.js";
import * as C from "../crypto/index.js";
import { buildBallot, choicesMatch, cj, fingerprintOf, openBallot, sealedPart, sha256f, signBallot, trackerOf } from "../src/voting/election.js";
import { importIssuers, verifyCredential } from "../src/voting/issuer.js";
import { hex, readVectors, unhex, withRandomValues } from "./helpers.mjs";
import { entryHash } from "./voting_helpers.mjs";

const V = readVectors("cross-language.json");
const json = (kind, value) => C.canonicalJson(C.toJson(kind, value));
const same = (kind, value, expected) => assert.equal(json(kind, value), C.canonicalJson(expected));
const rngOf = (item) => new C.DeterministicNonces(unhex(item.seed));

function hashPart(part) {
  switch (part.type) {
    case "bytes":
      return unhex(part.hex);
    case "int":
      return C.int8(part.value);
    case "string":
      return part.value;
    case "point":
      return C.pointFromHex(part.hex);
    case "scalar":
      return C.encodeScalar(C.scalarFromHex(part.hex));
    default:
      throw new Error(`unknown part type ${part.type}`);
  }
}

describe("cross-language vectors from Python", () => {
  test("hash_to_scalar examples give the same scalars", () => {
    assert.ok(V.hash_to_scalar.length >= 4);
    for (const example of V.hash_to_scalar) {
      const out = C.hashToScalar(example.label, ...example.parts.map(hashPart));
      assert.equal(C.scalarHex(out), example.output, example.label);
    }
  });

  test("the §9 nonce stream is the same", () => {
    const rng = new C.DeterministicNonces(unhex(V.nonce_stream.seed));
    assert.deepEqual(V.nonce_stream.nonces.map(() => C.scalarHex(rng.draw())), V.nonce_stream.nonces);
  });

  test("ElGamal key pairs, nonces and ciphertexts are reproduced and decrypt", () => {
    for (const item of V.elgamal) {
      const rng = rngOf(item);
      const pair = C.generateKeyPair(rng);
      same("keyPair", pair, item.keypair);
      const { ciphertext, nonce } = C.encrypt(pair.public, item.message, rng);
      assert.equal(C.scalarHex(nonce), item.nonce);
      same("ciphertext", ciphertext, item.ciphertext);
      const theirs = C.fromJson("ciphertext", item.ciphertext);
      const point = C.decryptToPoint(C.fromJson("keyPair", item.keypair).secret, theirs);
      assert.ok(point.equals(C.baseMul(BigInt(item.message))));
    }
  });

  test("the homomorphic sum is reproduced", () => {
    const item = V.homomorphic_sum;
    const rng = rngOf(item);
    const pair = C.generateKeyPair(rng);
    same("keyPair", pair, item.keypair);
    const cts = [1, 0, 1, 1].map((m) => C.encrypt(pair.public, m, rng).ciphertext);
    cts.forEach((ct, i) => same("ciphertext", ct, item.ciphertexts[i]));
    same("ciphertext", C.addCiphertexts(cts), item.sum);
    same("ciphertext", C.addCiphertexts(item.ciphertexts.map((c) => C.fromJson("ciphertext", c))), item.sum);
  });

  test("the Schnorr proof of knowledge is reproduced and verifies", () => {
    const item = V.schnorr_pok;
    const rng = rngOf(item);
    const secret = rng.draw();
    assert.equal(C.scalarHex(secret), item.secret);
    assert.equal(C.pointHex(C.baseMul(secret)), item.public);
    const ctx = unhex(item.ctx);
    same("schnorrProof", C.proveKnowledge(ctx, secret, rng), item.proof);
    C.verifyKnowledge(ctx, C.pointFromHex(item.public), C.fromJson("schnorrProof", item.proof));
  });

  test("the credential signature is reproduced and verifies", () => {
    const item = V.credential_signature;
    const rng = rngOf(item);
    const secret = rng.draw();
    assert.equal(C.scalarHex(secret), item.secret);
    assert.equal(C.pointHex(C.baseMul(secret)), item.public);
    const ctx = unhex(item.ctx);
    const message = unhex(item.message);
    same("credentialSignature", C.signCredential(ctx, secret, message, rng), item.signature);
    C.verifyCredentialSignature(ctx, C.pointFromHex(item.public), message, C.fromJson("credentialSignature", item.signature));
  });

  test("every range proof is reproduced and verifies", () => {
    assert.ok(V.range_proofs.length >= 5);
    for (const item of V.range_proofs) {
      const rng = rngOf(item);
      const pair = C.generateKeyPair(rng);
      assert.equal(C.pointHex(pair.public), item.public_key);
      const { ciphertext, nonce } = C.encrypt(pair.public, item.value, rng);
      assert.equal(C.scalarHex(nonce), item.nonce);
      same("ciphertext", ciphertext, item.ciphertext);
      const ctx = unhex(item.ctx);
      const proof = C.proveRange(ctx, pair.public, ciphertext, item.value, nonce, item.low, item.high, rng);
      same("rangeProof", proof, item.proof);
      C.verifyRange(ctx, C.pointFromHex(item.public_key), C.fromJson("ciphertext", item.ciphertext), item.low, item.high, C.fromJson("rangeProof", item.proof));
    }
  });

  test("the decryption share and its proof are reproduced and verify", () => {
    const item = V.decryption_share;
    const rng = rngOf(item);
    const pair = C.generateKeyPair(rng);
    assert.equal(C.pointHex(pair.public), item.public_key);
    const { ciphertext } = C.encrypt(pair.public, 3, rng);
    same("ciphertext", ciphertext, item.ciphertext);
    const ctx = unhex(item.ctx);
    const { share, proof } = C.proveDecryptionShare(ctx, pair.secret, ciphertext, rng);
    assert.equal(C.pointHex(share), item.share);
    same("decryptionProof", proof, item.proof);
    C.verifyDecryptionShare(ctx, C.pointFromHex(item.public_key), C.fromJson("ciphertext", item.ciphertext), C.pointFromHex(item.share), C.fromJson("decryptionProof", item.proof));
  });

  for (const name of ["question", "question_implied_bounds"]) {
    test(`the encrypted question (${name}) is reproduced byte for byte and verifies`, { skip: V[name] === undefined }, () => {
      const item = V[name];
      const rng = rngOf(item);
      const pair = C.generateKeyPair(rng);
      assert.equal(C.pointHex(pair.public), item.public_key);
      const ctx = unhex(item.ctx);
      const question = C.encryptQuestion(ctx, pair.public, item.choices, item.min, item.max, rng);
      same("encryptedQuestion", question, item.question);
      const theirs = C.fromJson("encryptedQuestion", item.question);
      C.verifyQuestion(ctx, C.pointFromHex(item.public_key), theirs, item.options, item.min, item.max);
    });
  }

  test("the 2-of-3 ceremony is reproduced end to end and every proof verifies", () => {
    const item = V.ceremony;
    const rng = rngOf(item);
    const ctx = unhex(item.ctx);
    const trustees = [];
    for (let i = 1; i <= item.trustees; i++) trustees.push(C.createTrustee(ctx, i, item.threshold, rng));
    trustees.forEach(({ secrets, announcement }, i) => {
      same("trusteeSecrets", secrets, item.secrets[i]);
      same("trusteeAnnouncement", announcement, item.announcements[i]);
    });
    const secrets = new Map(trustees.map((t) => [t.secrets.trustee, t.secrets]));
    const announcements = trustees.map((t) => t.announcement);
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
    encrypted.forEach((share, i) => same("encryptedShare", share, item.encrypted_shares[i]));
    const joint = C.jointPublicKey(announcements);
    assert.equal(C.pointHex(joint), item.joint_public_key);
    const keys = C.verificationKeys(announcements, [...secrets.keys()]);
    for (const [i, key] of keys) assert.equal(C.pointHex(key), item.verification_keys[String(i)]);
    const shares = new Map([...secrets.keys()].map((i) => [i, C.combineSecretShare(secrets.get(i), received.get(i))]));
    for (const [i, s] of shares) assert.equal(C.scalarHex(s), item.secret_shares[String(i)]);
    const { ciphertext } = C.encrypt(joint, item.message, rng);
    same("ciphertext", ciphertext, item.ciphertext);
    const decryptionCtx = unhex(item.decryption_ctx);
    const partials = [...secrets.keys()].map((i) => C.partialDecrypt(decryptionCtx, i, shares.get(i), ciphertext, rng));
    partials.forEach((p, i) => same("decryptionShare", p, item.decryption_shares[i]));

    // Now everything as Python published it.
    const theirAnnouncements = item.announcements.map((a) => C.fromJson("trusteeAnnouncement", a));
    for (const a of theirAnnouncements) C.verifyAnnouncement(ctx, a, item.threshold);
    const theirSecrets = new Map(item.secrets.map((s) => [s.trustee, C.fromJson("trusteeSecrets", s)]));
    const theirByIndex = new Map(theirAnnouncements.map((a) => [a.trustee, a]));
    for (const data of item.encrypted_shares) {
      const share = C.fromJson("encryptedShare", data);
      C.openShare(ctx, theirSecrets.get(share.recipient), share, theirByIndex.get(share.sender));
    }
    const theirCiphertext = C.fromJson("ciphertext", item.ciphertext);
    const theirPartials = item.decryption_shares.map((d) => C.fromJson("decryptionShare", d));
    for (const p of theirPartials) C.verifyPartialDecryption(decryptionCtx, keys.get(p.trustee), theirCiphertext, p);
    for (const combination of item.combinations) {
      const lambdas = C.lagrangeCoefficients(combination.trustees);
      for (const [i, l] of lambdas) assert.equal(C.scalarHex(l), combination.lagrange[String(i)]);
      const chosen = theirPartials.filter((p) => combination.trustees.includes(p.trustee));
      const result = C.combineDecryptionShares(theirCiphertext, chosen, item.threshold);
      assert.equal(C.pointHex(result), combination.result);
      assert.equal(combination.result, item.plaintext_point);
    }
  });

  test("ballot v2: the sealed, audited and cast ballots and their board entries are reproduced byte for byte", async () => {
    const item = V.ballot;
    const { manifest } = item;
    const fingerprint = fingerprintOf(manifest);
    assert.equal(hex(fingerprint), item.fingerprint);
    assert.equal(hex(sha256f("board-genesis", fingerprint)), item.genesis);
    const rng = rngOf(item);
    const joint = C.generateKeyPair(rng);
    assert.equal(C.pointHex(joint.public), manifest.joint_public_key);
    const secret = rng.draw();
    assert.equal(C.scalarHex(secret), item.credential_secret);
    assert.equal(C.pointHex(C.baseMul(secret)), item.credential.key);
    await verifyCredential(await importIssuers(manifest), fingerprint, item.credential);

    // The audited ballot: sealed (no credential), its reveal opens it to the choices.
    const audited = buildBallot(manifest, fingerprint, item.audited.choices, rng);
    assert.equal(cj(audited.sealed).length, cj(item.audited.sealed).length);
    assert.deepEqual(audited.sealed, item.audited.sealed);
    assert.deepEqual(audited.reveal, item.audited.reveal);
    assert.equal(audited.tracker, item.audited.tracker);
    assert.deepEqual({ ballot: audited.sealed, reveal: audited.reveal }, item.audited.request);
    assert.ok(choicesMatch(manifest, item.audited.choices, openBallot(manifest, item.audited.sealed, item.audited.reveal)));
    assert.equal(item.audited.entry.previous, item.genesis);
    assert.equal(item.audited.entry.digest, hex(sha256(cj(item.audited.sealed))));
    assert.equal(entryHash(item.audited.entry), item.audited.entry.hash);

    // The cast ballot: a fresh sealed part, signed over the head after the audit.
    const cast = buildBallot(manifest, fingerprint, item.cast.choices, rng);
    assert.deepEqual(cast.sealed, item.cast.sealed);
    assert.deepEqual(cast.reveal, item.cast.reveal);
    assert.deepEqual(item.cast.head, { count: 1, hash: item.audited.entry.hash });
    const ballot = signBallot(fingerprint, cast.sealed, item.cast.head, { secret, credential: item.credential }, rng);
    assert.equal(C.canonicalJson(ballot), C.canonicalJson(item.cast.ballot));
    const unsigned = { ...item.cast.ballot };
    delete unsigned.signature;
    assert.equal(C.canonicalJson(unsigned), item.cast.signed_message);
    C.verifyCredentialSignature(fingerprint, C.pointFromHex(item.credential.key), cj(unsigned), C.fromJson("credentialSignature", item.cast.ballot.signature));
    assert.equal(trackerOf(item.cast.ballot), item.cast.tracker);
    assert.equal(trackerOf(sealedPart(item.cast.ballot)), cast.tracker);
    assert.equal(item.cast.entry.previous, item.audited.entry.hash);
    assert.equal(entryHash(item.cast.entry), item.cast.entry.hash);
  });

  test("the blind RSA vector: same blinded message, same final signature, and it verifies", async () => {
    const item = V.blind_rsa;
    const key = await C.blindRsa.importPublicKey(C.fromJson("blindRsaPublicKey", item.public_key));
    const message = unhex(item.message);
    const prepared = C.blindRsa.prepare(message, { prefix: unhex(item.prefix) });
    assert.equal(hex(prepared), item.prepared_message);
    const kLen = key.bits / 8;
    const r = unhex(item.r.padStart(2 * kLen, "0"));
    const { blindedMessage, inv } = await withRandomValues([unhex(item.salt), r], () => C.blindRsa.blind(key, prepared));
    assert.equal(hex(blindedMessage), item.blinded_message);
    assert.equal(BigInt("0x" + hex(inv)), BigInt("0x" + item.inv));
    const signature = await C.blindRsa.finalize(key, prepared, unhex(item.blind_signature), inv);
    assert.equal(hex(signature), item.signature);
    await C.blindRsa.verify(key, prepared, unhex(item.signature));
  });
});
