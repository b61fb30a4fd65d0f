"""Cohort dimensions on the server (docs/protocol.md §12): the definition, the issuers' keys per
stated value, the merges before issuance, the label requests relayed to the issuers, the
per-cohort sums at the close, the decryption of the published groups and the record's lines.

Every function is a no-op, or is never called, for an election whose definition has no
``cohorts`` member: such an election behaves, and its record reads, exactly as before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from voting.crypto import blind_rsa
from voting.crypto.dlog import DiscreteLogTable
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, Point, point_add
from voting.crypto.serialization import from_json
from voting.crypto.threshold import (
    DecryptionShare,
    combine_decryption_shares,
    verify_partial_decryption,
)
from voting.exceptions import CeremonyRejected, DecryptionRejected, InvalidCredentialRequest
from voting.models import (
    AttestedCohort,
    BoardEntry,
    ConventionCohorts,
    CredentialRequest,
    Election,
    RollEntry,
    Trustee,
)
from voting.verify.cohorts import (
    Cohorts,
    InvalidCohorts,
    Release,
    check_cohort_key,
    cohort_keys_json,
    cohort_results,
    group_sum,
    parse_definition,
    release_json,
    roll_merges,
    tally_by_cohort,
)
from voting.verify.election import shapes
from voting.verify.results import results_from_counts


def definition_of(election: Election) -> Cohorts | None:
    source = election.manifest or election.definition
    return parse_definition(source) if source else None


def definition_member(election: Election) -> dict[str, Any] | None:
    """The definition's ``cohorts`` member: the convention's dimensions, if it has any."""
    found = ConventionCohorts.objects.filter(convention_id=election.convention_id).first()
    if found is None:
        return None
    try:
        parse_definition({"cohorts": found.definition})
    except InvalidCohorts as exc:
        raise CeremonyRejected(f"the convention's cohort dimensions: {exc}") from None
    return found.definition


# -- ceremony ------------------------------------------------------------------------------------


def announced_keys(election: Election, trustee: Trustee, value: Any) -> list[dict[str, Any]]:
    """A trustee's ``cohort_keys``: one per stated value, in order, each with its proof of
    possession (protocol §12.2), none already announced by anyone. Only the issuers, trustees
    1..k, hold cohort keys (protocol §7, §12.2): trustees k+1..n announce none."""
    cohorts = definition_of(election)
    if cohorts is None:
        if value is not None:
            raise CeremonyRejected("this election has no cohort dimensions")
        return []
    if trustee.index > election.threshold:
        if value is not None:
            raise CeremonyRejected("cohort_keys: only the issuers, trustees 1..k, hold cohort keys")
        return []
    stated = cohorts.stated()
    if not isinstance(value, list) or len(value) != len(stated):
        raise CeremonyRejected("cohort_keys: one key per stated cohort value is required")
    cc = bytes.fromhex(election.ceremony_context)
    taken = {t.issuer_key for t in election.trustees.all()}
    for other in election.trustees.exclude(pk=trustee.pk).exclude(cohort_keys=None):
        taken.update(k["pem"] for k in other.cohort_keys)
    out = []
    for (d, v), item in zip(stated, value, strict=True):
        try:
            pem = check_cohort_key(cc, trustee.index, d, v, item)
        except CryptoError as exc:
            raise CeremonyRejected(f"cohort_keys: {exc}") from None
        if pem in taken:
            raise CeremonyRejected("cohort_keys: a key was already announced")
        taken.add(pem)
        out.append({"dimension": d, "value": v, "pem": pem, "proof": item["proof"]})
    return out


def manifest_keys(trustees: list[Trustee], threshold: int) -> list[dict[str, Any]]:
    """The manifest's ``cohort_keys``: those of the issuers, trustees 1..k."""
    return cohort_keys_json(
        {
            (t.index, k["dimension"], k["value"]): k["pem"]
            for t in trustees
            if t.index <= threshold
            for k in t.cohort_keys or []
        }
    )


# -- merges --------------------------------------------------------------------------------------


def _merges_json(cohorts: Cohorts, merged: set, counts: dict) -> dict[str, Any]:
    return {
        "merged": sorted([d, v] for d, v in merged),
        "counts": [
            {"dimension": d, "value": v, "count": counts.get((d, v), 0)}
            for d, v in cohorts.stated()
            if (d, v) not in merged
        ],
    }


def freeze_attested(election: Election) -> None:
    """Right after the roll is frozen: each entry's attested values, with every value held by
    fewer than K entries merged into not stated before anything is issued (rule 1)."""
    cohorts = definition_of(election)
    if cohorts is None:
        return
    attested = {dim.index for dim in cohorts.dimensions if dim.kind == "attested"}
    entries = list(RollEntry.objects.filter(election=election))
    values: dict[int, dict[int, int]] = {}
    for membership, d, v in AttestedCohort.objects.filter(
        membership_id__in=[e.membership_id for e in entries], dimension__in=attested
    ).values_list("membership_id", "dimension", "value"):
        if v <= cohorts.dimension(d).values:
            values.setdefault(membership, {})[d] = v
    counts: dict[tuple[int, int], int] = {}
    for found in values.values():
        for d, v in found.items():
            counts[(d, v)] = counts.get((d, v), 0) + 1
    merged = {
        (d, v)
        for d, v in roll_merges(cohorts, counts, {d: len(entries) for d in attested})
        if cohorts.dimension(d).kind == "attested"
    }
    for entry in entries:
        kept = {
            str(d): v
            for d, v in values.get(entry.membership_id, {}).items()
            if (d, v) not in merged
        }
        if kept:
            entry.cohorts = kept
    RollEntry.objects.bulk_update(entries, ["cohorts"], batch_size=1000)
    election.cohort_merges = _merges_json(
        cohorts, merged, {k: n for k, n in counts.items() if k not in merged}
    )
    election.cohort_merges["counts"] = [
        c for c in election.cohort_merges["counts"] if cohorts.dimension(c["dimension"]).kind
        == "attested"
    ]  # fmt: skip


def close_window(election: Election) -> None:
    """When the poll opens: self-declared values with fewer than K issued labels are merged
    into not stated, and while not stated (the issued credentials less the kept labels) is
    above 0 and under K the smallest kept value too (rule 2); the ballot page drops such
    labels."""
    cohorts = definition_of(election)
    if cohorts is None:
        return
    issued: dict[tuple[int, int], set[tuple[int, int]]] = {}
    requests = CredentialRequest.objects.filter(roll_entry__election=election).exclude(labels=[])
    for entry, round_, labels in requests.values_list("roll_entry_id", "round", "labels"):
        for label in labels:
            issued.setdefault((label["dimension"], label["value"]), set()).add((entry, round_))
    counts = {k: len(v) for k, v in issued.items()}
    # Every credential requested, one per roll entry and round: the record's roll gives it as
    # issued + reissued (elections §3), so not stated's issued labels are public by subtraction.
    credentials = RollEntry.objects.filter(election=election).aggregate(n=Sum("issued"))["n"] or 0
    declared = {d.index for d in cohorts.dimensions if d.kind != "attested"}
    self_declared = [(d, v) for d, v in cohorts.stated() if d in declared]
    before = election.cohort_merges or {"merged": [], "counts": []}
    merged = {tuple(m) for m in before["merged"]}
    merged |= {
        k
        for k in roll_merges(cohorts, counts, dict.fromkeys(declared, credentials))
        if k in self_declared
    }
    kept = {(c["dimension"], c["value"]): c["count"] for c in before["counts"]}
    kept.update({k: counts.get(k, 0) for k in self_declared if k not in merged})
    election.cohort_merges = _merges_json(cohorts, merged, kept)


def merged_values(election: Election) -> set[tuple[int, int]]:
    return {tuple(m) for m in (election.cohort_merges or {}).get("merged", [])}


# The merge map per (election, fingerprint) for the cast path. It is final once the poll is
# open (rule 2 completes it when the poll opens), and the cast path asks only then, under the
# election's lock: kept in the process, a ballot pays a dictionary look-up.
_MERGED_FOR_BALLOTS: dict[tuple[int, str], frozenset[tuple[int, int]]] = {}
_MERGED_LIMIT = 256


def merged_for_ballots(election: Election) -> frozenset[tuple[int, int]]:
    """The values merged into not stated, for a caller that holds the election's lock and has
    seen the poll open (``voting.services.casting``)."""
    key = (election.pk, election.fingerprint)
    found = _MERGED_FOR_BALLOTS.get(key)
    if found is None:
        merges = Election.objects.filter(pk=election.pk).values_list("cohort_merges", flat=True)
        found = frozenset(tuple(m) for m in ((merges.first() or {}).get("merged", [])))
        if len(_MERGED_FOR_BALLOTS) >= _MERGED_LIMIT:
            _MERGED_FOR_BALLOTS.clear()
        _MERGED_FOR_BALLOTS[key] = found
    return found


# -- label requests ------------------------------------------------------------------------------


def parse_label_requests(
    election: Election, entry: RollEntry, issuer: int, key_of, items: Any
) -> list[dict[str, Any]]:
    """One issuer's blinded label messages ``[{"dimension", "value", "blinded_message"}…]``:
    ascending dimensions, attested ones exactly the roll entry's value, self-declared ones a
    stated value not merged, each exactly its key's length and below its modulus."""
    cohorts = definition_of(election)
    if cohorts is None:
        raise InvalidCredentialRequest("this election has no cohort dimensions")
    if not isinstance(items, list) or len(items) > len(cohorts.dimensions):
        raise InvalidCredentialRequest("labels: at most one per cohort dimension")
    merged = merged_values(election)
    out, previous = [], 0
    for item in items:
        if not isinstance(item, dict) or set(item) != {"dimension", "value", "blinded_message"}:
            raise InvalidCredentialRequest('a label is {"dimension", "value", "blinded_message"}')
        d, v = item["dimension"], item["value"]
        if type(d) is not int or not previous < d <= len(cohorts.dimensions):
            raise InvalidCredentialRequest("labels name distinct dimensions, ascending")
        previous = d
        dim = cohorts.dimension(d)
        if type(v) is not int or not 1 <= v <= dim.values or (d, v) in merged:
            raise InvalidCredentialRequest(f"dimension {d} has no value {v!r} to state")
        if dim.kind == "attested" and entry.cohorts.get(str(d)) != v:
            raise InvalidCredentialRequest(f"dimension {d} is attested: its value is not yours")
        blinded = item["blinded_message"]
        if (
            not isinstance(blinded, str)
            or len(blinded) % 2
            or not all(c in "0123456789abcdef" for c in blinded)
        ):
            raise InvalidCredentialRequest(f"the blinded label {d} must be lowercase hex")
        try:
            blind_rsa.check_blinded_message(key_of((issuer, d, v)), bytes.fromhex(blinded))
        except CryptoError as exc:
            raise InvalidCredentialRequest(
                f"the blinded label {d} for issuer {issuer} {exc}"
            ) from None
        out.append({"dimension": d, "value": v, "blinded_message": blinded, "blind_signature": ""})
    return out


def check_label_signatures(request: CredentialRequest, key_of, signatures: Any) -> bool:
    """An issuer's blind signatures of a request's labels, in order; stores them. Whether any
    was new."""
    if not isinstance(signatures, list) or len(signatures) != len(request.labels):
        raise InvalidCredentialRequest(f"request {request.pk}: one signature per label")
    changed = False
    for label, signature in zip(request.labels, signatures, strict=True):
        key = key_of((request.issuer, label["dimension"], label["value"]))
        try:
            value = bytes.fromhex(signature) if isinstance(signature, str) else b""
        except ValueError:
            value = b""
        if (
            len(value) != key.modulus_length
            or signature != signature.lower()
            or pow(int.from_bytes(value, "big"), key.e, key.n) != int(label["blinded_message"], 16)
        ):
            raise InvalidCredentialRequest(
                f"the label signature for request {request.pk} does not verify under your key"
            )
        if not label["blind_signature"]:
            label["blind_signature"] = signature
            changed = True
    return changed


# -- tally, decryption, results ------------------------------------------------------------------


# Each ballot's labels as "d:v,d:v", read by the database from the ballot's JSON text, so that
# the tally transfers a few bytes per ballot, not the ballot. PostgreSQL through jsonb (about 13
# times faster than a regular expression over the ballot text), SQLite (the zero-setup default of
# ``make run``) through its JSON1 functions, built into every SQLite Python ships with.
_SQL_LABELS = {
    "postgresql": (
        "(SELECT string_agg((l->>'dimension') || ':' || (l->>'value'), ',') "
        "FROM jsonb_array_elements(ballot::jsonb -> 'credential' -> 'cohorts') AS l)"
    ),
    "sqlite": (
        "(SELECT group_concat(json_extract(l.value, '$.dimension') || ':' || "
        "json_extract(l.value, '$.value'), ',') "
        "FROM json_each(ballot, '$.credential.cohorts') AS l)"
    ),
}


def _labels_of(text: str | None) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    return tuple(tuple(int(x) for x in item.split(":")) for item in text.split(","))


def _ballot_labels(election: Election):
    """``(position, ciphertexts, "d:v,…")`` of every ballot entry, in position order."""
    from django.db import connections
    from django.db.models.expressions import RawSQL

    entries = BoardEntry.objects.filter(election=election, kind="ballot").order_by("position")
    sql = _SQL_LABELS[connections[entries.db].vendor]  # the two databases settings accept
    return (
        entries.annotate(labels=RawSQL(sql, ()))  # noqa: S611 — a constant expression
        .values_list("position", "ciphertexts", "labels")
        .iterator(chunk_size=2000)
    )


def compute_cohort_tally(election: Election, positions: set[int]) -> list | None:
    """At the close: each counted ballot added once into its cell (the vector of its labels,
    after the merge map), the per-cohort sums as sums of cells, and the release plan (rule 3).
    Returns the overall sum (the sum of the cells, in tally order), or ``None`` for an election
    without dimensions, whose tally is computed as before."""
    cohorts = definition_of(election)
    if cohorts is None:
        return None
    widths = [shape.width for shape in shapes(election.manifest)]
    counted = (
        (_labels_of(labels), bytes(blob))
        for position, blob, labels in _ballot_labels(election)
        if position in positions
    )
    cells, sums, plan = tally_by_cohort(cohorts, merged_values(election), counted, widths)
    election.cohort_tally = {"sums": sums, "plan": [release_json(r) for r in plan]}
    overall = [(IDENTITY_BYTES, IDENTITY_BYTES)] * sum(widths)
    for _, cell in cells.values():
        overall = [
            (point_add(a, x), point_add(b, y)) for (a, b), (x, y) in zip(overall, cell, strict=True)
        ]
    return overall


def published_tally(election: Election) -> dict[str, Any] | None:
    """``cohort-tally.json``: the merge map, the per-cohort sums and the server's release plan,
    from the close on (``None`` before): what each trustee recomputes from the board and
    compares before it decrypts a group (docs/elections.md §7)."""
    if election.cohort_tally is None:
        return None
    return {"merged": merged_values_json(election), **election.cohort_tally}


def merged_values_json(election: Election) -> list[list[int]]:
    return (election.cohort_merges or {}).get("merged", [])


def plan_of(election: Election) -> list[Release]:
    return [
        Release(
            r["dimension"],
            r["kind"],
            tuple(tuple(g) for g in r["groups"]) if r["groups"] is not None else None,
            r["reason"],
        )
        for r in election.cohort_tally["plan"]
    ]


def group_ciphertexts(election: Election) -> dict[int, list[list[list[Ciphertext]] | None]]:
    """Per published dimension, per group, its encrypted sums (``None`` for a group of no
    ballot: nothing to decrypt)."""
    out = {}
    for release in plan_of(election):
        if release.groups is None:
            continue
        per_value = election.cohort_tally["sums"][release.dimension - 1]
        groups = []
        for group in release.groups:
            sums = group_sum(per_value, group)
            if all(a == IDENTITY_BYTES for q in sums for a, _ in q):
                groups.append(None)
                continue
            groups.append(
                [[Ciphertext(Point._trusted(a), Point._trusted(b)) for a, b in q] for q in sums]
            )
        out[release.dimension] = groups
    return out


def check_decryption(election: Election, trustee: Trustee, value: Any, key: Point) -> list:
    """A trustee's ``cohorts`` shares: per dimension ``[]`` if withheld, else per group ``null``
    (no ballot) or its shares in tally layout, each proof checked."""
    plan = plan_of(election)
    groups = group_ciphertexts(election)
    if not isinstance(value, list) or len(value) != len(plan):
        raise DecryptionRejected("cohorts: one entry per cohort dimension")
    fingerprint = election.fingerprint_bytes
    for release, item in zip(plan, value, strict=True):
        d = release.dimension
        if release.groups is None:
            if item != []:
                raise DecryptionRejected(f"cohorts: dimension {d} is withheld, decrypt nothing")
            continue
        if not isinstance(item, list) or len(item) != len(groups[d]):
            raise DecryptionRejected(f"cohorts: dimension {d} needs one entry per group")
        for g, (shares, cts) in enumerate(zip(item, groups[d], strict=True)):
            if cts is None:
                if shares is not None:
                    raise DecryptionRejected(f"cohorts: dimension {d} group {g} has no ballot")
                continue
            if not isinstance(shares, list) or len(shares) != len(cts):
                raise DecryptionRejected(f"cohorts: dimension {d} group {g}: one list per question")
            for q, (row, ct_row) in enumerate(zip(shares, cts, strict=True)):
                if not isinstance(row, list) or len(row) != len(ct_row):
                    raise DecryptionRejected(f"cohorts: dimension {d} group {g} question {q}")
                for i, (share_json, ct) in enumerate(zip(row, ct_row, strict=True)):
                    try:
                        share = from_json(DecryptionShare, share_json)
                        if share.trustee != trustee.index:
                            raise CryptoError("names another trustee")
                        verify_partial_decryption(fingerprint, key, ct, share)
                    except CryptoError as exc:
                        raise DecryptionRejected(
                            f"cohorts: dimension {d} group {g} question {q} item {i}: {exc}"
                        ) from None
    return value


def combine(election: Election, submissions: list) -> None:
    """The published groups' totals from ``threshold`` submissions, and the cohort results."""
    plan = plan_of(election)
    groups = group_ciphertexts(election)
    shape_list = shapes(election.manifest)
    sums = election.cohort_tally["sums"]
    counts = [[value["counted"] for value in per_value] for per_value in sums]
    table = DiscreteLogTable(bound=max(election.encrypted_tally["counted"], 1))
    group_results = {}
    for release in plan:
        if release.groups is None:
            continue
        d = release.dimension
        results = []
        for g, (group, cts) in enumerate(zip(release.groups, groups[d], strict=True)):
            counted = sum(counts[d - 1][v] for v in group)
            if cts is None:
                totals = [[0] * len(q) for q in sums[d - 1][0]["questions"]]
            else:
                totals = [
                    [
                        table.solve(
                            combine_decryption_shares(
                                ct,
                                [
                                    from_json(DecryptionShare, s.cohort_shares[d - 1][g][q][i])
                                    for s in submissions
                                ],
                                election.threshold,
                            )
                        )
                        for i, ct in enumerate(row)
                    ]
                    for q, row in enumerate(cts)
                ]
            results.append(results_from_counts(shape_list, totals, counted))
        group_results[d] = results
    election.cohort_results = cohort_results(plan, counts, group_results)


# -- record --------------------------------------------------------------------------------------


def record_lines(election: Election, where: str) -> list[dict[str, Any]]:
    """The record's cohort lines that go ``where`` (``before_board``, ``after_tally``,
    ``after_decryption``, ``after_results``); none for an election without dimensions."""
    if definition_of(election) is None:
        return []
    if where == "before_board":
        keys = [
            {"trustee": t.index, **k}
            for t in election.trustees.order_by("index")
            for k in t.cohort_keys or []
        ]
        merges = election.cohort_merges or {"merged": [], "counts": []}
        return [{"type": "cohorts", "keys": keys, **merges}]
    if where == "after_tally" and election.cohort_tally:
        return [{"type": "cohort_tally", "tally": election.cohort_tally["sums"]}]
    if where == "after_decryption":
        return [
            {"type": "cohort_decryption", "trustee": s.trustee.index, "shares": s.cohort_shares}
            for s in election.decryptions.select_related("trustee").order_by("trustee__index")
            if s.cohort_shares is not None
        ]
    if where == "after_results" and election.cohort_results is not None:
        return [{"type": "cohort_results", "results": election.cohort_results}]
    return []


# -- the results page ----------------------------------------------------------------------------


def _text(localised: dict[str, str], language: str) -> str:
    return localised.get(language) or localised["en"]


def results_view(election: Election, language: str, options: list[list[str]]) -> list[dict]:
    """What the results page shows per dimension (docs/protocol.md §12.5): its name and kind,
    the values merged before the poll, and either each published group with its counted
    ballots and its result per question (``options[q]``: option names), or the reason it is
    withheld. Empty for an election without dimensions."""
    definition = (election.manifest or {}).get("cohorts")
    if definition is None or election.cohort_results is None:
        return []
    merged = merged_values(election)
    out = []
    for found, dimension in zip(election.cohort_results, definition["dimensions"], strict=True):
        d = found["dimension"]
        names = [_text(v, language) for v in dimension["values"]]
        view = {
            "name": _text(dimension["name"], language),
            "attested": found["kind"] == "attested",
            "merged": [names[v - 1] for dd, v in sorted(merged) if dd == d],
            "withheld": found.get("reason") if found["status"] == "withheld" else None,
            "minimum": definition["minimum"],
            "groups": [],
        }
        for group in found.get("groups", []):
            stated = [names[v - 1] for v in group["values"] if v]
            questions = []
            for result, labels in zip(group["questions"], options, strict=True):
                if result["type"] == "ranked":
                    questions.append(
                        {"ranking": [[labels[i] for i in tier] for tier in result["ranking"]]}
                    )
                else:
                    counts = list(zip(labels, result["counts"], strict=True))
                    if result["type"] == "single" and result["blank"]:
                        counts.append((None, result["blank"]))
                    questions.append({"counts": counts})
            view["groups"].append(
                {
                    "not_stated": 0 in group["values"],
                    "values": stated,
                    "counted": group["counted"],
                    "questions": questions,
                }
            )
        out.append(view)
    return out


def credential_view(election: Election, entry: RollEntry | None, language: str) -> list[dict]:
    """What the credential page shows before issuance: per dimension, its name and either the
    attested value the credential will carry (after the merges) or the self-declared choices
    ("not stated" first, the default). Empty for an election without dimensions."""
    definition = (election.manifest or {}).get("cohorts")
    if definition is None or entry is None:
        return []
    merged = merged_values(election)
    out = []
    for d, dimension in enumerate(definition["dimensions"], start=1):
        names = [_text(v, language) for v in dimension["values"]]
        attested = dimension["kind"] == "attested"
        value = entry.cohorts.get(str(d)) if attested else None
        out.append(
            {
                "dimension": d,
                "name": _text(dimension["name"], language),
                "attested": attested,
                "value": names[value - 1] if value else None,
                "choices": []
                if attested
                else [(v, name) for v, name in enumerate(names, 1) if (d, v) not in merged],
            }
        )
    return out
