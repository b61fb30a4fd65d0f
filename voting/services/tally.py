"""The tally: the counted ballot per credential (greatest board reference, then position),
homomorphic aggregate, decryption shares, results (docs/elections.md §7).

``compute_encrypted_tally`` and ``combine_decryptions`` are idempotent: each locks the election,
returns at once if its result already exists, and writes its result in one transaction, so a
task that dies half-way and is retried starts again from a clean state. ``sweep_due_tallies``
(beat, every minute) runs whichever of them the committed state says is due, so work whose
task was never enqueued (broker down) or was lost is done anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from voting.crypto.dlog import DiscreteLogTable
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import Point
from voting.crypto.serialization import from_json
from voting.crypto.threshold import (
    DecryptionShare,
    combine_decryption_shares,
    verify_partial_decryption,
)
from voting.exceptions import DecryptionRejected, WrongState
from voting.models import BoardEntry, DecryptionSubmission, Election, ElectionState, Trustee
from voting.outbox import after_commit
from voting.services import cohorts, lifecycle
from voting.services.ceremony import trustee_verification_keys
from voting.verify.election import shapes
from voting.verify.results import aggregate, counted_ballot_per_credential, results_from_counts

logger = logging.getLogger(__name__)


def counted_positions(election: Election) -> list[int]:
    """Positions of the counted ballots: per credential, the greatest (board count, position)."""
    rows = BoardEntry.objects.filter(election=election, kind="ballot").values_list(
        "position", "kind", "credential_key", "board_count"
    )
    return sorted(counted_ballot_per_credential(rows.iterator(chunk_size=5000)).values())


def _split(flat: list[tuple[bytes, bytes]], widths: list[int]) -> list[list[dict[str, str]]]:
    result, start = [], 0
    for width in widths:
        result.append([{"a": a.hex(), "b": b.hex()} for a, b in flat[start : start + width]])
        start += width
    return result


def compute_encrypted_tally(election_id: int) -> None:
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election_id)
        if election.state != ElectionState.CLOSED or election.encrypted_tally is not None:
            return
        shape_list = shapes(election.manifest)
        widths = [shape.width for shape in shape_list]
        positions = set(counted_positions(election))
        rows = (
            BoardEntry.objects.filter(election=election, kind="ballot")
            .order_by("position")
            .values_list("position", "ciphertexts")
            .iterator(chunk_size=2000)
        )
        # With cohort dimensions each ballot is added once, into its cell; the overall sum is
        # the sum of the cells (voting.services.cohorts).
        flat = cohorts.compute_cohort_tally(election, positions)
        if flat is None:
            flat = aggregate(
                (bytes(blob) for position, blob in rows if position in positions), sum(widths)
            )
        election.encrypted_tally = {"counted": len(positions), "questions": _split(flat, widths)}
        update = ["encrypted_tally"]
        if election.cohort_tally is not None:
            update.append("cohort_tally")
        if not positions:
            # Nothing to decrypt: every total is an encryption of 0 with A = O.
            zeros = [[0] * width for width in widths]
            election.results = results_from_counts(shape_list, zeros, 0)
            update.append("results")
            if election.cohort_tally is not None:
                cohorts.combine(election, [])
                update.append("cohort_results")
        election.save(update_fields=update)
    if not positions:
        lifecycle.transition(election, ElectionState.TALLIED, by="system")


def tally_ciphertexts(election: Election) -> list[list[Ciphertext]]:
    return [
        [from_json(Ciphertext, ct) for ct in question]
        for question in election.encrypted_tally["questions"]
    ]


def submit_decryption(*, election: Election, trustee: Trustee, message: Any) -> None:
    """Check and store a trustee's decryption shares; enqueue the combination when enough."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        if election.state != ElectionState.CLOSED or election.encrypted_tally is None:
            raise WrongState("there is no encrypted tally to decrypt")
        if DecryptionSubmission.objects.filter(election=election, trustee=trustee).exists():
            raise DecryptionRejected("your decryption shares were already received")
        tally = tally_ciphertexts(election)
        members = {"shares", "cohorts"} if election.cohort_tally is not None else {"shares"}
        if not isinstance(message, dict) or set(message) != members:
            raise DecryptionRejected(
                'expected {"shares": [[...], ...], "cohorts": [...]}'
                if "cohorts" in members
                else 'expected {"shares": [[...], ...]}'
            )
        questions = message["shares"]
        if not isinstance(questions, list) or len(questions) != len(tally):
            raise DecryptionRejected("one list of shares per question is required")
        key = Point.from_hex(trustee_verification_keys(election)[trustee.index])
        fingerprint = election.fingerprint_bytes
        for q, (items, cts) in enumerate(zip(questions, tally, strict=True)):
            if not isinstance(items, list) or len(items) != len(cts):
                raise DecryptionRejected(f"question {q}: one share per tally ciphertext")
            for i, (item, ct) in enumerate(zip(items, cts, strict=True)):
                try:
                    share = from_json(DecryptionShare, item, path=f"$.shares[{q}][{i}]")
                    if share.trustee != trustee.index:
                        raise DecryptionRejected(f"question {q} item {i}: names another trustee")
                    verify_partial_decryption(fingerprint, key, ct, share)
                except CryptoError as exc:
                    raise DecryptionRejected(
                        f"question {q} item {i}: {exc}", question=q, item=i
                    ) from None
        cohort_shares = None
        if election.cohort_tally is not None:
            cohort_shares = cohorts.check_decryption(election, trustee, message["cohorts"], key)
        DecryptionSubmission.objects.create(
            election=election, trustee=trustee, shares=questions, cohort_shares=cohort_shares
        )
        if election.decryptions.count() >= election.threshold:
            # ≥ threshold submissions and no results is the sweep's "combination due" marker.
            after_commit("voting.combine_decryptions", election.pk)


def combine_decryptions(election_id: int) -> None:
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election_id)
        if election.state != ElectionState.CLOSED or election.results is not None:
            return
        submissions = list(
            DecryptionSubmission.objects.filter(election=election)
            .select_related("trustee")
            .order_by("trustee__index")[: election.threshold]
        )
        if len(submissions) < election.threshold:
            return
        tally = tally_ciphertexts(election)
        counted = election.encrypted_tally["counted"]
        table = DiscreteLogTable(bound=max(counted, 1))
        totals = []
        for q, cts in enumerate(tally):
            values = []
            for i, ct in enumerate(cts):
                shares = [from_json(DecryptionShare, s.shares[q][i]) for s in submissions]
                point = combine_decryption_shares(ct, shares, election.threshold)
                values.append(table.solve(point))
            totals.append(values)
        election.results = results_from_counts(shapes(election.manifest), totals, counted)
        update = ["results"]
        if election.cohort_tally is not None:
            cohorts.combine(election, submissions)
            update.append("cohort_results")
        election.save(update_fields=update)
    lifecycle.transition(election, ElectionState.TALLIED, by="system")


def sweep_due_tallies() -> list[str]:
    """Beat: compute every encrypted tally and combine every set of shares that is due. One
    election's failure is logged and does not hold up the others (the next sweep retries it)."""
    from django.db.models import Count, F

    closed = Election.objects.filter(state=ElectionState.CLOSED)
    due = [
        (compute_encrypted_tally, "encrypted_tally", pk, uuid)
        for pk, uuid in closed.filter(encrypted_tally__isnull=True).values_list("pk", "uuid")
    ]
    due += [
        (combine_decryptions, "results", pk, uuid)
        for pk, uuid in closed.filter(encrypted_tally__isnull=False, results__isnull=True)
        .annotate(submitted=Count("decryptions"))
        .filter(submitted__gte=F("threshold"))
        .values_list("pk", "uuid")
    ]
    done = []
    for work, what, pk, uuid in due:
        try:
            work(pk)
        except Exception as exc:  # noqa: BLE001 - retried at the next sweep
            logger.error("tally sweep: %s of %s failed: %s", what, uuid, type(exc).__name__)
            continue
        done.append(f"{uuid}:{what}")
    return done


def decryption_json(submission: DecryptionSubmission) -> dict:
    return {"trustee": submission.trustee.index, "shares": submission.shares}
