// Per-cohort results on the trustee page (docs/protocol.md §12.4–§12.5), the browser twin of
// voting/verify/cohorts.py: before decrypting a cohort group the trustee rebuilds, from the
// counted ballots it has already checked, each ballot's label vector (after the public merge
// map), the per-value sums and the release plan of rule 3, and refuses if the server's differ —
// a server that passed off one voter's ciphertexts as a group's sum, or published a group the
// K rules forbid, would otherwise have the trustees decrypt it. Pure functions of public data.

import { IDENTITY } from "../../crypto/group.js";
import { canonicalJson } from "../../crypto/json.js";
import { toJson } from "../../crypto/serialization.js";
import { partialDecrypt } from "../../crypto/threshold.js";
import { TrusteeRefusal } from "./refusal.js";

export const NOT_STATED = 0;

/** {minimum, dimensions: [{dimension, kind, values}]} of a manifest's `cohorts` (values: how many are stated). */
export function cohortDefinition(manifest) {
  return {
    minimum: manifest.cohorts.minimum,
    dimensions: manifest.cohorts.dimensions.map((item, d) => ({ dimension: d + 1, kind: item.kind, values: item.values.length })),
  };
}

/**
 * Rule 3's first part for one dimension (`counts[v]`: counted ballots per value, 0 = not stated):
 * the groups, not stated first, or null if only not stated is left. While a stated value has
 * 0 < n < K, merge the smallest (lowest v on ties) into not stated; then, while not stated has
 * 0 < n < K, merge the smallest stated value into it and start again.
 */
export function mergeShort(values, counts, minimum, merged = []) {
  const groups = new Map();
  for (let v = 0; v <= values; v++) if (!merged.includes(v)) groups.set(v, [v]);
  groups.set(NOT_STATED, [NOT_STATED, ...[...merged].sort((a, b) => a - b)]);
  const size = (v) => groups.get(v).reduce((sum, u) => sum + counts[u], 0);
  const short = (n) => n > 0 && n < minimum;
  for (;;) {
    const stated = [...groups.keys()].filter((v) => v !== NOT_STATED);
    const tooSmall = stated.filter((v) => short(size(v)));
    if (!tooSmall.length && !short(size(NOT_STATED))) break;
    if (!stated.length) return null;
    const pool = tooSmall.length ? tooSmall : stated;
    const smallest = pool.reduce((best, v) => (size(v) < size(best) || (size(v) === size(best) && v < best) ? v : best));
    groups.get(NOT_STATED).push(...groups.get(smallest));
    groups.delete(smallest);
  }
  if (groups.size === 1) return null;
  return [...groups.keys()].sort((a, b) => a - b).map((v) => [...groups.get(v)].sort((a, b) => a - b));
}

const groupOf = (release, value) => release.groups.findIndex((group) => group.includes(value));

/**
 * Protocol §12.5 rule 3 from the label vectors of the counted ballots (after the merge map
 * `merged`, a Set of "d:v" whose values start in not stated's group): per dimension in order, merge values until every figure has 0 or ≥ K ballots (else withheld,
 * "short"), then publish it only if every non-empty crossed cell with the dimensions already
 * published has ≥ K ballots (else withheld, "crossing"). The plan in the server's JSON layout:
 * [{dimension, kind, groups: [[v…]…] | null, reason: null | "short" | "crossing"}].
 */
export function releasePlan(definition, vectors, merged = new Set()) {
  const k = definition.minimum;
  const plan = [];
  const published = [];
  for (const dim of definition.dimensions) {
    const counts = new Array(dim.values + 1).fill(0);
    for (const vector of vectors) counts[vector[dim.dimension - 1]] += 1;
    const mergedHere = [...merged].map((m) => m.split(":").map(Number)).filter(([d]) => d === dim.dimension).map(([, v]) => v);
    const groups = mergeShort(dim.values, counts, k, mergedHere);
    if (groups === null) {
      plan.push({ dimension: dim.dimension, kind: dim.kind, groups: null, reason: "short" });
      continue;
    }
    const release = { dimension: dim.dimension, kind: dim.kind, groups, reason: null };
    const cells = new Map();
    for (const vector of vectors) {
      const cell = [...published, release].map((r) => groupOf(r, vector[r.dimension - 1])).join(",");
      cells.set(cell, (cells.get(cell) ?? 0) + 1);
    }
    if (published.length && [...cells.values()].some((n) => n > 0 && n < k)) {
      plan.push({ dimension: dim.dimension, kind: dim.kind, groups: null, reason: "crossing" });
      continue;
    }
    plan.push(release);
    published.push(release);
  }
  return plan;
}

/** The merge map [[d, v], …] of the feed, checked: stated values of the election, each once. */
export function checkMerged(definition, merged) {
  const seen = new Set();
  if (!Array.isArray(merged)) throw new TrusteeRefusal("cohort_tally_mismatch");
  for (const item of merged) {
    const [d, v] = Array.isArray(item) && item.length === 2 ? item : [];
    const dim = definition.dimensions[d - 1];
    if (!dim || !Number.isSafeInteger(v) || v < 1 || v > dim.values || seen.has(`${d}:${v}`)) throw new TrusteeRefusal("cohort_tally_mismatch");
    seen.add(`${d}:${v}`);
  }
  return seen;
}

/** A counted ballot's label vector (0 where its credential states nothing), after the merge map. */
export function labelVector(definition, credential, merged) {
  const vector = new Array(definition.dimensions.length).fill(NOT_STATED);
  for (const label of credential.cohorts ?? []) {
    vector[label.dimension - 1] = merged.has(`${label.dimension}:${label.value}`) ? NOT_STATED : label.value;
  }
  return vector;
}

const zero = (widths) => widths.map((w) => Array.from({ length: w }, () => ({ a: IDENTITY, b: IDENTITY })));

function addInto(total, rows) {
  rows.forEach((row, q) =>
    row.forEach((ct, i) => {
      total[q][i] = { a: total[q][i].a.add(ct.a), b: total[q][i].b.add(ct.b) };
    }),
  );
}

/**
 * The per-cohort sums (protocol §12.4) of the counted ballots: each added once into its cell, the
 * cells then added per value. `rows(entry)`: the ballot's ciphertexts in tally layout (points).
 * Returns {vectors, sums: [[{value, counted, questions: [[{a, b} points]]}] per value] per dimension}.
 */
export function cohortSums(definition, counted, merged, widths, rows) {
  const cells = new Map();
  const vectors = [];
  for (const entry of counted) {
    const vector = labelVector(definition, entry.ballot.credential, merged);
    vectors.push(vector);
    const key = vector.join(",");
    if (!cells.has(key)) cells.set(key, { vector, count: 0, sums: zero(widths) });
    const cell = cells.get(key);
    cell.count += 1;
    addInto(cell.sums, rows(entry));
  }
  const sums = definition.dimensions.map((dim) =>
    Array.from({ length: dim.values + 1 }, (_, v) => {
      const total = { value: v, counted: 0, questions: zero(widths) };
      for (const cell of cells.values()) {
        if (cell.vector[dim.dimension - 1] !== v) continue;
        total.counted += cell.count;
        addInto(total.questions, cell.sums);
      }
      return total;
    }),
  );
  return { vectors, sums };
}

const sumsJson = (sums) => sums.map((perValue) => perValue.map((item) => ({ ...item, questions: item.questions.map((row) => row.map((ct) => toJson("ciphertext", ct))) })));

/**
 * Check the server's cohort feed ({merged, sums, plan}) against the counted ballots: the sums
 * must be theirs and the plan the one rule 3 gives. Returns {plan, sums} (sums as points).
 */
export function checkCohortTally(manifest, counted, feed, widths, rows) {
  const definition = cohortDefinition(manifest);
  const merged = checkMerged(definition, feed?.merged);
  const { vectors, sums } = cohortSums(definition, counted, merged, widths, rows);
  if (canonicalJson(sumsJson(sums)) !== canonicalJson(feed.sums ?? null)) throw new TrusteeRefusal("cohort_tally_mismatch");
  const plan = releasePlan(definition, vectors, merged);
  if (canonicalJson(plan) !== canonicalJson(feed.plan ?? null)) throw new TrusteeRefusal("cohort_plan_mismatch");
  return { plan, sums };
}

/** The encrypted sum of a published group: the sum of its values' sums. */
export function groupSum(perValue, group, widths) {
  const total = zero(widths);
  for (const v of group) addInto(total, perValue[v].questions);
  return total;
}

/**
 * The `cohorts` member of the decryption message (docs/elections.md §7): per dimension `[]` if
 * the plan withholds it, else per group `null` (no ballot: nothing to decrypt) or its shares in
 * tally layout, with ctx = fingerprint.
 */
export function cohortShares(fingerprint, index, share, { plan, sums }, widths) {
  return plan.map((release) => {
    if (release.groups === null) return [];
    return release.groups.map((group) => {
      const total = groupSum(sums[release.dimension - 1], group, widths);
      if (total.every((row) => row.every((ct) => ct.a.is0()))) return null;
      return total.map((row) => row.map((ct) => toJson("decryptionShare", partialDecrypt(fingerprint, index, share, ct))));
    });
  });
}
