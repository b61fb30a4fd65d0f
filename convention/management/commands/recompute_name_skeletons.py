"""Recompute the look-alike skeletons of usernames, pseudonyms and held pseudonyms:
``recompute_name_skeletons``.

A skeleton depends on Unicode's confusables data and on ``convention.names``; after either
changes (an upgrade of ``confusable-homoglyphs``, a new folding rule), stored skeletons must be
recomputed or new names would be compared against stale ones. Rows whose new skeleton collides
with another row's are left as they are and listed, so that an operator can decide; nothing is
renamed automatically.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction

from convention.models import Membership, PseudonymHold, User
from convention.names import skeleton


class Command(BaseCommand):
    help = "Recompute username and pseudonym skeletons; list rows that now collide."

    def handle(self, *args, **options) -> None:
        changed, collisions = 0, []
        for model, name_field, skeleton_field in (
            (User, "username", "username_skeleton"),
            (Membership, "pseudonym", "pseudonym_skeleton"),
            (PseudonymHold, "pseudonym", "pseudonym_skeleton"),  # never collide: no constraint
        ):
            pending = [
                row
                for row in model.objects.order_by("pk").only("pk", name_field, skeleton_field)
                if getattr(row, skeleton_field) != skeleton(getattr(row, name_field))
            ]
            # Two passes: a row may only fit once another has moved off its old skeleton.
            for _attempt in range(2):
                left = []
                for row in pending:
                    try:
                        with transaction.atomic():
                            model.objects.filter(pk=row.pk).update(
                                **{skeleton_field: skeleton(getattr(row, name_field))}
                            )
                        changed += 1
                    except IntegrityError:
                        left.append(row)
                pending = left
            collisions += [f"{model._meta.label} #{row.pk}" for row in pending]
        self.stdout.write(f"{changed} skeleton(s) recomputed.")
        for collision in collisions:
            self.stdout.write(f"collides with another name, left unchanged: {collision}")
