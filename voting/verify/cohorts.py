"""Cohort labels and per-cohort results (docs/protocol.md §12).

An election may define up to three cohort dimensions (residence, gender, …). A credential then
carries, per dimension where its value is stated, a *label*: ``threshold`` RFC 9474 signatures
by distinct issuers, each under that issuer's key for ``(dimension, value)``, over
``label_message``. Ballots show their labels; the tally adds the counted ballots per cell (the
vector of their values) and the cells per value; K-anonymity rules decide, from public data
only, which per-dimension figures may be decrypted and published (``release_plan``). Pure
functions: no Django, no I/O; the server, the clients and the verifier share them. An election
without dimensions has no ``cohorts`` member anywhere, and nothing here is called.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from voting.crypto import blind_rsa
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, point_add, point_sub
from voting.verify.canonical import frame

MAX_DIMENSIONS = 3
MAX_VALUES = 8
DEFAULT_MINIMUM = 50
MIN_MINIMUM = 2
MAX_MINIMUM = 10**6
KINDS = ("attested", "self-declared")
NOT_STATED = 0
LANGUAGES = ("en", "fa-af", "ps")

Signature = tuple[int, bytes, bytes]  # (issuer, prefix, RSA signature)
Label = tuple[int, int, tuple[Signature, ...]]  # (dimension, value, signatures)
Vector = tuple[int, ...]  # one value per dimension, 0 = not stated
Sum = tuple[bytes, bytes]  # (A, B) encodings


class InvalidCohorts(ValueError):
    """A cohort definition, key, label or figure that breaks the rules of protocol §12."""


@dataclass(frozen=True, slots=True)
class Dimension:
    index: int  # 1-based
    kind: str
    values: int  # stated values, numbered 1 … values


@dataclass(frozen=True)
class Cohorts:
    """The manifest's cohort definition and, once the ceremony is complete, every issuer's key
    per stated value: ``keys[(issuer, dimension, value)]``."""

    minimum: int
    dimensions: tuple[Dimension, ...]
    keys: dict[tuple[int, int, int], blind_rsa.BlindRsaPublicKey] = field(
        default_factory=dict, compare=False
    )

    def dimension(self, d: int) -> Dimension:
        return self.dimensions[d - 1]

    def stated(self) -> list[tuple[int, int]]:
        return [(dim.index, v) for dim in self.dimensions for v in range(1, dim.values + 1)]


# -- definition and keys -------------------------------------------------------------------------


def _localised(value: Any, what: str) -> None:
    if (
        not isinstance(value, dict)
        or "en" not in value
        or not set(value) <= set(LANGUAGES)
        or not all(isinstance(text, str) and len(text) <= 200 for text in value.values())
        or not value["en"].strip()
    ):
        raise InvalidCohorts(f"{what} must be localised text with an English version")


def parse_definition(manifest: dict[str, Any]) -> Cohorts | None:
    """The definition's ``cohorts`` (protocol §12.1), or ``None`` if the election has none."""
    if "cohorts" not in manifest:
        return None
    value = manifest["cohorts"]
    if not isinstance(value, dict) or set(value) != {"minimum", "dimensions"}:
        raise InvalidCohorts('cohorts must be {"minimum", "dimensions"}')
    minimum = value["minimum"]
    if type(minimum) is not int or not MIN_MINIMUM <= minimum <= MAX_MINIMUM:
        raise InvalidCohorts(f"the cohort minimum K must be {MIN_MINIMUM} … {MAX_MINIMUM}")
    items = value["dimensions"]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_DIMENSIONS:
        raise InvalidCohorts(f"an election has 1 to {MAX_DIMENSIONS} cohort dimensions")
    dimensions = []
    for d, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != {"name", "kind", "values"}:
            raise InvalidCohorts(f'cohort dimension {d} must be {{"name", "kind", "values"}}')
        _localised(item["name"], f"the name of cohort dimension {d}")
        if item["kind"] not in KINDS:
            raise InvalidCohorts(f"cohort dimension {d}: kind must be one of {', '.join(KINDS)}")
        values = item["values"]
        if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
            raise InvalidCohorts(f"cohort dimension {d} has 1 to {MAX_VALUES} stated values")
        for v, label in enumerate(values, start=1):
            _localised(label, f"value {v} of cohort dimension {d}")
        dimensions.append(Dimension(d, item["kind"], len(values)))
    return Cohorts(minimum, tuple(dimensions))


def cohort_key_message(ceremony_context: bytes, trustee: int, d: int, v: int) -> bytes:
    """What an issuer signs with its key for ``(d, v)`` to show it holds it (protocol §12.2)."""
    return b"".join(
        frame(p)
        for p in (
            b"mashwara/v1/cohort-key",
            ceremony_context,
            trustee.to_bytes(8, "big"),
            d.to_bytes(8, "big"),
            v.to_bytes(8, "big"),
        )
    )


def check_cohort_key(ceremony_context: bytes, trustee: int, d: int, v: int, value: Any) -> str:
    """An announced cohort key ``{"dimension", "value", "pem", "proof"}``: returns its PEM.
    Raises ``CryptoError`` naming what is wrong."""
    if not isinstance(value, dict) or set(value) != {"dimension", "value", "pem", "proof"}:
        raise CryptoError('a cohort key must be {"dimension", "value", "pem", "proof"}')
    if value["dimension"] != d or value["value"] != v:
        raise CryptoError(f"cohort keys must come in order; expected dimension {d} value {v}")
    if not isinstance(value["pem"], str) or len(value["pem"]) > 4000:
        raise CryptoError("a cohort key's pem must be a SubjectPublicKeyInfo PEM")
    key = blind_rsa.BlindRsaPublicKey.from_pem(value["pem"])
    proof = value["proof"]
    if not isinstance(proof, str) or len(proof) != 2 * key.modulus_length or proof != proof.lower():
        raise CryptoError("a cohort key's proof must be a lowercase hex RSA signature")
    try:
        signature = bytes.fromhex(proof)
    except ValueError:
        raise CryptoError("a cohort key's proof must be a lowercase hex RSA signature") from None
    blind_rsa.verify(key, cohort_key_message(ceremony_context, trustee, d, v), signature)
    return key.to_pem()


def cohort_keys_json(pems: dict[tuple[int, int, int], str]) -> list[dict[str, Any]]:
    """The manifest's ``cohort_keys``: one per ``(issuer, dimension, value)``, sorted."""
    return [
        {"trustee": i, "dimension": d, "value": v, "pem": pem}
        for (i, d, v), pem in sorted(pems.items())
    ]


def parse_cohorts(manifest: dict[str, Any], issuers: int, other_moduli: Iterable[int]) -> Cohorts:
    """The definition with the manifest's ``cohort_keys``: one RSA key per issuer ``1 … issuers``
    (the trustees 1..k, protocol §7) and stated value, sorted, each distinct from every other key
    of the manifest."""
    cohorts = parse_definition(manifest)
    if cohorts is None:
        raise InvalidCohorts("the election has no cohort dimensions")
    items = manifest.get("cohort_keys")
    expected = [(i, d, v) for i in range(1, issuers + 1) for d, v in cohorts.stated()]
    if not isinstance(items, list) or len(items) != len(expected):
        raise InvalidCohorts("the manifest needs one cohort key per issuer and stated value")
    keys: dict[tuple[int, int, int], blind_rsa.BlindRsaPublicKey] = {}
    for (i, d, v), item in zip(expected, items, strict=True):
        if not isinstance(item, dict) or set(item) != {"trustee", "dimension", "value", "pem"}:
            raise InvalidCohorts('a cohort key is {"trustee", "dimension", "value", "pem"}')
        if (item["trustee"], item["dimension"], item["value"]) != (i, d, v):
            raise InvalidCohorts(f"cohort keys must be sorted; expected {(i, d, v)}")
        try:
            keys[(i, d, v)] = blind_rsa.BlindRsaPublicKey.from_pem(item["pem"])
        except (CryptoError, TypeError, ValueError) as exc:
            raise InvalidCohorts(f"cohort key {(i, d, v)}: {exc}") from None
    moduli = [k.n for k in keys.values()] + list(other_moduli)
    if len(set(moduli)) != len(moduli):
        raise InvalidCohorts("two keys of the manifest are the same")
    return Cohorts(cohorts.minimum, cohorts.dimensions, keys)


def signatures_per_credential(manifest: dict[str, Any]) -> int:
    """The most RSA signatures a credential carries: ``threshold``, and as many per dimension
    for its labels (for the ballot box's size limit)."""
    dimensions = len(manifest.get("cohorts", {}).get("dimensions", []))
    return manifest["issuers"]["threshold"] * (1 + dimensions)


# -- labels --------------------------------------------------------------------------------------


def label_message(fingerprint: bytes, credential_key: bytes, d: int, v: int) -> bytes:
    """``frame("mashwara/v1/credential-cohort") ‖ frame(fp) ‖ frame(P) ‖ frame(int(d)) ‖
    frame(int(v))`` (protocol §12.3)."""
    return b"".join(
        frame(p)
        for p in (
            b"mashwara/v1/credential-cohort",
            fingerprint,
            credential_key,
            d.to_bytes(8, "big"),
            v.to_bytes(8, "big"),
        )
    )


def _hex(value: Any, length: int | None, what: str) -> bytes:
    if not isinstance(value, str) or value != value.lower() or len(value) % 2:
        raise InvalidCohorts(f"{what} must be lowercase hex")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise InvalidCohorts(f"{what} must be lowercase hex") from None
    if length is not None and len(data) != length:
        raise InvalidCohorts(f"{what} must be {length} bytes")
    return data


def parse_labels(value: Any) -> tuple[Label, ...]:
    """The credential's ``cohorts`` member: at most one label per dimension, ascending, each
    ``{"dimension", "value", "signatures"}`` with stated values only."""
    if not isinstance(value, list) or len(value) > MAX_DIMENSIONS:
        raise InvalidCohorts(f"the credential's cohorts must be a list of at most {MAX_DIMENSIONS}")
    labels = []
    previous = 0
    for item in value:
        if not isinstance(item, dict) or set(item) != {"dimension", "value", "signatures"}:
            raise InvalidCohorts('a cohort label is {"dimension", "value", "signatures"}')
        d, v = item["dimension"], item["value"]
        if type(d) is not int or not previous < d <= MAX_DIMENSIONS:
            raise InvalidCohorts("cohort labels name distinct dimensions, ascending")
        if type(v) is not int or not 1 <= v <= MAX_VALUES:
            raise InvalidCohorts("a cohort label's value must be a stated value")
        previous = d
        signatures = item["signatures"]
        if not isinstance(signatures, list) or not 1 <= len(signatures) <= 64:
            raise InvalidCohorts("a cohort label's signatures must be a list of 1 to 64")
        parsed = []
        for signature in signatures:
            if not isinstance(signature, dict) or set(signature) != {
                "issuer",
                "prefix",
                "signature",
            }:
                raise InvalidCohorts('a label signature is {"issuer", "prefix", "signature"}')
            issuer = signature["issuer"]
            if type(issuer) is not int or not 1 <= issuer <= 64:
                raise InvalidCohorts("a label signature's issuer must be a trustee index")
            prefix = _hex(signature["prefix"], blind_rsa.PREFIX_LENGTH, "a label prefix")
            rsa_signature = _hex(signature["signature"], None, "a label signature")
            if len(rsa_signature) > 1024:
                raise InvalidCohorts("a label signature is too long")
            parsed.append((issuer, prefix, rsa_signature))
        labels.append((d, v, tuple(parsed)))
    return tuple(labels)


def verify_labels(
    cohorts: Cohorts,
    threshold: int,
    fingerprint: bytes,
    credential_key: bytes,
    labels: Sequence[Label],
) -> None:
    """Each label: a dimension and stated value of the election, the valid signatures of all
    ``threshold`` issuers 1..k, ascending, under their keys for that value (protocol §12.3).
    ``CryptoError`` naming the dimension otherwise."""
    for d, v, signatures in labels:
        if d > len(cohorts.dimensions) or v > cohorts.dimension(d).values:
            raise CryptoError(f"cohort dimension {d} has no value {v}")
        if len(signatures) != threshold:
            raise CryptoError(f"the label of dimension {d} needs exactly {threshold} signatures")
        message = label_message(fingerprint, credential_key, d, v)
        for expected, (issuer, prefix, signature) in enumerate(signatures, start=1):
            if issuer != expected:
                raise CryptoError(
                    f"the label of dimension {d}: signed by issuers 1..{threshold}, ascending"
                )
            key = cohorts.keys.get((issuer, d, v))
            if key is None:
                raise CryptoError(f"issuer {issuer} has no key for dimension {d} value {v}")
            try:
                blind_rsa.verify(key, prefix + message, signature)
            except CryptoError:
                raise CryptoError(
                    f"the label of dimension {d} (value {v}): issuer {issuer}'s signature "
                    "does not verify"
                ) from None


def label_vector(dimensions: int, labels: Iterable[tuple[int, int]]) -> Vector:
    """The value per dimension (0 where the credential states none)."""
    vector = [NOT_STATED] * dimensions
    for d, v in labels:
        vector[d - 1] = v
    return tuple(vector)


def apply_merges(vector: Vector, merged: set[tuple[int, int]]) -> Vector:
    return tuple(NOT_STATED if (d, v) in merged else v for d, v in enumerate(vector, start=1))


# -- what may be shown ---------------------------------------------------------------------------


def roll_merges(
    cohorts: Cohorts,
    counts: dict[tuple[int, int], int],
    totals: dict[int, int] | None = None,
) -> set[tuple[int, int]]:
    """Stated values merged into not stated before any figure is shown (protocol §12.5, rules 1
    and 2): every value held by fewer than K (attested: entries of the frozen roll;
    self-declared: issued labels), then, where ``totals`` gives dimension ``d``'s whole (the
    roll's entries, or the issued credentials) and not stated (the whole less the kept values)
    is above 0 and under K, the smallest kept value too, and again — else the merged values'
    count would be the whole less the published counts."""
    merged: set[tuple[int, int]] = set()
    for dim in cohorts.dimensions:
        stated = [counts.get((dim.index, v), 0) for v in range(1, dim.values + 1)]
        short = {v for v, n in enumerate(stated, 1) if n < cohorts.minimum}
        total = (totals or {}).get(dim.index)
        if total is None:
            kept = set(range(1, dim.values + 1)) - short
        else:
            sizes = [max(total - sum(stated), 0), *stated]
            groups = _merge_short(dim.values, sizes, cohorts.minimum)
            kept = {g[0] for g in groups or () if g[0] != NOT_STATED and len(g) == 1} - short
        merged |= {(dim.index, v) for v in range(1, dim.values + 1) if v not in kept}
    return merged


@dataclass(frozen=True, slots=True)
class Release:
    """What may be published of one dimension: its value groups (not stated, with whatever was
    merged into it, first), or ``None`` with the reason it is withheld."""

    dimension: int
    kind: str
    groups: tuple[tuple[int, ...], ...] | None
    reason: str | None = None

    def group_of(self, value: int) -> int:
        for index, group in enumerate(self.groups or ()):
            if value in group:
                return index
        raise KeyError(value)


def _merge_short(
    values: int, counts: Sequence[int], minimum: int, merged: Iterable[int] = ()
) -> list[list[int]] | None:
    """Rule 3's first part for one dimension: the groups, or ``None`` if only not stated is
    left (every published figure, not stated included, has 0 or ≥ K ballots). The values of
    ``merged`` (the merge map's, rules 1 and 2) start in not stated's group."""
    merged = set(merged)
    groups = {v: [v] for v in range(values + 1) if v not in merged}
    groups[NOT_STATED] = [NOT_STATED, *sorted(merged)]

    def size(v: int) -> int:
        return sum(counts[u] for u in groups[v])

    while True:
        stated = [v for v in groups if v != NOT_STATED]
        short = [v for v in stated if 0 < size(v) < minimum]
        if not short and not 0 < size(NOT_STATED) < minimum:
            break
        if not stated:
            return None
        pool = short or stated
        smallest = min(pool, key=lambda v: (size(v), v))
        groups[NOT_STATED] += groups.pop(smallest)
    if len(groups) == 1:
        return None
    return [sorted(groups[v]) for v in sorted(groups)]


def release_plan(
    cohorts: Cohorts, vectors: Sequence[Vector], merged: Iterable[tuple[int, int]] = ()
) -> list[Release]:
    """Protocol §12.5 rule 3, from the labels of the counted ballots (after the merge map
    ``merged``, whose values start in not stated's group: a merged value is never published as
    a group of its own, which would read as "nobody of it voted"): for each dimension in order,
    merge values until every figure has 0 or ≥ K ballots (else ``short``), then publish it only
    if every non-empty crossed cell with the dimensions already published has ≥ K ballots (else
    ``crossing``)."""
    merged = set(merged)
    k = cohorts.minimum
    plan: list[Release] = []
    published: list[Release] = []
    for dim in cohorts.dimensions:
        counts = [0] * (dim.values + 1)
        for vector in vectors:
            counts[vector[dim.index - 1]] += 1
        groups = _merge_short(dim.values, counts, k, (v for d, v in merged if d == dim.index))
        if groups is None:
            plan.append(Release(dim.index, dim.kind, None, "short"))
            continue
        release = Release(dim.index, dim.kind, tuple(tuple(g) for g in groups))
        cells: dict[tuple[int, ...], int] = {}
        for vector in vectors:
            cell = tuple(r.group_of(vector[r.dimension - 1]) for r in (*published, release))
            cells[cell] = cells.get(cell, 0) + 1
        if published and any(0 < n < k for n in cells.values()):
            plan.append(Release(dim.index, dim.kind, None, "crossing"))
            continue
        plan.append(release)
        published.append(release)
    return plan


# -- sums ----------------------------------------------------------------------------------------


def _fold_row(total: list[Sum], row: bytes, op) -> None:
    """``op`` (point addition or subtraction) of one ballot's row (``A‖B`` per ciphertext) into
    a componentwise sum, in place."""
    for i in range(len(total)):
        offset = 64 * i
        total[i] = (
            op(total[i][0], row[offset : offset + 32]),
            op(total[i][1], row[offset + 32 : offset + 64]),
        )


def _add(total: list[Sum], row: bytes) -> None:
    _fold_row(total, row, point_add)


def subtract_row(total: list[Sum], row: bytes) -> None:
    """Take one ballot's row out of a componentwise sum, in place."""
    _fold_row(total, row, point_sub)


def add_sums(total: list[Sum], other: Sequence[Sum]) -> None:
    """Add another componentwise sum into ``total``, in place."""
    for i, (a, b) in enumerate(other):
        total[i] = (point_add(total[i][0], a), point_add(total[i][1], b))


def _zero(width: int) -> list[Sum]:
    return [(IDENTITY_BYTES, IDENTITY_BYTES)] * width


def cell_sums(rows: Iterable[tuple[Vector, bytes]], width: int) -> dict[Vector, tuple[int, list]]:
    """Each counted ballot added once, into its cell: ``cell → (ballots, componentwise sum)``."""
    cells: dict[Vector, tuple[int, list[Sum]]] = {}
    for vector, row in rows:
        if len(row) != 64 * width:
            raise ValueError("a ballot row has the wrong number of ciphertexts")
        count, total = cells.get(vector) or (0, _zero(width))
        _add(total, row)
        cells[vector] = (count + 1, total)
    return cells


def _split(flat: Sequence[Sum], widths: Sequence[int]) -> list[list[dict[str, str]]]:
    out, start = [], 0
    for width in widths:
        out.append([{"a": a.hex(), "b": b.hex()} for a, b in flat[start : start + width]])
        start += width
    return out


def cohort_tally(
    cohorts: Cohorts, cells: dict[Vector, tuple[int, list]], widths: Sequence[int]
) -> list[list[dict[str, Any]]]:
    """The encrypted tally's ``cohorts`` (protocol §12.4): per dimension, per value ``0 … m``,
    the counted ballots with that value and their componentwise sum, in tally layout."""
    width = sum(widths)
    out = []
    for dim in cohorts.dimensions:
        per_value = []
        for v in range(dim.values + 1):
            count, total = 0, _zero(width)
            for vector, (n, sums) in cells.items():
                if vector[dim.index - 1] == v:
                    count += n
                    add_sums(total, sums)
            per_value.append({"value": v, "counted": count, "questions": _split(total, widths)})
        out.append(per_value)
    return out


def tally_by_cohort(
    cohorts: Cohorts,
    merged: set[tuple[int, int]],
    counted: Iterable[tuple[Iterable[tuple[int, int]], bytes]],
    widths: Sequence[int],
) -> tuple[dict[Vector, tuple[int, list]], list[list[dict[str, Any]]], list[Release]]:
    """Protocol §12.4–§12.5 from the counted ballots, each ``(labels, row)``: its labels'
    ``(dimension, value)`` and its ciphertexts in tally layout (``A‖B`` each). Each ballot is
    added once into its cell (its label vector after the merge map); returns the cells, the
    per-cohort sums (the record's ``cohort_tally``) and the release plan. The server computes
    the tally with it, and each trustee recomputes it from the board before decrypting."""
    dims = len(cohorts.dimensions)
    vectors: list[Vector] = []

    def rows() -> Iterable[tuple[Vector, bytes]]:
        for labels, row in counted:
            vector = apply_merges(label_vector(dims, labels), merged)
            vectors.append(vector)
            yield vector, row

    cells = cell_sums(rows(), sum(widths))
    return cells, cohort_tally(cohorts, cells, widths), release_plan(cohorts, vectors, merged)


def release_json(release: Release) -> dict[str, Any]:
    """A release as the server stores it beside the sums (``cohort-tally.json``'s ``plan``)."""
    return {
        "dimension": release.dimension,
        "kind": release.kind,
        "groups": [list(g) for g in release.groups] if release.groups is not None else None,
        "reason": release.reason,
    }


def group_sum(per_value: Sequence[dict[str, Any]], group: Sequence[int]) -> list[list[Sum]]:
    """The encrypted sum of a published group (the sum of its values' sums), in tally layout."""
    questions = None
    for v in group:
        value = [[(bytes.fromhex(ct["a"]), bytes.fromhex(ct["b"])) for ct in q]
                 for q in per_value[v]["questions"]]  # fmt: skip
        if questions is None:
            questions = value
        else:
            for q, row in enumerate(value):
                add_sums(questions[q], row)
    return questions or []


def cohort_results(
    plan: Sequence[Release],
    counts: Sequence[Sequence[int]],
    group_results: dict[int, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """The results' ``cohorts`` (protocol §12.5): ``group_results[d]`` holds, per group of a
    published dimension, the results of its decrypted totals (``results_from_counts``);
    ``counts[d − 1][v]`` the counted ballots per value."""
    out = []
    for release in plan:
        if release.groups is None:
            out.append(
                {
                    "dimension": release.dimension,
                    "kind": release.kind,
                    "status": "withheld",
                    "reason": release.reason,
                }
            )
            continue
        groups = []
        for group, result in zip(release.groups, group_results[release.dimension], strict=True):
            counted = sum(counts[release.dimension - 1][v] for v in group)
            if result["counted"] != counted:
                raise InvalidCohorts(f"dimension {release.dimension}: group counts disagree")
            groups.append({"values": list(group), **result})
        out.append(
            {
                "dimension": release.dimension,
                "kind": release.kind,
                "status": "published",
                "groups": groups,
            }
        )
    return out
