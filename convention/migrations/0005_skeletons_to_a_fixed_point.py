"""Skeletons are now folded until nothing changes (``convention.names.skeleton``): recompute the
stored ones that differ (only names with a character whose prototype folds again)."""

from django.db import migrations

from convention.names import skeleton

FIELDS = [("User", "username", "username_skeleton"),
          ("Membership", "pseudonym", "pseudonym_skeleton"),
          ("PseudonymHold", "pseudonym", "pseudonym_skeleton")]  # fmt: skip


def recompute(apps, schema_editor):
    for model_name, source, target in FIELDS:
        model = apps.get_model("convention", model_name)
        changed = []
        for row in model.objects.only("pk", source, target).iterator(chunk_size=2000):
            value = skeleton(getattr(row, source))
            if value != getattr(row, target):
                setattr(row, target, value)
                changed.append(row)
        model.objects.bulk_update(changed, [target], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("convention", "0004_pseudonym_holds_and_change_hour")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
