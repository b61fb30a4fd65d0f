// Shared fixtures of the voting client tests (not a test file itself).

import { generateKeyPair } from "../crypto/elgamal.js";
import { pointHex } from "../crypto/group.js";

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
  return { secret, credential: { key: pointHex(key), prefix: "11".repeat(32), signature: "22".repeat(384) } };
}

