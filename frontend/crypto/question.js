// An encrypted question (protocol §5): one 0/1-proven ciphertext per option plus a range proof
// on the homomorphic sum.
//
// The voter's choice vector v ∈ {0,1}^n must satisfy min ≤ Σv ≤ max. Option i is proven under the
// context ctx || int i and the sum under ctx || "sum". Nonces are drawn in the order r_0, option
// 0's proof, r_1, option 1's proof, …, then the sum proof. When the bounds are 0..n the 0/1 proofs
// already imply them: there is no sum proof (null, no draws), and a verifier rejects a question
// with bounds 0..n that carries one. The result is
// { ciphertexts: [{a, b}…], proofs: [{c, s}…], sumProof: {c: [...], s: [...]} | null }.

import { concatBytes, int8, isBytes, utf8 } from "./bytes.js";
import { addCiphertexts, encryptWithNonce } from "./elgamal.js";
import { InvalidProof, InvalidWitness, ValueOutsideRange } from "./errors.js";
import { ORDER, Point, preparePoint } from "./group.js";
import { proveRangeTrusted, rangeBounds, verifyRange } from "./proofs.js";
import { nonceSource } from "./random.js";

const SUM_CONTEXT = utf8("sum");
/** Options per question accepted by the strict JSON reader (as in Python). */
export const MAX_OPTIONS = 1024;

function checkShape(options, min, max, ErrorClass) {
  const ok = [options, min, max].every(Number.isSafeInteger) && options >= 1 && 0 <= min && min <= max && max <= options;
  if (!ok) {
    throw new ErrorClass(`bounds must satisfy 0 ≤ min ≤ max ≤ options, got ${min}..${max} of ${options}`);
  }
}

/** False when 0..n is implied by the options' 0/1 proofs (protocol §5, implied bounds). */
export function sumProofNeeded(options, min, max) {
  return !(min === 0 && max === options);
}

/** The context of option `index`: ctx || int index. */
export function optionContext(ctx, index) {
  return concatBytes(ctx, int8(index));
}

/** The context of the sum proof: ctx || "sum". */
export function sumContext(ctx) {
  return concatBytes(ctx, SUM_CONTEXT);
}

/** Encrypt and prove a 0/1 choice vector; throws ValueOutsideRange for an invalid vote. */
export function encryptQuestion(ctx, publicKey, choices, min, max, rng) {
  return encryptQuestionWithNonces(ctx, publicKey, choices, min, max, rng).question;
}

/**
 * encryptQuestion that also returns each option's encryption nonce r_i (what an audit reveals,
 * and what a ranked answer's derived proofs need): { question, nonces }.
 */
export function encryptQuestionWithNonces(ctx, publicKey, choices, min, max, rng) {
  if (!isBytes(ctx)) throw new TypeError("the context must be bytes (Uint8Array)");
  if (!(publicKey instanceof Point) || publicKey.is0()) throw new InvalidWitness("the public key must be a non-identity point");
  if (!Array.isArray(choices)) throw new InvalidWitness("choices must be an array of 0 and 1");
  checkShape(choices.length, min, max, InvalidWitness);
  if (sumProofNeeded(choices.length, min, max)) rangeBounds(min, max, InvalidWitness);
  if (!choices.every((v) => v === 0 || v === 1)) throw new ValueOutsideRange("every choice must be 0 or 1");
  const total = choices.reduce((sum, v) => sum + v, 0);
  if (total < min || total > max) {
    throw new ValueOutsideRange(`${total} selections is outside the allowed ${min}..${max}`);
  }
  const source = nonceSource(rng);
  const key = preparePoint(publicKey);
  const ciphertexts = [];
  const proofs = [];
  const nonces = [];
  let nonceSum = 0n;
  choices.forEach((choice, index) => {
    const nonce = source.draw();
    const ciphertext = encryptWithNonce(key, choice, nonce);
    const m = BigInt(choice);
    proofs.push(proveRangeTrusted(optionContext(ctx, index), key, ciphertext, m, nonce, 0n, 1n, source));
    ciphertexts.push(ciphertext);
    nonces.push(nonce);
    nonceSum += nonce;
  });
  if (!sumProofNeeded(choices.length, min, max)) return { question: { ciphertexts, proofs, sumProof: null }, nonces };
  const sumProof = proveRangeTrusted(
    sumContext(ctx),
    key,
    addCiphertexts(ciphertexts),
    BigInt(total),
    nonceSum % ORDER,
    BigInt(min),
    BigInt(max),
    source,
  );
  return { question: { ciphertexts, proofs, sumProof }, nonces };
}

/** Throw InvalidProof (naming the option) unless every option and the sum verify. */
export function verifyQuestion(ctx, publicKey, question, options, min, max) {
  checkShape(options, min, max, InvalidProof);
  const { ciphertexts, proofs, sumProof } = question;
  if (!Array.isArray(ciphertexts) || !Array.isArray(proofs) || ciphertexts.length !== options || proofs.length !== options) {
    throw new InvalidProof(`the question has ${options} options`);
  }
  for (let index = 0; index < options; index++) {
    try {
      verifyRange(optionContext(ctx, index), publicKey, ciphertexts[index], 0, 1, proofs[index]);
    } catch (error) {
      if (error instanceof InvalidProof) throw new InvalidProof(`the 0/1 proof of option ${index} does not verify`);
      throw error;
    }
  }
  if (!sumProofNeeded(options, min, max)) {
    if (sumProof !== null) throw new InvalidProof("bounds 0..n take no proof on the number of selections");
    return;
  }
  if (sumProof === null || sumProof === undefined) throw new InvalidProof("the proof on the number of selections is missing");
  try {
    verifyRange(sumContext(ctx), publicKey, addCiphertexts(ciphertexts), min, max, sumProof);
  } catch (error) {
    if (error instanceof InvalidProof) throw new InvalidProof("the proof on the number of selections does not verify");
    throw error;
  }
}
