"""Data of the convention: accounts, conventions, memberships and roles, invitations, audit log.

What is stored about a person is the least the convention needs: a username, a password hash,
an optional email, and one pseudonym per convention. No address, no user agent, no time finer
than a day (accounts) or an hour (public logs).
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def current_hour():
    """Public times are kept to the hour: finer ones would help correlate people and acts."""
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def today():
    return timezone.now().date()


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Other participants never see it: they see the member's pseudonym."""

    username = models.CharField(_("username"), max_length=40, unique=True)
    username_skeleton = models.CharField(max_length=200, unique=True, editable=False)
    email = models.EmailField(_("email (optional)"), blank=True, default="")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    joined_on = models.DateField(default=today, editable=False)
    # No last_login: a precise log-in time tied to a person is not kept.
    last_login = None

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def save(self, *args, **kwargs):
        from .names import skeleton

        self.username_skeleton = skeleton(self.username)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.username


class Phase(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    DELIBERATION = "deliberation", _("Deliberation")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")


PHASE_ORDER = [Phase.REGISTRATION, Phase.DELIBERATION, Phase.VOTING, Phase.CLOSED]


class Role(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    MODERATOR = "moderator", _("Moderator")
    OBSERVER = "observer", _("Observer")
    REGISTRAR = "registrar", _("Registrar")
    TRUSTEE = "trustee", _("Trustee")
    ORGANIZER = "organizer", _("Organizer")


# Roles whose holders can change what others see or decide; a convention can require MFA of them.
STAFF_ROLES = frozenset({Role.MODERATOR, Role.REGISTRAR, Role.TRUSTEE, Role.ORGANIZER})


class MultilingualText(models.Model):
    """Title and description in the three interface languages; English is the fallback."""

    title_en = models.CharField(_("title (English)"), max_length=200)
    title_fa_af = models.CharField(_("title (Dari)"), max_length=200, blank=True)
    title_ps = models.CharField(_("title (Pashto)"), max_length=200, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=5000, blank=True)
    description_fa_af = models.TextField(_("description (Dari)"), max_length=5000, blank=True)
    description_ps = models.TextField(_("description (Pashto)"), max_length=5000, blank=True)

    class Meta:
        abstract = True

    def _localised(self, field: str) -> str:
        suffix = (get_language() or "en").replace("-", "_").lower()
        return getattr(self, f"{field}_{suffix}", "") or getattr(self, f"{field}_en")

    @property
    def title(self) -> str:
        return self._localised("title")

    @property
    def description(self) -> str:
        return self._localised("description")


class Convention(MultilingualText):
    slug = models.SlugField(max_length=60, unique=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.REGISTRATION)
    require_staff_mfa = models.BooleanField(
        _("require two-factor authentication for moderators, registrars, trustees, organizers"),
        default=True,
    )
    created_on = models.DateField(default=today, editable=False)

    class Meta:
        ordering = ["-created_on", "slug"]

    def __str__(self) -> str:
        return self.title_en


class Membership(models.Model):
    """A person's place in one convention. ``user`` is null once the account is deleted."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships"
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=40)
    pseudonym_skeleton = models.CharField(max_length=200, editable=False)
    invited_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="invitees"
    )
    invitation_quota = models.PositiveIntegerField(default=0)
    is_suspended = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    joined_on = models.DateField(default=today, editable=False)
    # The hour of the last change, as the audit log shows it: it limits how often the name can
    # change (convention.services.accounts.PSEUDONYM_CHANGE_INTERVAL).
    pseudonym_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "user"], name="one_membership_per_person"
            ),
            models.UniqueConstraint(
                fields=["convention", "pseudonym_skeleton"], name="pseudonyms_distinguishable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym} @ {self.convention.slug}"

    def save(self, *args, **kwargs):
        from .names import skeleton

        self.pseudonym_skeleton = skeleton(self.pseudonym)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return str(_("deleted participant")) if self.is_deleted else self.pseudonym

    def role_set(self) -> frozenset[str]:
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("roles")
            if prefetched is not None:  # ``membership_of`` loads them with the membership
                cached = frozenset(row.role for row in prefetched)
            else:
                cached = frozenset(self.roles.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, role: str) -> bool:
        return role in self.role_set()


class PseudonymHold(models.Model):
    """A pseudonym given up (by a change or a deleted account), held for a while so that nobody
    else can take it and pass for the member who used it in the logs.

    Compared by skeleton, as pseudonyms are. ``membership`` is the member who gave the name up
    and may take it back; it is empty when the account was deleted, so the hold leads to no one.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="pseudonym_holds"
    )
    pseudonym = models.CharField(max_length=40)
    pseudonym_skeleton = models.CharField(max_length=200, editable=False)
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    held_until = models.DateTimeField(help_text="On the hour, like every stored time.")

    class Meta:
        indexes = [models.Index(fields=["convention", "pseudonym_skeleton", "held_until"])]

    def __str__(self) -> str:
        return f"{self.pseudonym} held until {self.held_until:%Y-%m-%d %H:00}"

    def save(self, *args, **kwargs):
        from .names import skeleton

        self.pseudonym_skeleton = skeleton(self.pseudonym)
        super().save(*args, **kwargs)


class MembershipRole(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "role"], name="role_once_per_member")
        ]

    def __str__(self) -> str:
        return self.role


class InvitationStatus(models.TextChoices):
    ISSUED = "issued", _("Unused")
    USED = "used", _("Used")
    REVOKED = "revoked", _("Revoked")


def hash_invitation_code(code: str) -> str:
    """Codes are stored only as hashes: a copy of the database cannot be used to sign up."""
    normalised = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


class Invitation(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="invitations")
    registrar = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="issued")
    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(
        max_length=8, help_text="Card number, drawn apart from the code, to tell codes apart."
    )
    status = models.CharField(
        max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.ISSUED
    )
    issued_on = models.DateField(default=today, editable=False)

    class Meta:
        indexes = [models.Index(fields=["convention", "registrar", "status"])]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.status})"


class AuditEntry(models.Model):
    """One organizer, registrar or moderator action. Append-only and hash-chained.

    Each entry's digest covers the previous entry's digest, so a removed or edited entry breaks
    the chain that observers can recompute.
    """

    convention = models.ForeignKey(
        Convention, on_delete=models.PROTECT, related_name="audit_entries", null=True
    )
    actor = models.CharField(max_length=60, help_text="Pseudonym of the acting member.")
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at_hour = models.DateTimeField(default=current_hour, editable=False)
    # Unique: an entry has at most one successor, so two writers racing past the lock in
    # convention.services.audit cannot fork the chain; the database refuses the second.
    previous_digest = models.CharField(max_length=64, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries cannot be deleted.")
