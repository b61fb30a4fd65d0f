"""Organizer pages: create and edit a convention, appoint and remove roles, set registrars'
quotas, move the convention through its phases.

Every page goes through ``require_permission``; every change goes through a service, which
checks again and writes the audit entry. Consequential changes (removing a role, moving the
phase) ask for confirmation on a second page, which works with JavaScript off.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import ConventionError
from ..forms.organizer import (
    AppointRoleForm,
    ConventionCreateForm,
    ConventionTextsForm,
    MemberRoleForm,
    PhaseForm,
    QuotaForm,
)
from ..models import Convention, Membership, Phase, Role
from ..permissions import Action, require_permission
from ..selectors import invitation_counts_by_registrar, role_holders
from ..services import conventions as convention_services
from ..services import roles as role_services
from ..services.conventions import TEXT_FIELDS, adjacent_phases

FORM_ERROR_STATUS = 400


def _add_validation_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
@require_permission(Action.CREATE_CONVENTION)
def create_convention(request: HttpRequest, *, convention: None, membership: None) -> HttpResponse:
    form = ConventionCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = convention_services.create_convention(
                    creator=request.user,
                    slug=data["slug"],
                    pseudonym=data["pseudonym"],
                    require_staff_mfa=data["require_staff_mfa"],
                    **{name: data[name] for name in TEXT_FIELDS},
                )
            except ValidationError as error:
                _add_validation_errors(form, error)
            else:
                messages.success(
                    request, _("The convention has been created. You are its organizer.")
                )
                return redirect("convention:detail", slug=created.slug)
        status = FORM_ERROR_STATUS
    return render(
        request,
        "convention/organizer/convention_form.html",
        {"form": form, "creating": True},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_permission(Action.MANAGE_CONVENTION)
def edit_convention(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    initial = {name: getattr(convention, name) for name in TEXT_FIELDS}
    initial["require_staff_mfa"] = convention.require_staff_mfa
    form = ConventionTextsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                convention_services.update_convention(
                    actor=membership, convention=convention, **form.cleaned_data
                )
            except ValidationError as error:
                _add_validation_errors(form, error)
            else:
                messages.success(request, _("The convention has been saved."))
                return redirect("convention:detail", slug=convention.slug)
        status = FORM_ERROR_STATUS
    return render(
        request,
        "convention/organizer/convention_form.html",
        {"form": form, "convention": convention, "creating": False},
        status=status,
    )


def _roles_page(request, convention, *, form=None, status=200) -> HttpResponse:
    holders = [
        (
            member,
            [
                (role, Role(role).label)
                for role in Role.values
                if member.has_role(role) and role != Role.PARTICIPANT
            ],
        )
        for member in role_holders(convention)
    ]
    return render(
        request,
        "convention/organizer/roles.html",
        {"convention": convention, "form": form or AppointRoleForm(), "holders": holders},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_permission(Action.APPOINT_ROLES)
def roles(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return _roles_page(request, convention)
    form = AppointRoleForm(request.POST)
    if form.is_valid():
        try:
            member = role_services.find_member(
                convention=convention, pseudonym=form.cleaned_data["pseudonym"]
            )
            role = form.cleaned_data["role"]
            role_services.appoint_role(
                actor=membership, convention=convention, member=member, role=role
            )
        except ConventionError as error:
            form.add_error(None, error.message)
            return _roles_page(request, convention, form=form, status=error.status)
        messages.success(
            request,
            _("%(name)s is now %(role)s.") % {"name": member.pseudonym, "role": Role(role).label},
        )
        return redirect("convention:roles", slug=convention.slug)
    return _roles_page(request, convention, form=form, status=FORM_ERROR_STATUS)


@require_POST
@require_permission(Action.APPOINT_ROLES)
def remove_role(
    request: HttpRequest, *, convention: Convention, membership: Membership
) -> HttpResponse:
    form = MemberRoleForm(request.POST, convention=convention)
    if not form.is_valid():
        messages.error(request, _("That member or role was not found in this convention."))
        return _roles_page(request, convention, status=FORM_ERROR_STATUS)
    member = form.cleaned_data["member"]
    role = form.cleaned_data["role"]
    if not form.cleaned_data["confirm"]:
        return render(
            request,
            "convention/confirm.html",
            {
                "convention": convention,
                "heading": _("Remove a role"),
                "question": _("Remove the role “%(role)s” from %(name)s?")
                % {"role": Role(role).label, "name": member.pseudonym},
                "fields": {"member": member.pk, "role": role, "confirm": "on"},
                "action_url": reverse("convention:remove_role", args=[convention.slug]),
                "confirm_label": _("Yes, remove the role"),
                "cancel_url": reverse("convention:roles", args=[convention.slug]),
            },
        )
    try:
        role_services.remove_role(actor=membership, convention=convention, member=member, role=role)
    except ConventionError as error:
        messages.error(request, error.message)
        return _roles_page(request, convention, status=error.status)
    messages.success(
        request,
        _("%(name)s no longer holds the role “%(role)s”.")
        % {"name": member.pseudonym, "role": Role(role).label},
    )
    return redirect("convention:roles", slug=convention.slug)


def _quotas_page(request, convention, *, failed=None, status=200) -> HttpResponse:
    """``failed`` is a bound form that did not go through; its row shows its errors."""
    rows = []
    counts = {c.registrar_id: c for c in invitation_counts_by_registrar(convention)}
    for registrar in role_holders(convention).filter(roles__role=Role.REGISTRAR):
        auto_id = f"id_%s_{registrar.pk}"
        if failed is not None and failed.data.get("registrar") == str(registrar.pk):
            form = failed
            form.auto_id = auto_id
        else:
            form = QuotaForm(
                convention=convention,
                initial={"registrar": registrar.pk, "quota": registrar.invitation_quota},
                auto_id=auto_id,
            )
        rows.append((registrar, counts.get(registrar.pk), form))
    return render(
        request,
        "convention/organizer/quotas.html",
        {"convention": convention, "rows": rows, "failed": failed},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_permission(Action.SET_QUOTAS)
def quotas(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return _quotas_page(request, convention)
    form = QuotaForm(request.POST, convention=convention)
    if not form.is_valid():
        return _quotas_page(request, convention, failed=form, status=FORM_ERROR_STATUS)
    registrar = form.cleaned_data["registrar"]
    try:
        role_services.set_invitation_quota(
            actor=membership,
            convention=convention,
            registrar=registrar,
            quota=form.cleaned_data["quota"],
        )
    except ConventionError as error:
        form.add_error("quota", error.message)
        return _quotas_page(request, convention, failed=form, status=error.status)
    messages.success(
        request,
        _("%(name)s may now issue %(quota)d codes in all.")
        % {"name": registrar.pseudonym, "quota": form.cleaned_data["quota"]},
    )
    return redirect("convention:quotas", slug=convention.slug)


@require_http_methods(["GET", "POST"])
@require_permission(Action.MOVE_PHASE)
def phase(request: HttpRequest, *, convention: Convention, membership: Membership) -> HttpResponse:
    choices = [(value, Phase(value).label) for value in adjacent_phases(convention.phase)]
    context = {"convention": convention, "choices": choices}
    if request.method != "POST":
        return render(request, "convention/organizer/phase.html", context)
    form = PhaseForm(request.POST, convention=convention)
    if not form.is_valid():
        context["error"] = _("The convention cannot move to that phase from where it is now.")
        return render(request, "convention/organizer/phase.html", context, status=FORM_ERROR_STATUS)
    to_phase = form.cleaned_data["to_phase"]
    if not form.cleaned_data["confirm"]:
        return render(
            request,
            "convention/confirm.html",
            {
                "convention": convention,
                "heading": _("Move to another phase"),
                "question": _(
                    "Move the convention from “%(current)s” to “%(next)s”? Members' pages change "
                    "at once, and the move is recorded in the audit log."
                )
                % {"current": convention.get_phase_display(), "next": Phase(to_phase).label},
                "fields": {"to_phase": to_phase, "confirm": "on"},
                "action_url": reverse("convention:phase", args=[convention.slug]),
                "confirm_label": _("Yes, move to “%(phase)s”") % {"phase": Phase(to_phase).label},
                "cancel_url": reverse("convention:phase", args=[convention.slug]),
            },
        )
    try:
        convention_services.move_phase(actor=membership, convention=convention, to_phase=to_phase)
    except ConventionError as error:
        context["error"] = error.message
        return render(request, "convention/organizer/phase.html", context, status=error.status)
    messages.success(
        request,
        _("The convention is now in its “%(phase)s” phase.") % {"phase": Phase(to_phase).label},
    )
    return redirect("convention:detail", slug=convention.slug)
