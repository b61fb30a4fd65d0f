"""Transparency pages, open to every member and meant for observers: the audit log with its
chain check, a machine-readable copy of it to recompute elsewhere, and per-registrar counts of
invitation codes. Times are shown to the hour, as they are stored.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ..models import AuditEntry, Convention, Membership, Phase, Role
from ..permissions import Action, require_permission
from ..selectors import audit_entries, invitation_counts_by_registrar
from ..services.audit import canonical_json, genesis_digest, verify_chain

ENTRIES_PER_PAGE = 50

ACTION_LABELS = {
    "convention.created": gettext_lazy("created the convention"),
    "convention.updated": gettext_lazy("edited the convention"),
    "phase.moved": gettext_lazy("moved the convention to another phase"),
    "role.appointed": gettext_lazy("appointed a role"),
    "role.removed": gettext_lazy("removed a role"),
    "quota.set": gettext_lazy("set a registrar's quota"),
    "invitations.issued": gettext_lazy("issued invitation codes"),
    "invitation.revoked": gettext_lazy("revoked an invitation code"),
    # Shown as a sentence, "X is now Y" (convention/observer/audit.html).
    "member.renamed": gettext_lazy("changed pseudonym"),
}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(entry: AuditEntry) -> str:
    """The entry's details in words, in the reader's language."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    if entry.action in ("role.appointed", "role.removed"):
        return _("role: %(role)s") % {"role": _label(Role, detail.get("role", ""))}
    if entry.action == "phase.moved":
        return _("from “%(from)s” to “%(to)s”") % {
            "from": _label(Phase, detail.get("from", "")),
            "to": _label(Phase, detail.get("to", "")),
        }
    if entry.action == "quota.set":
        return _("quota %(previous)s → %(quota)s") % {
            "previous": detail.get("previous", "?"),
            "quota": detail.get("quota", "?"),
        }
    if entry.action == "invitations.issued":
        return _("%(count)s codes") % {"count": detail.get("count", "?")}
    if entry.action == "invitation.revoked":
        return _("code on card %(hint)s") % {"hint": detail.get("hint", "?")}
    if entry.action == "convention.updated":
        text = _("fields: %(fields)s") % {"fields": ", ".join(detail.get("fields", []))}
        if "require_staff_mfa" in detail:
            text += " · " + (
                _("two-factor authentication required of staff")
                if detail["require_staff_mfa"]
                else _("two-factor authentication no longer required of staff")
            )
        return text
    return ""


@require_GET
@require_permission(Action.VIEW_AUDIT)
def audit_log(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    page = Paginator(audit_entries(convention), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (entry, str(ACTION_LABELS.get(entry.action, entry.action)), describe(entry))
        for entry in page.object_list
    ]
    return render(
        request,
        "convention/observer/audit.html",
        {
            "convention": convention,
            "page": page,
            "rows": rows,
            "chain": verify_chain(convention),
        },
    )


@require_GET
@require_permission(Action.VIEW_AUDIT)
def audit_export(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> JsonResponse:
    """Every entry with what its digest covers, oldest first, to recompute the chain elsewhere:
    digest = SHA-256(previous_digest + "\\n" + canonical), canonical as given."""
    entries = []
    for entry in AuditEntry.objects.filter(convention=convention).order_by("id").iterator():
        entries.append(
            {
                "canonical": canonical_json(
                    convention_id=entry.convention_id,
                    actor=entry.actor,
                    action=entry.action,
                    target=entry.target,
                    detail=entry.detail,
                    at_hour=entry.at_hour,
                ),
                "previous_digest": entry.previous_digest,
                "digest": entry.digest,
            }
        )
    return JsonResponse(
        {
            "convention": convention.slug,
            "genesis": genesis_digest(convention),
            "digest_rule": 'sha256(previous_digest + "\\n" + canonical), UTF-8',
            "entries": entries,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@require_permission(Action.VIEW_INVITATION_COUNTS)
def invitation_counts(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    counts = invitation_counts_by_registrar(convention)
    totals = {
        name: sum(getattr(row, name) for row in counts)
        for name in ("issued", "used", "unused", "revoked")
    }
    return render(
        request,
        "convention/observer/invitation_counts.html",
        {"convention": convention, "counts": counts, "totals": totals},
    )
