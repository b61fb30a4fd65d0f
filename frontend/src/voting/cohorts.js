// Cohort labels in the browser (docs/protocol.md §12): the label message each issuer blind-signs
// with its key for one stated value, the values the voter's credential will carry (attested ones
// from the page, self-declared ones as the voter chose them; "not stated" = no label), and the
// labels the ballot page drops because their value was merged into "not stated".

import { concatBytes, int8, utf8 } from "../../crypto/bytes.js";
import { frame } from "../../crypto/hash.js";

/** frame("mashwara/v1/credential-cohort") ‖ frame(fp) ‖ frame(P) ‖ frame(int(d)) ‖ frame(int(v)). */
export function labelMessage(fingerprint, credentialKey, dimension, value) {
  return concatBytes(
    frame(utf8("mashwara/v1/credential-cohort")),
    frame(fingerprint),
    frame(credentialKey),
    frame(int8(dimension)),
    frame(int8(value)),
  );
}

/** The issuer's public key for a stated value, from the manifest's cohort_keys. */
export function cohortKeyPem(manifest, issuer, dimension, value) {
  const found = (manifest.cohort_keys ?? []).find((k) => k.trustee === issuer && k.dimension === dimension && k.value === value);
  if (!found) throw new Error(`no key of issuer ${issuer} for dimension ${dimension} value ${value}`);
  return found.pem;
}

/**
 * The stated values to ask for, [[dimension, value], …] ascending: the attested values the page
 * carries (data-cohorts, set by the server from the roll entry) and, for each self-declared
 * dimension, the voter's choice in the select named "cohort-<d>" (0 = not stated).
 */
export function chosenLabels(manifest, root) {
  if (!manifest.cohorts) return [];
  const attested = JSON.parse(root.dataset.cohorts || "{}");
  const out = [];
  manifest.cohorts.dimensions.forEach((dimension, index) => {
    const d = index + 1;
    let value = 0;
    if (dimension.kind === "attested") value = Number(attested[String(d)] ?? 0);
    else {
      const select = root.querySelector(`select[name="cohort-${d}"]`);
      value = select ? Number(select.value) : 0;
    }
    if (Number.isInteger(value) && value >= 1 && value <= dimension.values.length) out.push([d, value]);
  });
  return out;
}

/** The credential without the labels of merged values ([[d, v], …]): the ballot then counts as "not stated" there. */
export function withoutMerged(credential, merged) {
  if (!credential.cohorts) return credential;
  const drop = new Set(merged.map(([d, v]) => `${d}:${v}`));
  return { ...credential, cohorts: credential.cohorts.filter((l) => !drop.has(`${l.dimension}:${l.value}`)) };
}
