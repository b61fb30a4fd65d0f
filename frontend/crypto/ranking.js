// Ranked answers with a zero-knowledge proof that they are rankings (protocol §5.1), mirroring
// voting/crypto/ranking.py byte for byte.
//
// A ranked question with n options (2 ≤ n ≤ 10) is answered with a strict total order of all n
// options. Under the question context ctx_q the answer holds:
// - pairs: for each i < j a §5 question [e_ij, e_ji] with bounds 1..1, context ctx_q || int i || int j
//   (the tally adds these);
// - positions: for each option i a §5 question Π[i][0..n−1] with bounds 1..1, context
//   ctx_q || "position" || int i;
// - places: for each place p a range proof {1..1} on Σ_i Π[i][p], context ctx_q || "place" || int p;
// - links: for each option i a range proof {0..0} on Σ_{j≠i} e_ij − Σ_p (n−1−p)·Π[i][p], context
//   ctx_q || "link" || int i.
// A complete tournament with scores 0, 1, …, n−1 is transitive, so a cycle or a tie cannot be
// proven. Draws: pairs (each as §5), positions (each as §5), places, links. The answer is
// { pairs: [question…], positions: [question…], places: [range…], links: [range…] }; the opening
// (audit reveal) { pairs: [{ votes, randomness }…], positions: [{ votes, randomness }…] }.

import { concatBytes, int8, isBytes, utf8 } from "./bytes.js";
import { addCiphertexts } from "./elgamal.js";
import { InvalidOpening, InvalidProof, InvalidWitness, ValueOutsideRange } from "./errors.js";
import { IDENTITY, Point, baseMul, isScalar, mod, mul, preparePoint } from "./group.js";
import { proveRangeTrusted, verifyRange } from "./proofs.js";
import { encryptQuestionWithNonces, verifyQuestion } from "./question.js";
import { nonceSource } from "./random.js";

export const MIN_RANKED_OPTIONS = 2;
export const MAX_RANKED_OPTIONS = 10;
const POSITION_CONTEXT = utf8("position");
const PLACE_CONTEXT = utf8("place");
const LINK_CONTEXT = utf8("link");

/** [i, j] with i < j in lexicographic order: [0,1], [0,2], …, [1,2], … */
export function rankedPairs(options) {
  const pairs = [];
  for (let i = 0; i < options; i++) for (let j = i + 1; j < options; j++) pairs.push([i, j]);
  return pairs;
}

export const pairContext = (ctx, i, j) => concatBytes(ctx, int8(i), int8(j));
export const positionContext = (ctx, option) => concatBytes(ctx, POSITION_CONTEXT, int8(option));
export const placeContext = (ctx, place) => concatBytes(ctx, PLACE_CONTEXT, int8(place));
export const linkContext = (ctx, option) => concatBytes(ctx, LINK_CONTEXT, int8(option));

/** Σ_i Π[i][place]: encrypts the number of options at `place`. */
export function placeCiphertext(positions, place) {
  return addCiphertexts(positions.map((q) => q.ciphertexts[place]));
}

/**
 * Σ_{j≠i} E(e_ij) − Σ_p (n−1−p)·E(Π[i][p]) for i = `option`: encrypts wins minus score. The
 * weighted sum is Σ_{t=0}^{n−2} Σ_{p≤t} C_p, so this costs point additions only.
 */
export function linkCiphertext(pairs, positions, option) {
  const n = positions.length;
  let a = IDENTITY;
  let b = IDENTITY;
  rankedPairs(n).forEach(([i, j], index) => {
    if (option === i || option === j) {
      const ct = pairs[index].ciphertexts[option === i ? 0 : 1];
      a = a.add(ct.a);
      b = b.add(ct.b);
    }
  });
  const row = positions[option].ciphertexts;
  let prefixA = IDENTITY;
  let prefixB = IDENTITY;
  let scoreA = IDENTITY;
  let scoreB = IDENTITY;
  for (let place = 0; place < n - 1; place++) {
    prefixA = prefixA.add(row[place].a);
    prefixB = prefixB.add(row[place].b);
    scoreA = scoreA.add(prefixA);
    scoreB = scoreB.add(prefixB);
  }
  return { a: a.subtract(scoreA), b: b.subtract(scoreB) };
}

function checkOptions(options, ErrorClass) {
  if (!Number.isSafeInteger(options) || options < MIN_RANKED_OPTIONS || options > MAX_RANKED_OPTIONS) {
    throw new ErrorClass(`a ranked question has ${MIN_RANKED_OPTIONS}..${MAX_RANKED_OPTIONS} options, got ${options}`);
  }
}

const isBit = (v) => v === 0 || v === 1;

/** Each option's place from a permutation matrix; ValueOutsideRange if it is not one. */
function placesOf(positions) {
  const n = positions.length;
  const places = positions.map((row, option) => {
    if (!Array.isArray(row) || row.length !== n || !row.every(isBit)) {
      throw new ValueOutsideRange(`position ${option}: expected ${n} votes of 0 or 1`);
    }
    if (row.reduce((s, v) => s + v, 0) !== 1) {
      throw new ValueOutsideRange(`position ${option}: the option must be at exactly one place`);
    }
    return row.indexOf(1);
  });
  for (let place = 0; place < n; place++) {
    if (places.filter((p) => p === place).length !== 1) {
      throw new ValueOutsideRange(`place ${place}: exactly one option must be at each place`);
    }
  }
  return places;
}

/** The options best first, as an opening's positions state them. */
export function openingOrder(opening) {
  const places = placesOf(opening.positions.map((p) => p.votes));
  return places.map((_, option) => option).sort((x, y) => places[x] - places[y]);
}

/**
 * Encrypt and prove explicit witnesses: preferences[i][j] = e_ij, positions[i][p] = Π[i][p].
 * Refuses (ValueOutsideRange, before drawing anything) witnesses that are not a ranking.
 * Returns { answer, opening }.
 */
export function proveRanking(ctx, publicKey, preferences, positions, rng) {
  if (!isBytes(ctx)) throw new TypeError("the context must be bytes (Uint8Array)");
  if (!(publicKey instanceof Point) || publicKey.is0()) throw new InvalidWitness("the public key must be a non-identity point");
  if (!Array.isArray(positions)) throw new InvalidWitness("positions must be an array of rows");
  const n = positions.length;
  checkOptions(n, InvalidWitness);
  if (!Array.isArray(preferences) || preferences.length !== n || !preferences.every((row) => Array.isArray(row) && row.length === n)) {
    throw new InvalidWitness(`the preference matrix must be ${n}×${n}`);
  }
  const places = placesOf(positions);
  for (const [i, j] of rankedPairs(n)) {
    const [eij, eji] = [preferences[i][j], preferences[j][i]];
    if (!isBit(eij) || !isBit(eji) || eij + eji !== 1) {
      throw new ValueOutsideRange(`pair (${i}, ${j}): exactly one of the two must be preferred`);
    }
  }
  for (let i = 0; i < n; i++) {
    const wins = preferences[i].reduce((s, v, j) => (j === i ? s : s + v), 0);
    if (wins !== n - 1 - places[i]) {
      throw new ValueOutsideRange(
        `link ${i}: option ${i} is preferred to ${wins} options but its place gives ${n - 1 - places[i]}; the preferences are not a ranking`,
      );
    }
  }
  const source = nonceSource(rng);
  const key = preparePoint(publicKey);
  const pairs = [];
  const pairOpenings = [];
  for (const [i, j] of rankedPairs(n)) {
    const votes = [preferences[i][j], preferences[j][i]];
    const { question, nonces } = encryptQuestionWithNonces(pairContext(ctx, i, j), publicKey, votes, 1, 1, source);
    pairs.push(question);
    pairOpenings.push({ votes, randomness: nonces });
  }
  const rows = [];
  const rowOpenings = [];
  for (let option = 0; option < n; option++) {
    const votes = [...positions[option]];
    const { question, nonces } = encryptQuestionWithNonces(positionContext(ctx, option), publicKey, votes, 1, 1, source);
    rows.push(question);
    rowOpenings.push({ votes, randomness: nonces });
  }
  const placeProofs = [];
  for (let place = 0; place < n; place++) {
    const nonce = mod(rowOpenings.reduce((s, o) => s + o.randomness[place], 0n));
    placeProofs.push(proveRangeTrusted(placeContext(ctx, place), key, placeCiphertext(rows, place), 1n, nonce, 1n, 1n, source));
  }
  const linkProofs = [];
  for (let option = 0; option < n; option++) {
    let nonce = 0n;
    rankedPairs(n).forEach(([i, j], index) => {
      if (option === i || option === j) nonce += pairOpenings[index].randomness[option === i ? 0 : 1];
    });
    rowOpenings[option].randomness.forEach((r, place) => {
      nonce -= BigInt(n - 1 - place) * r;
    });
    const ct = linkCiphertext(pairs, rows, option);
    linkProofs.push(proveRangeTrusted(linkContext(ctx, option), key, ct, 0n, mod(nonce), 0n, 0n, source));
  }
  return {
    answer: { pairs, positions: rows, places: placeProofs, links: linkProofs },
    opening: { pairs: pairOpenings, positions: rowOpenings },
  };
}

/**
 * { preferences, positions } of an order (option indices, best first). Throws ValueOutsideRange
 * unless `order` is a permutation of 0 … n−1: every option ranked, no ties.
 */
export function rankingWitnesses(order) {
  if (!Array.isArray(order)) throw new InvalidWitness("a ranking is an array of option indices");
  const n = order.length;
  checkOptions(n, InvalidWitness);
  const sorted = [...order].sort((x, y) => x - y);
  if (!order.every(Number.isSafeInteger) || !sorted.every((v, i) => v === i)) {
    throw new ValueOutsideRange(`a ranking lists each of the ${n} options exactly once`);
  }
  const place = new Array(n);
  order.forEach((option, p) => {
    place[option] = p;
  });
  const preferences = place.map((pi, i) => place.map((pj, j) => (i !== j && pi < pj ? 1 : 0)));
  const positions = place.map((pi) => place.map((_, p) => (pi === p ? 1 : 0)));
  return { preferences, positions };
}

/** encryptRanking that also returns the audit reveal: { answer, opening } (keep it secret unless auditing). */
export function encryptRankingWithOpening(ctx, publicKey, order, rng) {
  const { preferences, positions } = rankingWitnesses(order);
  return proveRanking(ctx, publicKey, preferences, positions, rng);
}

/** Encrypt and prove a full ranking `order` (option indices, best first). */
export function encryptRanking(ctx, publicKey, order, rng) {
  return encryptRankingWithOpening(ctx, publicKey, order, rng).answer;
}

function named(prefix, check) {
  try {
    check();
  } catch (error) {
    if (error instanceof InvalidProof) throw new InvalidProof(`${prefix}: ${error.message}`);
    throw error;
  }
}

/**
 * Throw InvalidProof naming the failing part (pair (i, j), position i, place p, link i) unless
 * `answer` proves a strict total order of `options` options.
 */
export function verifyRanking(ctx, publicKey, answer, options) {
  checkOptions(options, InvalidProof);
  const pairs = rankedPairs(options);
  const ok =
    answer !== null &&
    typeof answer === "object" &&
    [answer.pairs, answer.positions, answer.places, answer.links].every(Array.isArray) &&
    answer.pairs.length === pairs.length &&
    answer.positions.length === options &&
    answer.places.length === options &&
    answer.links.length === options;
  if (!ok) {
    throw new InvalidProof(`a ranking of ${options} options has ${pairs.length} pairs and ${options} positions, places and links`);
  }
  pairs.forEach(([i, j], index) => {
    named(`pair (${i}, ${j})`, () => verifyQuestion(pairContext(ctx, i, j), publicKey, answer.pairs[index], 2, 1, 1));
  });
  answer.positions.forEach((question, option) => {
    named(`position ${option}`, () => verifyQuestion(positionContext(ctx, option), publicKey, question, options, 1, 1));
  });
  answer.places.forEach((proof, place) => {
    try {
      verifyRange(placeContext(ctx, place), publicKey, placeCiphertext(answer.positions, place), 1, 1, proof);
    } catch (error) {
      if (error instanceof InvalidProof) {
        throw new InvalidProof(`place ${place}: the proof that exactly one option is at this place does not verify`);
      }
      throw error;
    }
  });
  answer.links.forEach((proof, option) => {
    try {
      verifyRange(linkContext(ctx, option), publicKey, linkCiphertext(answer.pairs, answer.positions, option), 0, 0, proof);
    } catch (error) {
      if (error instanceof InvalidProof) {
        throw new InvalidProof(`link ${option}: the proof that the option's pairwise wins match its place does not verify`);
      }
      throw error;
    }
  });
}


function openQuestion(key, question, opening, what) {
  const { votes, randomness } = opening;
  if (!Array.isArray(votes) || !Array.isArray(randomness) || votes.length !== question.ciphertexts.length || randomness.length !== votes.length) {
    throw new InvalidOpening(`${what}: one vote and one nonce per ciphertext are required`);
  }
  question.ciphertexts.forEach((ct, i) => {
    const v = votes[i];
    const r = randomness[i];
    if (!isBit(v) || !isScalar(r) || r === 0n || !ct.a.equals(baseMul(r)) || !ct.b.equals(baseMul(BigInt(v)).add(mul(key, r)))) {
      throw new InvalidOpening(`${what}: the revealed vote and nonce do not give the ciphertext`);
    }
  });
}

/**
 * Check an audit reveal against the answer and return the order it opens to, best first: every
 * ciphertext of the pairs and positions must be (rG, vG + rX) for its revealed (v, r), the
 * positions a permutation matrix and the pairs that order; otherwise InvalidOpening names the part.
 */
export function openRanking(publicKey, answer, opening) {
  const n = answer.positions.length;
  if (!Array.isArray(opening.pairs) || !Array.isArray(opening.positions) || opening.pairs.length !== answer.pairs.length || opening.positions.length !== n) {
    throw new InvalidOpening("the reveal must open every pair and every position");
  }
  const key = preparePoint(publicKey);
  rankedPairs(n).forEach(([i, j], index) => openQuestion(key, answer.pairs[index], opening.pairs[index], `pair (${i}, ${j})`));
  answer.positions.forEach((question, option) => openQuestion(key, question, opening.positions[option], `position ${option}`));
  let order;
  let preferences;
  try {
    order = openingOrder(opening);
    ({ preferences } = rankingWitnesses(order));
  } catch (error) {
    if (error instanceof InvalidWitness) throw new InvalidOpening(`the revealed positions are not a ranking: ${error.message}`);
    throw error;
  }
  rankedPairs(n).forEach(([i, j], index) => {
    const [a, b] = opening.pairs[index].votes;
    if (a !== preferences[i][j] || b !== preferences[j][i]) {
      throw new InvalidOpening(`pair (${i}, ${j}): the revealed pair disagrees with the positions`);
    }
  });
  return order;
}
