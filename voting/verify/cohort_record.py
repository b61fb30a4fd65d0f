"""The record's cohort lines and the verifier's ``cohorts`` check (docs/protocol.md §12,
docs/elections.md §8).

A record of an election with cohort dimensions has four more lines: ``cohorts`` (before the
board: every issuer's announced key per stated value with its proof, the merge map and the
counts of the values kept), ``cohort_tally`` (after ``tally``), ``cohort_decryption`` (one per
submitting trustee, after the ``decryption`` lines) and ``cohort_results`` (after ``results``).
A record of an election without dimensions has none of them. The check recomputes everything
from the labels of the counted ballots: the merge map holds, no ballot carries a merged label,
the per-cohort sums, that they add up to the overall tally, the release plan (protocol §12.5),
the decryption of every published group and the published figures — a figure the rule forbids
fails the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from voting.crypto.blind_rsa import BlindRsaPublicKey
from voting.crypto.elgamal import Ciphertext
from voting.crypto.errors import CryptoError
from voting.crypto.group import IDENTITY_BYTES, Point, base_mul
from voting.crypto.serialization import from_json
from voting.crypto.threshold import (
    DecryptionShare,
    combine_decryption_shares,
    verify_partial_decryption,
)
from voting.verify.canonical import dumps
from voting.verify.cohorts import (
    Cohorts,
    Release,
    Sum,
    Vector,
    add_sums,
    apply_merges,
    cell_sums,
    check_cohort_key,
    cohort_results,
    cohort_tally,
    group_sum,
    label_vector,
    release_plan,
    subtract_row,
)
from voting.verify.election import Shape, ranked_pairs
from voting.verify.results import results_from_counts

LINE_KEYS = {
    "cohorts": {"type", "keys", "merged", "counts"},
    "cohort_tally": {"type", "tally"},
    "cohort_decryption": {"type", "trustee", "shares"},
    "cohort_results": {"type", "results"},
}


Cells = dict[Vector, tuple[int, list[Sum]]]  # cell → (ballots, componentwise sum), as cell_sums


def chunk_cells(
    entries: Iterable[tuple[tuple[tuple[int, int], ...] | None, bytes]],
    dimensions: int,
    merged: frozenset[tuple[int, int]],
    width: int,
) -> Cells | None:
    """In a worker: the cells of a chunk's countable entries, each ``(labels, row)`` (``None``
    if a row does not fit the ballot's width: the parent then adds the counted rows itself)."""
    try:
        return cell_sums(
            ((apply_merges(label_vector(dimensions, labels or ()), merged), row)
             for labels, row in entries),
            width,
        )  # fmt: skip
    except ValueError:
        return None


class RunningCells:
    """The per-cohort cells of the countable entries, added chunk by chunk from the workers'
    answers under the same conditions as the overall sum (record.py ``_add_sums``): after the
    board, those less the rows the selection passed over are the counted ballots' cells, a
    handful of subtractions instead of adding every counted ballot into its cell in the main
    process while the other cores idle. ``cells`` is ``None`` once any chunk's cells cannot be
    trusted to be those of the entries passed to the count; ``CohortRecord.finish`` then adds
    the counted rows one by one."""

    def __init__(self, dimensions: int, merged: frozenset[tuple[int, int]], width: int) -> None:
        self.dimensions = dimensions
        self.merged = merged
        self.width = width
        self.cells: Cells | None = {}

    def worker_args(self) -> tuple[int, frozenset[tuple[int, int]]]:
        """What a worker needs to compute its chunk's cells (``chunk_cells``)."""
        return self.dimensions, self.merged

    def drop(self) -> None:
        self.cells = None

    def add(self, chunk: Cells | None) -> None:
        if self.cells is None:
            return
        if chunk is None or any(len(sums) != self.width for _, sums in chunk.values()):
            self.cells = None
            return
        for vector, (count, sums) in chunk.items():
            before = self.cells.get(vector)
            if before is None:
                self.cells[vector] = (count, list(sums))
                continue
            add_sums(before[1], sums)
            self.cells[vector] = (before[0] + count, before[1])

    def counted(
        self,
        passed_over: dict[int, bytes],
        labels: dict[int, tuple[tuple[int, int], ...]],
    ) -> Cells | None:
        """The counted ballots' cells: each passed-over row taken out of its own cell."""
        if self.cells is None:
            return None
        cells = {vector: (count, list(sums)) for vector, (count, sums) in self.cells.items()}
        for position, row in passed_over.items():
            vector = apply_merges(label_vector(self.dimensions, labels.get(position, ())),
                                  self.merged)  # fmt: skip
            if vector not in cells or len(row) != 64 * self.width:
                return None
            count, total = cells[vector]
            subtract_row(total, row)
            if count == 1:
                del cells[vector]
            else:
                cells[vector] = (count - 1, total)
        return cells


def totals_from_results(shape_list: list[Shape], questions: Any) -> list[list[int]]:
    """The counts a result claims, in tally layout (a ranked question's pairs ``e_ij, e_ji``)."""
    out = []
    for shape, result in zip(shape_list, questions, strict=True):
        if shape.kind == "ranked":
            matrix = result["pairwise"]
            row = []
            for i, j in ranked_pairs(shape.options):
                row += [matrix[i][j], matrix[j][i]]
            out.append(row)
        else:
            out.append(list(result["counts"]))
    return out


class CohortRecord:
    """State of the cohort lines while a record is read, and the final check. ``fail`` reports
    a failure of the ``cohorts`` check."""

    def __init__(self, cohorts: Cohorts | None, fail) -> None:
        self.cohorts = cohorts
        self.fail = fail
        self.seen: set[str] = set()
        self.merged: set[tuple[int, int]] = set()
        self.counts: dict[tuple[int, int], int] = {}
        self.labels: dict[int, tuple[tuple[int, int], ...]] = {}  # position → labels
        self.tally: Any = None
        self.decryptions: list[dict[str, Any]] = []
        self.results: Any = None

    # lines

    def line(self, kind: str, item: dict[str, Any], manifest: dict[str, Any]) -> None:
        self.seen.add(kind)
        if self.cohorts is None:
            self.fail(f"a {kind} line in the record of an election without cohort dimensions")
            return
        if kind == "cohorts":
            self._cohorts_line(item, manifest)
        elif kind == "cohort_tally":
            self.tally = item["tally"]
        elif kind == "cohort_decryption":
            if self.decryptions and not self.decryptions[-1]["trustee"] < item["trustee"]:
                self.fail(f"the cohort decryption of trustee {item['trustee']} is out of order")
            self.decryptions.append(item)
        else:
            self.results = item["results"]

    def _cohorts_line(self, item: dict[str, Any], manifest: dict[str, Any]) -> None:
        cohorts = self.cohorts
        cc = bytes.fromhex(manifest["ceremony_context"])
        keys = item["keys"]
        expected = [(i, d, v) for (i, d, v) in sorted(cohorts.keys)]
        if not isinstance(keys, list) or len(keys) != len(expected):
            self.fail("the cohorts line must announce one key per issuer and stated value")
        else:
            for (i, d, v), announced in zip(expected, keys, strict=True):
                try:
                    if not isinstance(announced, dict) or announced.get("trustee") != i:
                        raise CryptoError(f"expected the key of trustee {i}")
                    body = {k: x for k, x in announced.items() if k != "trustee"}
                    pem = check_cohort_key(cc, i, d, v, body)
                except CryptoError as exc:
                    self.fail(f"trustee {i}'s key for dimension {d} value {v}: {exc}")
                    continue
                if BlindRsaPublicKey.from_pem(pem) != cohorts.keys[(i, d, v)]:
                    self.fail(
                        f"the manifest's key of trustee {i} for dimension {d} value {v} is not "
                        "the one it announced"
                    )
        stated = set(cohorts.stated())
        merged = item["merged"]
        if not isinstance(merged, list) or any(
            not isinstance(m, list) or len(m) != 2 or tuple(m) not in stated for m in merged
        ):
            self.fail("merged must list stated values [dimension, value]")
            merged = []
        self.merged = {tuple(m) for m in merged}
        if merged != sorted(merged) or len(self.merged) != len(merged):
            self.fail("the merged values must be sorted, each once")
        counts = item["counts"]
        kept = sorted(stated - self.merged)
        if (
            not isinstance(counts, list)
            or [
                (c.get("dimension"), c.get("value")) if isinstance(c, dict) else None
                for c in counts
            ]
            != kept
        ):
            self.fail("counts must give every stated value that was not merged, in order")
            return
        for c in counts:
            n = c.get("count")
            if set(c) != {"dimension", "value", "count"} or type(n) is not int:
                self.fail("a count is {dimension, value, count}")
                continue
            if n < cohorts.minimum:
                self.fail(
                    f"dimension {c['dimension']} value {c['value']} has {n} entries, fewer "
                    f"than K = {cohorts.minimum}: it had to be merged into not stated"
                )
            self.counts[(c["dimension"], c["value"])] = n

    def ballot(self, position: int, labels: tuple[tuple[int, int], ...] | None) -> None:
        if labels is None:
            return
        self.labels[position] = labels
        for d, v in labels:
            if (d, v) in self.merged:
                self.fail(
                    f"the ballot at position {position} carries the label of dimension {d} "
                    f"value {v}, which was merged into not stated"
                )

    def running_cells(self, width: int) -> RunningCells | None:
        """Running cells for the board (``None`` without dimensions): the merge map is the
        ``cohorts`` line's, which comes before the board."""
        if self.cohorts is None:
            return None
        return RunningCells(len(self.cohorts.dimensions), frozenset(self.merged), width)

    # the check

    def _not_stated_held(self, roll: dict[str, Any]) -> None:
        """Rules 1 and 2 (protocol §12.5): per dimension, its whole (attested: the roll's
        entries; self-declared: the credentials requested, the roll's issued + reissued) less
        the kept values' counts — not stated, with the merged values — is 0 or ≥ K, else a
        merged value's count would be public by subtraction. Unless no value is kept: a whole
        under K leaves nothing to merge (and nothing apart to subtract from)."""
        k = self.cohorts.minimum
        for dim in self.cohorts.dimensions:
            attested = dim.kind == "attested"
            whole = roll["size"] if attested else roll["issued"] + roll["reissued"]
            kept = sum(n for (d, _), n in self.counts.items() if d == dim.index)
            rest = whole - kept
            what = "roll entries" if attested else "credentials requested"
            if rest < 0:
                self.fail(
                    f"dimension {dim.index}: its kept values count {kept}, more than the "
                    f"{whole} {what}"
                )
            elif 0 < rest < k and any(d == dim.index for d, _ in self.counts):
                self.fail(
                    f"dimension {dim.index}: not stated holds {rest} ({whole} {what} less the "
                    f"kept values' {kept}), fewer than K = {k}: the smallest kept value had to "
                    "be merged too"
                )

    def finish(
        self,
        *,
        counted: list[int],
        rows: dict[int, bytes],
        shape_list: list[Shape],
        fingerprint: bytes,
        keys: dict[int, Point],
        threshold: int,
        overall_tally: dict[str, Any] | None,
        overall_totals: list[list[int]] | None,
        roll: dict[str, Any] | None,
        running: RunningCells | None = None,
        passed_over: dict[int, bytes] | None = None,
    ) -> None:
        """The ``cohorts`` check after the record. ``running`` holds the workers' cells of the
        countable entries and ``passed_over`` the rows the selection passed over; without them
        each counted row is added into its cell here."""
        cohorts = self.cohorts
        if cohorts is None:
            return
        for kind in ("cohorts", "cohort_tally", "cohort_results"):
            if kind not in self.seen:
                self.fail(f"no {kind} line")
        reissued = roll["reissued"] if roll else 0
        if roll is not None and "cohorts" in self.seen:
            self._not_stated_held(roll)
        if self.tally is None or self.results is None or overall_tally is None:
            return
        dims = len(cohorts.dimensions)
        vectors = {
            p: apply_merges(label_vector(dims, self.labels.get(p, ())), self.merged)
            for p in counted
        }
        for (d, v), bound in self.counts.items():
            labelled = sum(1 for p in counted if vectors[p][d - 1] == v)
            if labelled > bound + reissued:
                self.fail(
                    f"{labelled} counted ballots carry dimension {d} value {v}, but only {bound} "
                    f"were issued (+{reissued} re-issues)"
                )
        self._adds_up(overall_tally)
        widths = [shape.width for shape in shape_list]
        cells = None
        if running is not None and running.merged == self.merged:
            cells = running.counted(passed_over or {}, self.labels)
        if cells is None:
            cells = cell_sums(((vectors[p], rows[p]) for p in counted), sum(widths))
        expected = cohort_tally(cohorts, cells, widths)
        if dumps(expected) != dumps(self.tally):
            for d, (mine, theirs) in enumerate(zip(expected, _list(self.tally), strict=False), 1):
                if dumps(mine) != dumps(theirs):
                    self.fail(
                        f"dimension {d}: the per-cohort sums are not the sums of the counted "
                        "ballots by label"
                    )
            if len(_list(self.tally)) != dims:
                self.fail("the cohort tally does not have one entry per dimension")
            return
        plan = release_plan(cohorts, [vectors[p] for p in counted], self.merged)
        counts = [[value["counted"] for value in per_value] for per_value in expected]
        self._compare_plan(plan)
        group_totals = self._decrypt(plan, expected, shape_list, fingerprint, keys, threshold)
        if group_totals is None:
            return
        group_results = {}
        for release, per_group in group_totals.items():
            group_results[release.dimension] = [
                results_from_counts(shape_list, totals, sum(counts[release.dimension - 1][v]
                                                            for v in group))
                for group, totals in zip(release.groups, per_group, strict=True)
            ]  # fmt: skip
            if overall_totals is not None:
                summed = [
                    [sum(t[q][i] for t in per_group) for i in range(len(row))]
                    for q, row in enumerate(overall_totals)
                ]
                if summed != overall_totals:
                    self.fail(
                        f"dimension {release.dimension}: the per-cohort counts do not add up to "
                        "the overall counts"
                    )
        mine = cohort_results(plan, counts, group_results)
        if dumps(mine) != dumps(self.results):
            theirs = _list(self.results)
            for release, a, b in zip(plan, mine, theirs, strict=False):
                if dumps(a) != dumps(b):
                    self.fail(
                        f"dimension {release.dimension}: the published cohort result is not the "
                        "one the counts and the rules give"
                    )
            if len(theirs) != len(mine):
                self.fail("the cohort results do not have one entry per dimension")

    def _adds_up(self, overall_tally: dict[str, Any]) -> None:
        """The published per-cohort figures of each dimension add up to the overall ones: the
        counts to ``counted``, the sums (point by point) to the tally."""
        overall = [ct for q in overall_tally["questions"] for ct in q]
        for d, per_value in enumerate(_list(self.tally), start=1):
            if sum(value["counted"] for value in per_value) != overall_tally["counted"]:
                self.fail(f"dimension {d}: the per-cohort counts do not add up to counted")
            total = group_sum(per_value, range(len(per_value)))
            flat = [{"a": a.hex(), "b": b.hex()} for q in total for a, b in q]
            if flat != overall:
                self.fail(f"dimension {d}: the per-cohort sums do not add up to the tally")

    def _compare_plan(self, plan: list[Release]) -> None:
        """Name a published figure the rule forbids (protocol §12.5) before anything else."""
        for release, theirs in zip(plan, _list(self.results), strict=False):
            if not isinstance(theirs, dict):
                continue
            if release.groups is None and theirs.get("status") != "withheld":
                self.fail(
                    f"dimension {release.dimension} is published, but the rules withhold it "
                    f"({release.reason}: a figure would cover fewer than K ballots)"
                )
            elif release.groups is not None:
                groups = [
                    g.get("values") for g in theirs.get("groups") or [] if isinstance(g, dict)
                ]
                rule = [list(g) for g in release.groups]
                if theirs.get("status") == "published" and groups != rule:
                    self.fail(
                        f"dimension {release.dimension}: the published groups are "
                        f"{groups}, the rules give {rule}"
                    )

    def _decrypt(self, plan, per_dimension, shape_list, fingerprint, keys, threshold):
        """Verify every trustee's shares of every published group and combine the
        ``threshold`` lowest valid ones; the totals of each group, or ``None``."""
        published = [r for r in plan if r.groups is not None]
        sums = {
            r: [group_sum(per_dimension[r.dimension - 1], g) for g in r.groups] for r in published
        }
        valid: dict[int, Any] = {}
        for submission in self.decryptions:
            trustee = submission["trustee"]
            if trustee not in keys or trustee in valid:
                self.fail(f"cohort decryption of trustee {trustee!r}: unknown or repeated")
                continue
            try:
                shares = _list(submission["shares"])
                if len(shares) != len(plan):
                    raise ValueError("one entry per dimension")
                parsed = {}
                for release, item in zip(plan, shares, strict=True):
                    if release.groups is None:
                        if item != []:
                            raise ValueError(f"dimension {release.dimension} is withheld")
                        continue
                    parsed[release] = self._group_shares(
                        release, _list(item), sums[release], fingerprint, keys[trustee], trustee
                    )
                valid[trustee] = parsed
            except (CryptoError, KeyError, TypeError, ValueError) as exc:
                self.fail(f"cohort decryption of trustee {trustee}: {exc}")
        if (
            published
            and len(valid) < threshold
            and any(
                A != IDENTITY_BYTES for r in published for g in sums[r] for q in g for A, _ in q
            )
        ):
            self.fail(f"only {len(valid)} valid cohort decryptions; {threshold} are needed")
            return None
        chosen = sorted(valid)[:threshold]
        out = {}
        for release in published:
            per_group = []
            for g, (group, questions) in enumerate(zip(release.groups, sums[release], strict=True)):
                claimed = self._claimed(release, g, shape_list)
                totals = []
                for q, row in enumerate(questions):
                    values = []
                    for i, (a, b) in enumerate(row):
                        ct = Ciphertext(Point._trusted(a), Point._trusted(b))
                        if a == IDENTITY_BYTES:
                            point = b
                        else:
                            shares = [valid[t][release][g][q][i] for t in chosen]
                            point = combine_decryption_shares(ct, shares, threshold).encoding
                        value = claimed[q][i] if claimed else None
                        if (
                            type(value) is not int
                            or not 0 <= value < 1 << 53
                            or (point != base_mul(value))
                        ):
                            self.fail(
                                f"dimension {release.dimension}, group {list(group)}, question "
                                f"{q}, ciphertext {i}: the decryption is not the published count"
                            )
                            return None
                        values.append(value)
                    totals.append(values)
                per_group.append(totals)
            out[release] = per_group
        return out

    def _group_shares(self, release, items, sums, fingerprint, key, trustee):
        if len(items) != len(release.groups):
            raise ValueError(f"dimension {release.dimension}: one entry per group")
        parsed = []
        for item, questions in zip(items, sums, strict=True):
            empty = all(a == IDENTITY_BYTES for q in questions for a, _ in q)
            if empty:
                if item is not None:
                    raise ValueError("a group of no ballot has no decryption share (null)")
                parsed.append(None)
                continue
            group = []
            for q, (row, cts) in enumerate(zip(_list(item), questions, strict=True)):
                group_row = []
                for i, (value, (a, b)) in enumerate(zip(_list(row), cts, strict=True)):
                    share = from_json(DecryptionShare, value)
                    if share.trustee != trustee:
                        raise CryptoError("a share names another trustee")
                    ct = Ciphertext(Point._trusted(a), Point._trusted(b))
                    try:
                        verify_partial_decryption(fingerprint, key, ct, share)
                    except CryptoError as exc:
                        raise CryptoError(
                            f"dimension {release.dimension}, question {q}, ciphertext {i}: {exc}"
                        ) from None
                    group_row.append(share)
                group.append(group_row)
            parsed.append(group)
        return parsed

    def _claimed(self, release: Release, g: int, shape_list: list[Shape]):
        try:
            theirs = _list(self.results)[release.dimension - 1]
            return totals_from_results(shape_list, theirs["groups"][g]["questions"])
        except (KeyError, TypeError, IndexError, ValueError):
            return None


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value
