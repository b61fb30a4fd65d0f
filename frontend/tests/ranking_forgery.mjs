// Forged ranked answers for attack tests: witnesses that are not a ranking (a cycle, a tie),
// encrypted with every proof that can hold made honestly and the others made up. Shared by the
// ranking core's tests and the trustee's.

import * as C from "../crypto/index.js";
import { proveRangeTrusted } from "../crypto/proofs.js";
import { linkContext, pairContext, placeContext, positionContext, rankedPairs } from "../crypto/ranking.js";

export function preferencesOf(beats, n) {
  const matrix = Array.from({ length: n }, () => new Array(n).fill(0));
  for (const [winner, loser] of beats) matrix[winner][loser] = 1;
  return matrix;
}

export const positionsOf = (places) => places.map((p) => places.map((_, q) => (p === q ? 1 : 0)));

/** The JS twin of tests/crypto/make_ranking_vectors.py's forge_ranking (see its docstring). */
export function forgeRanking(context, publicKey, preferences, positions, source) {
  const n = positions.length;
  const key = C.preparePoint(publicKey);
  const madeUp = () => {
    const c = source.draw();
    return { c: [c], s: [source.draw()] };
  };
  const pairs = [];
  const pairNonces = [];
  for (const [i, j] of rankedPairs(n)) {
    const votes = [preferences[i][j], preferences[j][i]];
    const total = votes[0] + votes[1];
    const { question, nonces } = C.encryptQuestionWithNonces(pairContext(context, i, j), publicKey, votes, total, total, source);
    pairs.push(question);
    pairNonces.push(nonces);
  }
  const rows = [];
  const rowNonces = [];
  positions.forEach((row, option) => {
    const total = row.reduce((s, v) => s + v, 0);
    const { question, nonces } = C.encryptQuestionWithNonces(positionContext(context, option), publicKey, row, total, total, source);
    rows.push(question);
    rowNonces.push(nonces);
  });
  const places = [];
  for (let place = 0; place < n; place++) {
    if (positions.reduce((s, row) => s + row[place], 0) !== 1) {
      places.push(madeUp());
      continue;
    }
    const nonce = rowNonces.reduce((s, r) => s + r[place], 0n) % C.ORDER;
    places.push(proveRangeTrusted(placeContext(context, place), key, C.placeCiphertext(rows, place), 1n, nonce, 1n, 1n, source));
  }
  const links = [];
  for (let option = 0; option < n; option++) {
    const wins = preferences[option].reduce((s, v, j) => (j === option ? s : s + v), 0);
    const score = positions[option].reduce((s, v, p) => s + (n - 1 - p) * v, 0);
    if (wins !== score) {
      links.push(madeUp());
      continue;
    }
    let nonce = 0n;
    rankedPairs(n).forEach(([i, j], index) => {
      if (option === i || option === j) nonce += pairNonces[index][option === i ? 0 : 1];
    });
    rowNonces[option].forEach((r, p) => {
      nonce -= BigInt(n - 1 - p) * r;
    });
    nonce = ((nonce % C.ORDER) + C.ORDER) % C.ORDER;
    const ct = C.linkCiphertext(pairs, rows, option);
    links.push(proveRangeTrusted(linkContext(context, option), key, ct, 0n, nonce, 0n, 0n, source));
  }
  return { pairs, positions: rows, places, links };
}
