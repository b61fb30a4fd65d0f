// Shared fixtures of the voting client tests (not a test file itself).

import { readFileSync } from "node:fs";
import { BlindRSA, Params } from "@cloudflare/blindrsa-ts";
import { bytesToHex, hexToBytes } from "../crypto/bytes.js";
import { generateKeyPair } from "../crypto/elgamal.js";
import { pointHex } from "../crypto/group.js";
import { signingCredential } from "../src/voting/credential-store.js";
import { finishRequest, startRequest } from "../src/voting/credential.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { cj, sha256f } from "../src/voting/election.js";
import { ROOT, hex, unhex } from "./helpers.mjs";

export function sampleManifest(jointKey) {
  const label = (en) => ({ en, "fa-af": "", ps: "" });
  return {
    protocol: "mashwara/v1",
    election: "ab".repeat(16),
    questions: [
      { type: "single", title: label("Form of state"), blank: true, options: [{ label: label("Republic"), proposal: 1 }, { label: label("Emirate"), proposal: null }] },
      { type: "approval", title: label("Principles"), min: 0, max: 3, options: [0, 1, 2, 3, 4].map((i) => ({ label: label(`P${i}`), proposal: null })) },
      { type: "ranked", title: label("Model"), options: ["Federal", "Unitary", "Confederal"].map((n) => ({ label: label(n), proposal: null })) },
    ],
    joint_public_key: pointHex(jointKey),
    ceremony_context: "00".repeat(32),
  };
}

export function sampleCredential() {
  const { secret, public: key } = generateKeyPair();
  return { secret, credential: { key: pointHex(key), signatures: [{ issuer: 1, prefix: "11".repeat(32), signature: "22".repeat(384) }] } };
}


const PEMS = ["blind-rsa-test-key.pem", "blind-rsa-test-key-2.pem"].map((name) => readFileSync(`${ROOT}tests/crypto/vectors/${name}`, "utf8"));
export const suite = new BlindRSA({ ...Params.RSABSSA_SHA384_PSS_Randomized, supportsRSARAW: false });

function der(pem, label) {
  const body = pem.split(`-----BEGIN ${label}-----`)[1].split(`-----END ${label}-----`)[0];
  return Uint8Array.from(atob(body.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
}

export async function issuer(which = 0) {
  const algorithm = { name: "RSA-PSS", hash: "SHA-384" };
  const privateKey = await crypto.subtle.importKey("pkcs8", der(PEMS[which], "PRIVATE KEY"), algorithm, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e, alg: "PS384", ext: true }, algorithm, true, ["verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki)).match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
  return { privateKey, pem };
}


/** The test issuers: 2 keys, threshold 2; { privateKeys, issuers (the manifest's member) }. */
export async function testIssuers() {
  const keys = [await issuer(0), await issuer(1)];
  return {
    privateKeys: keys.map((k) => k.privateKey),
    trustees: { threshold: 2, names: ["t1", "t2"] },
    issuers: { threshold: 2, keys: keys.map((k, i) => ({ trustee: i + 1, pem: k.pem })) },
  };
}

/** One issuer's blind signature (hex) of a blinded message (hex). */
export async function blindSignWith(privateKey, blindedHex) {
  return bytesToHex(await suite.blindSign(privateKey, hexToBytes(blindedHex)));
}

/** The status the server answers once the issuers signed the pending requests. */
export async function signedStatus(pending, privateKeys) {
  const requests = [];
  for (const r of pending.requests) {
    const blindSignature = await suite.blindSign(privateKeys[r.issuer - 1], hexToBytes(r.blinded));
    requests.push({ issuer: r.issuer, blinded_message: r.blinded, blind_signature: bytesToHex(blindSignature) });
  }
  return { requests };
}

/** A real credential from the test issuer keys (blind-signed as the issuers would). */
export async function realCredential(manifest, fingerprint, privateKeys) {
  const pending = await startRequest(manifest, fingerprint);
  const { stored } = await finishRequest(manifest, pending, await signedStatus(pending, privateKeys));
  return signingCredential(stored);
}

/** A board entry's chain hash (§5): h_i over h_{i−1}, i, kind, hour, tracker, digest, reveal. */
export function entryHash(entry) {
  const reveal = entry.kind === "audited" ? cj(entry.reveal) : new Uint8Array(0);
  return hex(sha256f("board-entry", unhex(entry.previous), entry.position, entry.kind, entry.hour, unhex(entry.tracker), sha256(cj(entry.ballot)), reveal));
}
