from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = "Deliberation"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from convention.services.audit import register_action_labels

        from .models import ModerationKind

        labels = {f"moderation.{kind.value}": kind.label for kind in ModerationKind}
        labels["proposal.placed_on_ballot"] = _("placed a proposal on a ballot")
        labels["proposal.taken_off_ballot"] = _("took a proposal off a ballot")
        register_action_labels(labels)
