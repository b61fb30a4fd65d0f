// The committed tests/crypto/vectors/from-js.json is exactly what make_js_vectors.mjs writes
// today, so the Python test that verifies it checks the current browser core.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { OUTPUT, buildVectors, render } from "./make_js_vectors.mjs";

test("regenerating from-js.json gives identical bytes", async () => {
  assert.equal(render(await buildVectors()), readFileSync(OUTPUT, "utf8"));
});
