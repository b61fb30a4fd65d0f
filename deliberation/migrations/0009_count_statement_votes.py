"""Count the votes already cast on each statement into ``Statement.vote_count``, which
``record_vote`` keeps from here on (the next statement a voter is shown is the least voted)."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_votes(apps, schema_editor):
    Statement = apps.get_model("deliberation", "Statement")
    OpinionVote = apps.get_model("deliberation", "OpinionVote")
    counted = (
        OpinionVote.objects.filter(statement=OuterRef("pk"))
        .order_by()
        .values("statement")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Statement.objects.update(
        vote_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("deliberation", "0008_statement_routing"),
    ]

    operations = [migrations.RunPython(count_votes, migrations.RunPython.noop)]
