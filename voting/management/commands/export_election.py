"""``python manage.py export_election UUID [-o FILE]``: write the election record (JSON Lines)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from voting.models import Election
from voting.selectors import record_lines


class Command(BaseCommand):
    help = "Write an election's record (docs/elections.md §8) to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("uuid")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, uuid: str, output: str | None, **options):
        election = Election.objects.filter(uuid=uuid).first()
        if election is None or not election.fingerprint:
            raise CommandError("no election with a frozen manifest has this UUID")
        if output:
            with open(output, "wb") as handle:
                for line in record_lines(election):
                    handle.write(line)
            self.stderr.write(f"record written to {output}")
        else:
            for line in record_lines(election):
                sys.stdout.buffer.write(line)
