// The election code (docs/elections.md §1) is the same in the browser as in Python: both check
// the fixed vectors of tests/crypto/vectors/election-code.json (tests/crypto/test_election_code.py
// is the Python half).

import assert from "node:assert/strict";
import { test } from "node:test";
import { electionCode, localDigits } from "../src/voting/election.js";
import { readVectors, unhex } from "./helpers.mjs";

const { vectors } = readVectors("election-code.json");

test("every election-code vector is reproduced, in Western and Eastern digits", () => {
  assert.ok(vectors.length >= 4);
  for (const item of vectors) {
    const code = electionCode(unhex(item.fingerprint));
    assert.equal(code, item.code, item.case);
    assert.match(code, /^\d{4}( \d{4}){5}$/);
    assert.equal(localDigits(code, "fa-af"), item.eastern, item.case);
    assert.equal(localDigits(code, "ps"), item.eastern, item.case);
    assert.equal(localDigits(code, "en"), item.code, item.case);
  }
});

test("a fingerprint of the wrong length has no code", () => {
  assert.throws(() => electionCode(new Uint8Array(31)), TypeError);
  assert.throws(() => electionCode("00".repeat(32)), TypeError);
});
