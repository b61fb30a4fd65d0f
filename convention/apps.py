from django.apps import AppConfig


class ConventionConfig(AppConfig):
    name = "convention"
    verbose_name = "Convention"

    def ready(self) -> None:
        from . import second_factors

        second_factors.connect()

        from django.utils.translation import gettext_lazy as _

        from .services.audit import register_action_labels

        register_action_labels(
            {
                "convention.created": _("created the convention"),
                "convention.updated": _("edited the convention"),
                "phase.moved": _("moved the convention to another phase"),
                "role.appointed": _("appointed a role"),
                "role.removed": _("removed a role"),
                "quota.set": _("set a registrar's quota"),
                "invitations.issued": _("issued invitation codes"),
                "invitation.revoked": _("revoked an invitation code"),
                # Shown as a sentence, "X is now Y" (convention/observer/audit.html).
                "member.renamed": _("changed pseudonym"),
            }
        )
