// Where provers draw their secret randomness from (protocol §9).
//
// A nonce source has draw() → a scalar (bigint). SystemNonces draws uniformly from [1, ℓ) with
// the platform CSPRNG (crypto.getRandomValues), the default everywhere. DeterministicNonces
// replays nonce_k = H("test-nonce", seed, int k) for k = 0, 1, 2, … and exists only so that test
// vectors are reproducible across languages: never use it for a real ballot or key.

import { int8, isBytes } from "./bytes.js";
import { ORDER, bytesToNumberLE } from "./group.js";
import { hashToScalar } from "./hash.js";

/** `length` bytes from the platform CSPRNG. */
export function randomBytes(length) {
  const out = new Uint8Array(length);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, Math.min(length, offset + 65536)));
  }
  return out;
}

/** A uniform scalar in [1, ℓ): 64 random bytes reduced mod ℓ − 1 (bias below 2^-250), plus 1. */
export function randomScalar() {
  return (bytesToNumberLE(randomBytes(64)) % (ORDER - 1n)) + 1n;
}

export class SystemNonces {
  draw() {
    return randomScalar();
  }
}

/** Protocol §9 test nonces; stateful (it counts draws): one per vector, never shared. */
export class DeterministicNonces {
  constructor(seed) {
    if (!isBytes(seed)) throw new TypeError("the seed must be bytes");
    this.seed = Uint8Array.from(seed);
    this.count = 0;
  }

  draw() {
    const nonce = hashToScalar("test-nonce", this.seed, int8(this.count));
    this.count += 1;
    return nonce;
  }
}

export const systemNonces = new SystemNonces();

/** The given source, or the CSPRNG when none is given. */
export function nonceSource(rng) {
  if (rng === undefined || rng === null) return systemNonces;
  if (typeof rng.draw !== "function") throw new TypeError("a nonce source needs a draw() method");
  return rng;
}
