"""The hours an election's poll opened and closed, to the hour (docs/elections.md §8: the
record's ``poll`` line; the verifier checks every entry's hour lies between them)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('voting', '0002_ballot_v2_board_references'),
    ]

    operations = [
        migrations.AddField(
            model_name='election',
            name='closed_hour',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='election',
            name='opened_hour',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
