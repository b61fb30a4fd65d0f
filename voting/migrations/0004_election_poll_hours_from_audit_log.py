"""Fill the poll hours of elections opened before 0003 from their audit entries
(``election.open`` and ``election.closed``, written in the same transaction as the transition and
kept to the hour). Elections without such an entry keep ``null``."""

from django.db import migrations


def fill(apps, schema_editor):
    Election = apps.get_model("voting", "Election")
    AuditEntry = apps.get_model("convention", "AuditEntry")
    for election in Election.objects.filter(opened_hour__isnull=True, state__in=OPENED):
        hours = {}
        for action, field in (("election.open", "opened_hour"), ("election.closed", "closed_hour")):
            entry = (
                AuditEntry.objects.filter(action=action, target=str(election.uuid))
                .order_by("-id")
                .first()
            )
            if entry is not None:
                hours[field] = entry.at_hour
        if hours:
            Election.objects.filter(pk=election.pk).update(**hours)


OPENED = ("open", "closed", "tallied", "published")


class Migration(migrations.Migration):
    dependencies = [("voting", "0003_election_poll_hours"), ("convention", "0003_invitation_card_number")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
