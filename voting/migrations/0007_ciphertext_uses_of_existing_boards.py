"""Record the ciphertexts already on boards (data only; the table comes with 0006)."""

from django.db import migrations


def record_existing(apps, schema_editor):
    """Every ciphertext ``A`` already on a board (best effort: an earlier repeat is kept once)."""
    BoardEntry = apps.get_model("voting", "BoardEntry")
    CiphertextUse = apps.get_model("voting", "CiphertextUse")
    for entry in BoardEntry.objects.only("election_id", "ciphertexts").iterator():
        data = bytes(entry.ciphertexts)
        CiphertextUse.objects.bulk_create(
            [
                CiphertextUse(election_id=entry.election_id, a=data[i : i + 32].hex())
                for i in range(0, len(data), 64)
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [("voting", "0006_ciphertext_uses")]

    operations = [migrations.RunPython(record_existing, migrations.RunPython.noop)]
