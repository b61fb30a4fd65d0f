"""Data of elections: definition, trustees and their ceremony messages, the frozen roll, the
bulletin board, decryption shares.

What is deliberately absent: nothing links an account to a credential or a ballot. A roll entry
knows its membership (the server must refuse a second credential) but records only that a
credential was requested, the hash of the blinded requests, and the requests and the issuers'
blind signatures (``CredentialRequest``), each uniformly random whatever the credential is: the
voter blinds afresh for every issuer. Board entries carry no account, no address, and a time
truncated to the hour. The wire formats are specified in docs/elections.md.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from convention.models import (
    Convention,
    Invitation,
    Membership,
    MultilingualText,
    current_hour,
    today,
)


class ElectionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    KEY_CEREMONY = "key_ceremony", _("Key ceremony")
    CREDENTIALS = "credentials", _("Credentials")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    TALLIED = "tallied", _("Tallied")
    PUBLISHED = "published", _("Published")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    APPROVAL = "approval", _("Approval")
    RANKED = "ranked", _("Ranked (Condorcet–Schulze)")


class Election(MultilingualText):
    """An election of a convention. Cryptographic keys and the manifest are filled in as the
    state machine advances; see ``voting.services.lifecycle``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="elections")
    state = models.CharField(
        max_length=20, choices=ElectionState.choices, default=ElectionState.DRAFT
    )
    threshold = models.PositiveSmallIntegerField(_("trustees needed to decrypt"), default=1)
    credentials_at = models.DateTimeField(_("credential window opens"))
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    created_on = models.DateField(default=today, editable=False)

    # Frozen at draft → key_ceremony.
    definition = models.JSONField(null=True, blank=True, editable=False)
    ceremony_context = models.CharField(max_length=64, blank=True, editable=False)
    # The issuers' keys are the trustees' (``Trustee.issuer_key``): the server holds no key that
    # can sign a credential.
    board_public_key = models.CharField(max_length=64, blank=True, editable=False)
    board_private_key = models.BinaryField(null=True, editable=False)
    # Frozen when the ceremony completes.
    joint_public_key = models.CharField(max_length=64, blank=True, editable=False)
    manifest = models.JSONField(null=True, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The hours the poll actually opened and closed (to the hour, like every public time): the
    # record carries them and the verifier checks every entry's hour lies between them.
    opened_hour = models.DateTimeField(null=True, blank=True, editable=False)
    closed_hour = models.DateTimeField(null=True, blank=True, editable=False)
    # Written at and after closing.
    final_head = models.JSONField(null=True, blank=True, editable=False)
    encrypted_tally = models.JSONField(null=True, blank=True, editable=False)
    results = models.JSONField(null=True, blank=True, editable=False)
    # Cohort dimensions (docs/protocol.md §12), only if the definition has them: the merge map
    # and kept counts (written when the roll freezes and when the window closes), the
    # per-cohort sums with the release plan (at the close), and the per-cohort results.
    cohort_merges = models.JSONField(null=True, blank=True, editable=False)
    cohort_tally = models.JSONField(null=True, blank=True, editable=False)
    cohort_results = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_on", "id"]

    def __str__(self) -> str:
        return self.title_en

    def clean(self) -> None:
        if self.credentials_at and self.opens_at and self.closes_at:
            if not self.credentials_at <= self.opens_at < self.closes_at:
                raise ValidationError(
                    _(
                        "The credential window must open no later than voting, "
                        "and voting must open before it closes."
                    )
                )

    def schedule(self) -> list[tuple[str, object]]:
        """The three scheduled moments with labels in the right tense for the present state
        ("Voting opens" before, "Voting opened" after), for the schedule tables."""
        order = [s.value for s in ElectionState]
        reached = order.index(self.state) if self.state in order else 0

        def passed(state: ElectionState) -> bool:
            return reached >= order.index(state.value)

        return [
            (
                _("Credential window opened")
                if passed(ElectionState.CREDENTIALS)
                else _("Credential window opens"),
                self.credentials_at,
            ),
            (
                _("Voting opened") if passed(ElectionState.OPEN) else _("Voting opens"),
                self.opens_at,
            ),
            (
                _("Voting closed") if passed(ElectionState.CLOSED) else _("Voting closes"),
                self.closes_at,
            ),
        ]

    @property
    def fingerprint_bytes(self) -> bytes:
        return bytes.fromhex(self.fingerprint)


class Localised(models.Model):
    text_en = models.CharField(_("text (English)"), max_length=500)
    text_fa_af = models.CharField(_("text (Dari)"), max_length=500, blank=True)
    text_ps = models.CharField(_("text (Pashto)"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def text(self) -> str:
        suffix = (get_language() or "en").replace("-", "_").lower()
        return getattr(self, f"text_{suffix}", "") or self.text_en

    def localised(self) -> dict[str, str]:
        return {"en": self.text_en, "fa-af": self.text_fa_af, "ps": self.text_ps}


class Question(Localised):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    allow_blank = models.BooleanField(_("allow a blank vote"), default=False)
    min_selections = models.PositiveSmallIntegerField(default=0)
    max_selections = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["election", "position"], name="question_position")
        ]

    def __str__(self) -> str:
        return self.text_en


class Option(Localised):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    # A loose reference to deliberation's proposal: the ballot does not depend on it.
    proposal_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_position")
        ]

    def __str__(self) -> str:
        return self.text_en


class Trustee(models.Model):
    """Trustee ``index`` (1-based) of an election, and what it published in the ceremony."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=40)
    commitments = models.JSONField(null=True, blank=True)
    shares_sent = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    disqualified = models.BooleanField(default=False)
    # The trustee's blind-signing RSA public key (SubjectPublicKeyInfo PEM) and its proof of
    # possession, announced with the commitments; the private key never leaves the trustee.
    issuer_key = models.TextField(blank=True)
    issuer_key_proof = models.TextField(blank=True)
    # The signed ledger of the roll ids this issuer signed for, published after the window.
    ledger = models.JSONField(null=True, blank=True)
    # One more key per stated cohort value, ``[{"dimension", "value", "pem", "proof"}…]``
    # (docs/protocol.md §12.2), announced with the commitments when the election has cohorts.
    cohort_keys = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["election", "index"], name="trustee_index"),
            models.UniqueConstraint(fields=["election", "membership"], name="trustee_once"),
        ]

    def __str__(self) -> str:
        return f"{self.index}: {self.name}"


class CeremonyShare(models.Model):
    """An encrypted polynomial evaluation from ``sender`` to ``recipient`` (protocol §6.2)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="shares")
    sender = models.PositiveSmallIntegerField()
    recipient = models.PositiveSmallIntegerField()
    message = models.JSONField()

    class Meta:
        ordering = ["sender", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "sender", "recipient"], name="one_share_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"share {self.sender} → {self.recipient}"


class CeremonyComplaint(models.Model):
    """``recipient`` says ``sender``'s share failed; ``sender`` answers with the value in clear."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="complaints")
    sender = models.PositiveSmallIntegerField()
    recipient = models.PositiveSmallIntegerField()
    answer = models.CharField(max_length=64, blank=True)
    answer_valid = models.BooleanField(null=True)

    class Meta:
        ordering = ["sender", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "sender", "recipient"], name="one_complaint_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"complaint {self.recipient} against {self.sender}"


class RollEntry(models.Model):
    """One voter of the frozen roll. ``roll_id`` is public; ``code`` is shown only to the voter."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    registrar = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=32)
    roll_id = models.CharField(max_length=64)
    issued = models.PositiveSmallIntegerField(default=0)
    reissued = models.BooleanField(default=False)
    # SHA-256 of the last blinded request: lets a lost response be retried without a second
    # credential. The blinded message is uniformly random, so this links to no credential.
    blinded_hash = models.CharField(max_length=64, blank=True)
    # Attested cohort values after the merges, ``{"<dimension>": value}`` (docs/protocol.md
    # §12.5): what the voter's credential will say in those dimensions.
    cohorts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["roll_id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "membership"], name="one_roll_entry"),
            models.UniqueConstraint(fields=["election", "roll_id"], name="roll_id_unique"),
            models.CheckConstraint(
                condition=models.Q(issued__lte=1) | models.Q(issued=2, reissued=True),
                name="at_most_one_credential_unless_reissued",
            ),
        ]

    def __str__(self) -> str:
        return self.roll_id

    @property
    def allowed(self) -> int:
        return 2 if self.reissued else 1


class CredentialRequest(models.Model):
    """One blinded credential request of a roll entry to one issuer, and the issuer's blind
    signature once it has signed (docs/elections.md §3: the server is only the mailbox).

    ``round`` is 1, or 2 after an authorised re-issue. The blinded message is uniformly random
    whatever the credential is (each issuer's blinding factor is drawn afresh by the voter's
    device), so neither it nor the blind signature links the roll entry to a credential."""

    roll_entry = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="requests")
    round = models.PositiveSmallIntegerField()
    issuer = models.PositiveSmallIntegerField()
    blinded_message = models.TextField()
    blind_signature = models.TextField(blank=True)
    # Blinded cohort label messages for this issuer, ``[{"dimension", "value",
    # "blinded_message", "blind_signature"}…]`` (docs/protocol.md §12.3); empty without cohorts.
    labels = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["roll_entry", "round", "issuer"]
        constraints = [
            models.UniqueConstraint(
                fields=["roll_entry", "round", "issuer"], name="one_request_per_issuer"
            )
        ]

    def __str__(self) -> str:
        return f"request {self.round} of {self.roll_entry_id} to issuer {self.issuer}"


class BoardHead(models.Model):
    """The running head of an election's board; its row is the lock that orders appends.

    ``audits`` counts the audited entries, for the board's audit cap (audits name no credential,
    so they cannot be capped per credential)."""

    election = models.OneToOneField(Election, on_delete=models.CASCADE, related_name="head")
    count = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64)
    audits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count}: {self.hash}"


class EntryKind(models.TextChoices):
    BALLOT = "ballot", _("Ballot")
    AUDITED = "audited", _("Audited (spoiled)")


class BoardEntry(models.Model):
    """An append-only, hash-chained entry of the public bulletin board.

    An audited entry holds the sealed ballot and its reveal and no credential
    (``credential_key`` empty, ``board_count`` null); a ``ballot`` entry keeps its credential key
    and the board count its ballot names, the two columns the counted-ballot rule reads."""

    # Every append writes each index of this table under the head lock: the election's own
    # index would repeat the leading column of ``board_position``, so it has none.
    election = models.ForeignKey(
        Election, on_delete=models.PROTECT, related_name="board", db_index=False
    )
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    hour = models.DateTimeField(default=current_hour)
    tracker = models.CharField(max_length=64)
    credential_key = models.CharField(max_length=64, blank=True)
    board_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="The board reference's count (ballot entries only)."
    )
    digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical ballot.")
    ballot = models.TextField(help_text="The ballot's canonical JSON.")
    reveal = models.TextField(blank=True, help_text="Canonical JSON of an audit reveal.")
    # Tally-ordered A‖B encodings of every ciphertext, so the tally need not parse JSON.
    ciphertexts = models.BinaryField()
    previous = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["election", "position"], name="board_position"),
            models.UniqueConstraint(fields=["election", "tracker"], name="board_tracker"),
        ]
        # The append counts a credential's ballots; the tally picks each one's counted ballot.
        indexes = [models.Index(fields=["election", "credential_key"], name="board_credential")]

    def __str__(self) -> str:
        return f"{self.position}: {self.tracker}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Board entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Board entries cannot be deleted.")


class CiphertextUse(models.Model):
    """The first component ``A`` of every tallied ciphertext of every board entry, once per
    election: the ballot box refuses a ballot that reuses one (an audited ballot's ciphertexts
    re-proved under a new nonce, or a copied answer), which the verifier would otherwise reject
    as a copy after the poll (docs/elections.md §4, §8 "copies")."""

    # Written only by the append, in the transaction of the entry whose own foreign key is
    # checked: no second check of the election per ciphertext, and ``ciphertext_a_once`` leads
    # with the election, so no index of its own either. Deleting an election deletes its rows
    # (Django's cascade).
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    a = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["election", "a"], name="ciphertext_a_once")]

    def __str__(self) -> str:
        return self.a


class DecryptionSubmission(models.Model):
    """A trustee's decryption shares of the encrypted tally, each with its proof."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="decryptions")
    trustee = models.ForeignKey(Trustee, on_delete=models.PROTECT, related_name="+")
    shares = models.JSONField()
    # Shares of the published cohort groups (docs/elections.md §8, ``cohort_decryption``).
    cohort_shares = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["trustee__index"]
        constraints = [
            models.UniqueConstraint(fields=["election", "trustee"], name="one_decryption")
        ]

    def __str__(self) -> str:
        return f"decryption by trustee {self.trustee_id}"


class ConventionCohorts(models.Model):
    """A convention's cohort dimensions (docs/protocol.md §12.1): ``{"minimum": K,
    "dimensions": [{"name", "kind", "values"}…]}``, copied into each election's definition when
    its key ceremony starts."""

    convention = models.OneToOneField(
        Convention, on_delete=models.CASCADE, related_name="cohort_dimensions"
    )
    definition = models.JSONField()

    def __str__(self) -> str:
        return f"cohorts of {self.convention_id}"


class AttestedCohort(models.Model):
    """The value a registrar attested for a member in one attested dimension (never printed on
    the member's card). Absent: not stated."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    dimension = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "dimension"], name="one_attested_value_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership_id}: {self.dimension} = {self.value}"


class InvitationCohort(models.Model):
    """A value a registrar attested when issuing an invitation (on the issuing form, shown on
    the printed sheet, never on the card); the member who redeems the code inherits it as an
    ``AttestedCohort``."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+")
    dimension = models.PositiveSmallIntegerField()
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "dimension"], name="one_invitation_value_per_dimension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.dimension} = {self.value}"
