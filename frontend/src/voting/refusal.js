// Why a trustee's page stops (or leaves a request unsigned): a code the page translates
// (`refusal_<code>` in its message list) and parameters in Python's %(name)s style; the English
// text here is the fallback (and what the node tests read).

export const REFUSALS = {
  not_in_ceremony: "trustee %(index)s is not in this ceremony",
  wrong_trustee: "this key file is for trustee %(index)s, but you are signed in as trustee %(signed_in)s",
  other_ceremony: "this key file belongs to another ceremony (the context differs)",
  other_threshold: "the ceremony's threshold differs from the key file's",
  not_my_commitments: "the commitments published for you are not this key file's",
  commitments_name_another: "trustee %(index)s's commitments name another",
  commitments_missing: "trustees %(trustees)s have not published their commitments yet",
  malformed_share: "a share addressed to you is malformed",
  shares_missing: "shares from trustees %(trustees)s are missing",
  shares_still_fail: "the shares from trustees %(trustees)s still fail their checks",
  bad_fingerprint: "the manifest does not hash to its fingerprint",
  manifest_other_ceremony: "the manifest is not from this key file's ceremony",
  definition_mismatch: "the manifest's definition does not match the ceremony context",
  ceremony_definition_mismatch: "the election's definition does not match the ceremony context",
  joint_key_mismatch: "the manifest's joint key is not the sum of the commitments",
  no_final_head: "the board has no final head for this election yet",
  bad_head_signature: "the final board head's signature does not verify",
  entry_missing: "board entry %(position)s is missing or out of order",
  bad_tracker: "board entry %(position)s: the tracker does not match the ballot",
  broken_chain: "board entry %(position)s: the hash chain is broken",
  bad_board_reference: "board entry %(position)s: the ballot names a board head that is not on this board before it",
  repeated_tracker: "board entry %(position)s repeats the tracker of entry %(first)s",
  not_at_final_head: "the board does not end at the signed final head",
  wrong_shape: "ballot %(position)s has the wrong shape",
  copied_ballot: "ballot %(position)s repeats a ciphertext of another counted ballot: refusing to decrypt a tally that could single out a voter",
  tally_mismatch: "the server's encrypted tally is not the sum of the counted ballots",
  too_many_counted: "more credentials were counted than the roll issued",
  share_mismatch: "your secret share does not match your public verification key",
  nothing_counted: "no ballot was counted: there is nothing to decrypt",
  bad_ballot: "counted ballot %(position)s does not verify: refusing to decrypt",
  not_an_issuer: "this key file is trustee %(index)s's, and the credential issuers are trustees 1 to %(threshold)s: it signs nothing",
  issuer_key_missing: "the manifest does not hold your issuer key as issuer %(index)s: the server could mint credentials with a key of its own",
  cohort_key_missing: "the manifest does not hold your cohort key for dimension %(dimension)s value %(value)s as issuer %(index)s: the server could issue cohort labels with a key of its own",
  cohort_tally_mismatch: "the server's per-cohort sums are not the sums of the counted ballots by label",
  cohort_plan_mismatch: "the server's plan of the cohort groups to decrypt is not the one the K rules give",
  label_no_key: "request %(request)s asks for a label of dimension %(dimension)s value %(value)s, for which you hold no key: not signed",
  label_twice: "request %(request)s asks for two labels of dimension %(dimension)s: not signed",
  labels_malformed: "request %(request)s has malformed labels: not signed",
  blinded_misfit: "request %(request)s: a blinded message does not fit your key: not signed",
};

export class TrusteeRefusal extends Error {
  constructor(code, params = {}) {
    super((REFUSALS[code] ?? code).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? "")));
    this.code = code;
    this.params = params;
  }
}
