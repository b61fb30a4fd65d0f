"""Django admin for platform operators.

Accounts can be managed here (activating, granting the permission to create conventions).
Everything an organizer or registrar does must land in the audit log, and the admin would bypass
it, so conventions, memberships, roles and invitations are shown read-only; changes go through
the organizer and registrar pages. Audit entries are read-only by nature.

Django's admin has its own log-in form, which checks the password alone: no rate limit and no
second factor, so it would log in a staff member whose account has TOTP on the password only.
allauth's ``secure_admin_login`` replaces it: a visitor who is not logged in is sent to allauth's
log-in (its limits, its two-factor stage) and comes back; a logged-in account without staff
status gets 403. The admin's password change goes to allauth's too, which is rate-limited and
asks for the current password under the same limits. ``MASHWARA_ADMIN`` (off by default in
production) removes ``/admin/`` altogether (config/urls.py).
"""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import AuditEntry, Convention, Invitation, Membership, MembershipRole, User

admin.site.login = secure_admin_login(admin.site.login)


def _password_change_through_allauth(request: HttpRequest, extra_context=None) -> HttpResponse:
    return redirect("account_change_password")


admin.site.password_change = _password_change_through_allauth


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "joined_on", "is_active", "is_staff", "is_superuser"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username"]
    fields = [
        "username",
        "email",
        "joined_on",
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    ]
    readonly_fields = ["username", "email", "joined_on"]
    filter_horizontal = ["groups", "user_permissions"]

    def has_add_permission(self, request) -> bool:
        return False  # accounts come from invitations, not from the admin

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # members delete their own accounts, which keeps the convention's records


class MembershipRoleInline(admin.TabularInline):
    model = MembershipRole
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Convention)
class ConventionAdmin(ReadOnlyAdmin):
    list_display = ["slug", "title_en", "phase", "require_staff_mfa", "created_on"]
    list_filter = ["phase"]
    search_fields = ["slug", "title_en"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["pseudonym", "convention", "is_suspended", "is_deleted", "invitation_quota"]
    list_filter = ["convention", "is_suspended", "is_deleted"]
    search_fields = ["pseudonym"]
    exclude = ["user"]  # the admin list should not pair accounts with pseudonyms at a glance
    inlines = [MembershipRoleInline]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["hint", "convention", "registrar", "status", "issued_on"]
    list_filter = ["convention", "status"]
    exclude = ["code_hash"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "convention", "at_hour", "actor", "action", "target"]
    list_filter = ["convention", "action"]
    search_fields = ["actor", "target"]
