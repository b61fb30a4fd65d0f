"""Ballot format v2 (docs/elections.md §4–§5): each entry's ballot digest (chained into its
hash), the board count a cast ballot names (read by the counted-ballot rule), no credential key
on audited entries, and the board's audit counter (for its cap).

Entries written before have no digest (empty string): v2 cannot re-chain a v1 board, and no v1
election is expected to be running when this is applied."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_elections")]

    operations = [
        migrations.AddField(
            model_name="boardhead",
            name="audits",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="boardentry",
            name="credential_key",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddField(
            model_name="boardentry",
            name="board_count",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The board reference's count (ballot entries only).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="boardentry",
            name="digest",
            field=models.CharField(
                default="", help_text="SHA-256 of the canonical ballot.", max_length=64
            ),
            preserve_default=False,
        ),
    ]
