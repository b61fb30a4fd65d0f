"""Fill the names of moderation-log entries written before they were recorded.

Best effort: those entries never stored the names they were written under, so they get the
members' pseudonyms as they are now (a member renamed since shows under the new name).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill_names(apps, schema_editor):
    ModerationAction = apps.get_model("deliberation", "ModerationAction")
    Membership = apps.get_model("convention", "Membership")

    def current_name(field: str):
        # A deleted participant's placeholder is not a name: it stays empty, and the log shows
        # "deleted participant" as before.
        live = Membership.objects.filter(pk=OuterRef(field), is_deleted=False)
        return Coalesce(Subquery(live.values("pseudonym")[:1]), Value(""))

    ModerationAction.objects.filter(moderator_pseudonym="").update(
        moderator_pseudonym=current_name("moderator_id")
    )
    ModerationAction.objects.filter(subject_pseudonym="", subject__isnull=False).update(
        subject_pseudonym=current_name("subject_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("convention", "0004_pseudonym_holds_and_change_hour"),
        ("deliberation", "0004_moderation_log_names_as_they_were"),
    ]

    operations = [migrations.RunPython(fill_names, migrations.RunPython.noop)]
