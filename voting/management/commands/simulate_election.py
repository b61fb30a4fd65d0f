"""``python manage.py simulate_election --voters N [--audits N] [--revotes N]``: a demo election
end to end (single-choice, approval and ranked questions), some voters auditing a ballot before
casting and some casting again."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError

from voting.selectors import counts, record_lines
from voting.simulation import cast_all, demo_cohorts, finish, prepare
from voting.verify.record import verify_record


class Command(BaseCommand):
    help = "Run a complete election with simulated voters and trustees, real cryptography."

    def add_arguments(self, parser):
        parser.add_argument("--voters", type=int, default=20)
        parser.add_argument("--trustees", type=int, default=3)
        parser.add_argument("--threshold", type=int, default=2)
        parser.add_argument(
            "--audits", type=int, default=0, help="voters who audit a ballot before casting"
        )
        parser.add_argument(
            "--revotes", type=int, default=0, help="voters who cast a second ballot later"
        )
        parser.add_argument(
            "--cohorts",
            action="store_true",
            help="three cohort dimensions (residence and region attested, gender self-declared; "
            "one region below K is merged): per-cohort results (docs/protocol.md §12)",
        )
        parser.add_argument(
            "--cohort-minimum", type=int, default=50, help="K, the minimum cohort size"
        )
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--record", help="also write the election record to this file")

    def handle(self, *args, voters, trustees, threshold, audits, revotes, seed, record, **options):
        cohorts = demo_cohorts(options["cohort_minimum"]) if options["cohorts"] else None
        if min(voters, audits, revotes) < 0 or voters < 1:
            raise CommandError("--voters must be ≥ 1, --audits and --revotes ≥ 0")
        rng = random.Random(seed)
        started = time.perf_counter()
        sim = prepare(voters, trustees=trustees, threshold=threshold, cohorts=cohorts)
        self.stdout.write(f"election {sim.election.uuid} open with {voters} credentials")
        posted = cast_all(sim, rng, audits=audits, revotes=revotes)
        self.stdout.write(
            f"{posted['ballots']} ballots cast ({posted['revotes']} re-votes), "
            f"{posted['audits']} audited"
        )
        election = finish(sim)
        self.stdout.write(f"counts: {counts(election)}")
        for q, result in enumerate(election.results["questions"]):
            self.stdout.write(f"question {q}: {result}")
        if election.cohort_merges is not None:
            self.stdout.write(f"cohorts merged into not stated: {election.cohort_merges['merged']}")
        for found in election.cohort_results or []:
            if found["status"] == "withheld":
                self.stdout.write(f"dimension {found['dimension']}: withheld ({found['reason']})")
                continue
            for group in found["groups"]:
                self.stdout.write(
                    f"dimension {found['dimension']} values {group['values']}: "
                    f"{group['counted']} ballots, {group['questions']}"
                )
        lines = [line.decode() for line in record_lines(election)]
        if record:
            with open(record, "w", encoding="utf-8") as handle:
                handle.writelines(lines)
            self.stdout.write(f"record written to {record}")
        report = verify_record(lines)
        for line in report.lines():
            self.stdout.write(line)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{'verified' if report.ok else 'VERIFICATION FAILED'} in total {elapsed:.1f} s"
        )
