"""A trustee's part in results by cohort (docs/protocol.md §12), on the JSON of
docs/elections.md §6–§7.

The issuers (trustees 1..k) make one RSA-3072 blind-signing key per stated value ``(d, v)`` on
their own machine during the ceremony, keep them in the key file and announce them with proofs
of possession; once the ceremony is complete each checks that the manifest holds its own keys as
it announced them and every other issuer's announced keys. Before decrypting, every trustee
recomputes the per-cohort sums and the release plan from the counted ballots on the board
(their labels, K, the dimension order, the merge map) with the verifier's own functions
(``voting.verify.cohorts.tally_by_cohort``, ``release_plan``), refuses a server whose sums or
plan differ, and decrypts only the groups its own plan publishes: a server that asked for a
group the rule forbids (a value held by fewer than K counted ballots) gets no share of it.
Django-free: the CLI, the issuer daemon and ``voting.clients.TrusteeClient`` share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, Point, Scalar
from voting.crypto.serialization import canonical_json, to_json
from voting.crypto.threshold import partial_decrypt
from voting.trustee.errors import TrusteeRefusal
from voting.verify.canonical import sha256f
from voting.verify.cohorts import (
    Cohorts,
    InvalidCohorts,
    Release,
    check_cohort_key,
    cohort_key_message,
    group_sum,
    parse_definition,
    release_json,
    tally_by_cohort,
)
from voting.verify.election import shapes
from voting.verify.issuers import Issuers

CohortKeys = dict[tuple[int, int], blind_rsa.BlindRsaPrivateKey]
Labelled = tuple[tuple[tuple[int, int], ...], bytes]  # a counted ballot's labels and its row


# -- keys ----------------------------------------------------------------------------------------


def definition_cohorts(status: dict[str, Any]) -> Cohorts | None:
    """The cohort dimensions of the ceremony's definition (``ceremony.json``), once it is
    checked to hash to the ceremony context: a server cannot make a trustee key other values."""
    definition = status.get("definition")
    context = bytes.fromhex(status["ceremony_context"])
    if (
        not isinstance(definition, dict)
        or sha256f("ceremony-context", canonical_json(definition)) != context
    ):
        raise TrusteeRefusal("the election definition the server sent is not the ceremony's")
    try:
        return parse_definition(definition)
    except InvalidCohorts as exc:
        raise TrusteeRefusal(f"the definition's cohort dimensions: {exc}") from None


def values_to_key(cohorts: Cohorts | None, index: int, threshold: int) -> list[tuple[int, int]]:
    """The stated values trustee ``index`` makes a key for: all of them for an issuer (trustees
    1..k), none for trustees k+1..n, who only decrypt (protocol §12.2)."""
    if cohorts is None or index > threshold:
        return []
    return cohorts.stated()


def cohort_key_announcement(
    key: blind_rsa.BlindRsaPrivateKey, ceremony_context: bytes, index: int, d: int, v: int
) -> dict[str, Any]:
    """``{"dimension", "value", "pem", "proof"}``: the public key for ``(d, v)`` and an RSA-PSS
    signature by it over the ceremony context, the trustee's index, ``d`` and ``v``."""
    proof = blind_rsa.sign(key, cohort_key_message(ceremony_context, index, d, v))
    return {"dimension": d, "value": v, "pem": key.public.to_pem(), "proof": proof.hex()}


def announced_cohort_keys(keys: CohortKeys, ceremony_context: bytes, index: int) -> list[dict]:
    """The announcement's ``cohort_keys``, in the order of the stated values."""
    return [cohort_key_announcement(keys[dv], ceremony_context, index, *dv) for dv in sorted(keys)]


def check_published_cohort_keys(
    keys: CohortKeys, status: dict[str, Any], trustee: dict[str, Any]
) -> None:
    """What the server shows as our announced cohort keys (if anything) is ours."""
    published = trustee.get("cohort_keys")
    if published is None:
        return
    mine = [{"dimension": d, "value": v, "pem": keys[(d, v)].public.to_pem()} for d, v in keys]
    shown = [
        {k: item.get(k) for k in ("dimension", "value", "pem")} if isinstance(item, dict) else None
        for item in published
    ]
    if shown != sorted(mine, key=lambda item: (item["dimension"], item["value"])):
        raise TrusteeRefusal("the cohort keys published for you are not this key file's")


def check_own_cohort_keys(keys: CohortKeys, index: int, issuers: Issuers) -> None:
    """An issuer's cohort keys are the manifest's keys of issuer ``index``, exactly: one per
    stated value. A server that swapped in a key of its own could sign labels it chose (a man
    counted as a woman) or tell one voter's label apart."""
    cohorts = issuers.cohorts
    if cohorts is None:
        if keys:
            raise TrusteeRefusal("the manifest has no cohort keys, but you made some")
        return
    if index > issuers.threshold:
        return
    stated = cohorts.stated()
    if sorted(keys) != stated:
        raise TrusteeRefusal(
            "your key file does not hold a cohort key for every stated value: it was not made "
            "for this election's cohort dimensions"
        )
    for d, v in stated:
        if cohorts.keys.get((index, d, v)) != keys[(d, v)].public:
            raise TrusteeRefusal(
                f"the manifest does not hold your cohort key for dimension {d} value {v} as "
                f"issuer {index}: the server could sign labels with a key of its own"
            )


def check_announced_cohort_keys(status: dict[str, Any], issuers: Issuers) -> None:
    """Every cohort key of the manifest is the one its issuer announced, with a valid proof of
    possession over this ceremony; trustees beyond ``k`` announced none."""
    cohorts = issuers.cohorts
    if cohorts is None:
        return
    cc = bytes.fromhex(status["ceremony_context"])
    stated = cohorts.stated()
    for trustee in status["trustees"]:
        index, announced = trustee["index"], trustee.get("cohort_keys")
        if index > issuers.threshold:
            if announced:
                raise TrusteeRefusal(f"trustee {index} is no issuer but announced cohort keys")
            continue
        if not isinstance(announced, list) or len(announced) != len(stated):
            raise TrusteeRefusal(f"trustee {index}'s announced cohort keys are missing")
        for (d, v), item in zip(stated, announced, strict=True):
            try:
                pem = check_cohort_key(cc, index, d, v, item)
            except CryptoError as exc:
                raise TrusteeRefusal(f"trustee {index}'s cohort key: {exc}") from None
            if blind_rsa.BlindRsaPublicKey.from_pem(pem) != cohorts.keys[(index, d, v)]:
                raise TrusteeRefusal(
                    f"the manifest's cohort key of issuer {index} for dimension {d} value {v} "
                    "is not the key that trustee announced"
                )


# -- labels and signing --------------------------------------------------------------------------


def ballot_labels(ballot: dict[str, Any]) -> tuple[tuple[int, int], ...]:
    """The ``(dimension, value)`` of a checked ballot's labels."""
    return tuple((x["dimension"], x["value"]) for x in ballot["credential"].get("cohorts", []))


def check_label_requests(keys: CohortKeys, labels: Any) -> list[tuple[int, int, bytes]]:
    """A queued request's labels as an issuer checks them before signing: a list, at most one
    label per dimension (ascending), each a value this issuer holds a key for, its blinded
    message lowercase hex of its key's length. ``CryptoError`` naming what is wrong."""
    if not isinstance(labels, list):
        raise CryptoError("the request's labels are not a list")
    if labels and not keys:
        raise CryptoError("the request has cohort labels and this issuer holds no cohort key")
    out, previous = [], 0
    for label in labels:
        if not isinstance(label, dict) or set(label) != {"dimension", "value", "blinded_message"}:
            raise CryptoError('a label is {"dimension", "value", "blinded_message"}')
        d, v, blinded = label["dimension"], label["value"], label["blinded_message"]
        if type(d) is not int or d <= previous:
            raise CryptoError("at most one label per dimension, in ascending order")
        previous = d
        key = keys.get((d, v)) if type(v) is int else None
        if key is None:
            raise CryptoError(f"no cohort key of this issuer is for dimension {d} value {v!r}")
        if (
            not isinstance(blinded, str)
            or len(blinded) != 2 * key.public.modulus_length
            or blinded != blinded.lower()
        ):
            raise CryptoError(f"the blinded label of dimension {d} does not fit its key")
        try:
            out.append((d, v, bytes.fromhex(blinded)))
        except ValueError:
            raise CryptoError(f"the blinded label of dimension {d} is not hex") from None
    return out


# -- before decrypting ---------------------------------------------------------------------------


def _merged(cohorts: Cohorts, value: Any) -> set[tuple[int, int]]:
    stated = set(cohorts.stated())
    if not isinstance(value, list) or any(
        not isinstance(m, list) or len(m) != 2 or tuple(m) not in stated for m in value
    ):
        raise TrusteeRefusal("the server's merge map does not list stated values")
    return {tuple(m) for m in value}


def check_cohort_tally(
    manifest: dict[str, Any], counted: Iterable[Labelled], server: dict[str, Any]
) -> tuple[list, list[Release]]:
    """Recompute the per-cohort sums and the release plan (protocol §12.4–§12.5) from the
    counted ballots' labels and rows, with the server's merge map (merging only ever widens a
    group, and the rule then holds whatever was merged); refuse a counted ballot carrying a
    merged label, and a server whose sums or plan differ. Returns our sums and plan."""
    cohorts = parse_definition(manifest)
    if cohorts is None:
        raise TrusteeRefusal("the election has no cohort dimensions")
    if not isinstance(server, dict) or set(server) != {"merged", "sums", "plan"}:
        raise TrusteeRefusal('the server\'s cohort tally must be {"merged", "sums", "plan"}')
    merged = _merged(cohorts, server["merged"])
    rows: list[Labelled] = []
    for labels, row in counted:
        for d, v in labels:
            if (d, v) in merged:
                raise TrusteeRefusal(
                    f"a counted ballot carries the label of dimension {d} value {v}, which was "
                    "merged into not stated: the record would fail, refusing to decrypt"
                )
        rows.append((labels, row))
    widths = [shape.width for shape in shapes(manifest)]
    _, sums, plan = tally_by_cohort(cohorts, merged, rows, widths)
    theirs = server["plan"]
    mine = [release_json(r) for r in plan]
    if canonical_json(theirs) != canonical_json(mine):
        for release, found in zip(mine, theirs if isinstance(theirs, list) else [], strict=False):
            if found != release:
                raise TrusteeRefusal(
                    f"the server's release plan for cohort dimension {release['dimension']} is "
                    f"{_describe(found)}, but the counted ballots' labels give "
                    f"{_describe(release)}: refusing to decrypt a cohort figure the rule "
                    f"(K = {cohorts.minimum}) does not allow"
                )
        raise TrusteeRefusal("the server's release plan does not have one entry per dimension")
    if canonical_json(server["sums"]) != canonical_json(sums):
        raise TrusteeRefusal(
            "the server's per-cohort sums are not the sums of the counted ballots by label"
        )
    return sums, plan


def _describe(release: Any) -> str:
    if not isinstance(release, dict):
        return "malformed"
    if release.get("groups") is None:
        return f"withheld ({release.get('reason')})"
    return f"published as groups {release.get('groups')}"


def cohort_shares(
    index: int, share: Scalar, fingerprint: bytes, sums: Sequence, plan: Sequence[Release]
) -> list:
    """The decryption's ``cohorts``: per dimension ``[]`` if our plan withholds it, else per
    group ``None`` (no ballot) or our shares of its sum, in tally layout (``ctx = fingerprint``).
    The sums are our own (``check_cohort_tally``), made by libsodium: no re-validation."""
    out: list = []
    for release in plan:
        if release.groups is None:
            out.append([])
            continue
        groups: list = []
        for group in release.groups:
            totals = group_sum(sums[release.dimension - 1], group)
            if all(a == IDENTITY_BYTES for q in totals for a, _ in q):
                groups.append(None)
                continue
            groups.append(
                [
                    [
                        to_json(
                            partial_decrypt(
                                fingerprint,
                                index,
                                share,
                                Ciphertext(Point._trusted(a), Point._trusted(b)),
                            )
                        )
                        for a, b in q
                    ]
                    for q in totals
                ]
            )
        out.append(groups)
    return out
