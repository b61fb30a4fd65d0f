"""The voting app. At start-up it registers its audit labels, its side of deliberation's ballot
port (``deliberation.ballot``: the dependency runs from voting to deliberation only) and its
Celery tasks, which services hand work to by name (``voting.outbox``)."""

from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = "Voting"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from convention.services.audit import register_action_labels
        from deliberation.ballot import register
        from voting import tasks  # noqa: F401 - registers the tasks voting.outbox names
        from voting.services.proposal_ballot import ElectionBallot

        register(ElectionBallot())

        register_action_labels(
            {
                "election.created": _("created an election"),
                "election.edited": _("edited an election"),
                "election.trustees_set": _("chose an election's trustees"),
                "election.question_added": _("added a question to an election"),
                "election.question_edited": _("edited a question of an election"),
                "election.question_moved": _("moved a question of an election"),
                "election.question_removed": _("removed a question from an election"),
                "election.option_added": _("added an option to a question"),
                "election.option_edited": _("edited an option of a question"),
                "election.option_moved": _("moved an option of a question"),
                "election.option_removed": _("removed an option from a question"),
                "election.draft": _("moved an election back to its draft"),
                "election.key_ceremony": _("started an election's key ceremony"),
                "election.credentials": _("opened an election's credential window"),
                "election.open": _("opened an election's poll"),
                "election.closed": _("closed an election's poll"),
                "election.tallied": _("an election was tallied"),
                "election.published": _("published an election's results"),
                "election.credential_reissued": _("allowed a voter one more credential"),
            }
        )
