"""Account pages of our own: sign-up with an invitation, settings, joining, pseudonyms, deletion.

Log-in, log-out, password and two-factor pages are allauth's, rendered in our layout by the
templates under ``convention/templates/``.
"""

from __future__ import annotations

from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..forms.accounts import DeleteAccountForm, JoinConventionForm, PseudonymForm
from ..models import Membership
from ..services.accounts import change_pseudonym, delete_account, pseudonym_change_allowed_from
from ..services.signup import SignupRefused, join_convention


class InvitationSignupView(SignupView):
    """allauth's sign-up view; a code used by someone else since the form was checked comes
    back as a form error, not a server error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except SignupRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
            return self.form_invalid(form)


signup = InvitationSignupView.as_view()


def _live_memberships(user):
    return (
        Membership.objects.filter(user=user, is_deleted=False)
        .select_related("convention")
        .order_by("convention__title_en", "pk")
    )


@login_required
@never_cache
def account_settings(request: HttpRequest) -> HttpResponse:
    from allauth.mfa.adapter import get_adapter as get_mfa_adapter

    return render(
        request,
        "account/settings.html",
        {
            "memberships": _live_memberships(request.user),
            "mfa_enabled": get_mfa_adapter().is_mfa_enabled(request.user),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    form = JoinConventionForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            membership = join_convention(
                user=request.user,
                code=form.cleaned_data["invitation_code"],
                pseudonym=form.cleaned_data["pseudonym"],
            )
        except SignupRefused as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(
                request,
                _("You have joined %(convention)s.") % {"convention": membership.convention.title},
            )
            return redirect("convention:detail", slug=membership.convention.slug)
    return render(request, "account/join.html", {"form": form}, status=_status(request, form))


@login_required
@never_cache
def pseudonyms(request: HttpRequest) -> HttpResponse:
    return render(
        request, "account/pseudonyms.html", {"memberships": _live_memberships(request.user)}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pseudonym_change(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("convention"),
        pk=membership_id,
        user=request.user,
        is_deleted=False,
    )
    form = PseudonymForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            change_pseudonym(membership=membership, pseudonym=form.cleaned_data["pseudonym"])
        except SignupRefused as refusal:
            form.add_error("pseudonym", refusal.message)
        else:
            messages.success(request, _("Your pseudonym has been changed."))
            return redirect("account_pseudonyms")
    return render(
        request,
        "account/pseudonym_change.html",
        {
            "form": form,
            "membership": membership,
            "allowed_from": pseudonym_change_allowed_from(membership),
        },
        status=_status(request, form),
    )


@login_required
@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        delete_account(user=request.user, keep_contributions=form.keep_contributions)
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("home")
    return render(request, "account/delete.html", {"form": form}, status=_status(request, form))


def _status(request: HttpRequest, form) -> int:
    """Refused form submissions answer 400 rather than 200, for clients and tests alike."""
    return 400 if request.method == "POST" and form.errors else 200
