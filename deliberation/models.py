"""Data of deliberation: sessions, rooms, posts, moderation, live-session tools and proposals.

Nothing here ties a precise time to a person. Posts, flags and moderation actions carry the hour
only; the short-lived clocks that moderation needs (edit window, slow mode, rate limits, the
speaker's countdown) live in the cache, which keeps nothing on disk. Who read what, who reacted
how and who flagged what are never shown: reactions and support are shown as counts, flags only
to moderators and without the reporter.
"""

from __future__ import annotations

from django.db import models
from django.db.models import BigIntegerField, ExpressionWrapper, F, Q, Value
from django.utils.translation import gettext_lazy as _

from convention.models import Convention, Membership, MultilingualText, current_hour


class PostLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    DARI = "fa-af", _("Dari")
    PASHTO = "ps", _("Pashto")
    OTHER = "other", _("Other")


TEXT_LANGUAGES = [PostLanguage.ENGLISH, PostLanguage.DARI, PostLanguage.PASHTO]


class DeliberationSettings(models.Model):
    """Per-convention settings that the organizer sets for deliberation."""

    convention = models.OneToOneField(
        Convention, on_delete=models.CASCADE, related_name="deliberation_settings"
    )
    proposal_support_threshold = models.PositiveIntegerField(
        _("supporters a proposal needs before it can be placed on a ballot"), default=10
    )

    def __str__(self) -> str:
        return f"settings of {self.convention.slug}"


class Session(MultilingualText):
    """A sitting of the convention: an agenda, a schedule, moderators, working languages."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    moderators = models.ManyToManyField(Membership, blank=True, related_name="moderated_sessions")
    turn_seconds = models.PositiveIntegerField(_("speaking turn (seconds)"), default=120)

    class Meta:
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return self.title_en


class AgendaItem(MultilingualText):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(is_current=True), name="one_current_agenda_item"
            )
        ]

    def __str__(self) -> str:
        return self.title_en


class RoomKind(models.TextChoices):
    SESSION = "session", _("Session room")
    STANDING = "standing", _("Standing topic")
    PROPOSAL = "proposal", _("Proposal discussion")
    OPINION = "opinion", _("Opinion-map statements")


class Room(MultilingualText):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="rooms")
    session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="rooms"
    )
    kind = models.CharField(max_length=10, choices=RoomKind.choices, default=RoomKind.STANDING)
    is_premoderated = models.BooleanField(_("hold posts until a moderator approves"), default=False)
    slow_mode_seconds = models.PositiveIntegerField(
        _("slow mode: seconds between two posts of one member (0: off)"), default=0
    )
    is_locked = models.BooleanField(_("locked (read only)"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)
    # Sequence of visible changes in this room: each created, approved, hidden, edited or moved
    # post takes the next value, which is the id of its live event and the polling cursor.
    seq = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["is_archived", "id"]

    def __str__(self) -> str:
        return self.title_en

    @property
    def accepts_posts(self) -> bool:
        return not (self.is_locked or self.is_archived)


class PostStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting a moderator")
    HIDDEN = "hidden", _("Hidden by a moderator")
    ERASED = "erased", _("Removed by its author")


class ReasonCategory(models.TextChoices):
    """Why a post is flagged or hidden; shown in the public log, so general by design."""

    SPAM = "spam", _("Spam or flooding")
    ABUSE = "abuse", _("Insults or harassment")
    THREAT = "threat", _("Threat or incitement to violence")
    IDENTITY = "identity", _("Reveals someone's identity or location")
    OFF_TOPIC = "off_topic", _("Off topic")
    MISINFORMATION = "misinformation", _("Deliberately false information")
    OTHER = "other", _("Other")


class Post(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="posts")
    thread = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="thread_posts",
        help_text="First post of the thread; empty for a thread's first post.",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    quote = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="quoted_by"
    )
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    body_digest = models.CharField(max_length=64, editable=False, db_index=True)
    language = models.CharField(max_length=8, choices=PostLanguage.choices, default="en")
    status = models.CharField(
        max_length=10, choices=PostStatus.choices, default=PostStatus.PUBLISHED
    )
    hidden_reason = models.CharField(
        max_length=20, choices=ReasonCategory.choices, blank=True, default=""
    )
    is_pinned = models.BooleanField(default=False)
    is_thread_locked = models.BooleanField(default=False)
    revision = models.PositiveIntegerField(default=1)
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    unsure_count = models.PositiveIntegerField(default=0)
    posted_hour = models.DateTimeField(default=current_hour, editable=False)
    seq = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["room", "thread", "id"]),
            models.Index(fields=["room", "seq"]),
            models.Index(fields=["author", "id"]),
        ]

    def __str__(self) -> str:
        return f"post {self.pk}"

    @property
    def thread_root_id(self) -> int:
        return self.thread_id or self.pk

    @property
    def is_visible(self) -> bool:
        return self.status == PostStatus.PUBLISHED


class PostRevision(models.Model):
    """An earlier text of an edited post; moderators can read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="revision_once")]

    def __str__(self) -> str:
        return f"postrevision {self.pk}"


class ReactionKind(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    UNSURE = "unsure", _("Unsure")


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="one_reaction_per_member")
        ]

    def __str__(self) -> str:
        return f"reaction {self.pk}"


class Flag(models.Model):
    """A report. The reporter is kept only to stop repeated flags and is never shown to anyone."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=ReasonCategory.choices)
    note = models.CharField(max_length=500, blank=True)
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="one_flag_per_reporter")
        ]

    def __str__(self) -> str:
        return f"flag {self.pk}"


class ModerationKind(models.TextChoices):
    APPROVE = "approve", _("approved a post")
    HIDE = "hide", _("hid a post")
    RESTORE = "restore", _("restored a post")
    DISMISS_FLAGS = "dismiss", _("dismissed the flags on a post")
    LOCK_THREAD = "lock_thread", _("locked a thread")
    UNLOCK_THREAD = "unlock_thread", _("unlocked a thread")
    MOVE = "move", _("moved a thread")
    PIN = "pin", _("pinned a post")
    UNPIN = "unpin", _("unpinned a post")
    SLOW_MODE = "slow_mode", _("set slow mode")
    LOCK_ROOM = "lock_room", _("locked a room")
    UNLOCK_ROOM = "unlock_room", _("unlocked a room")
    ARCHIVE_ROOM = "archive_room", _("archived a room")
    PREMODERATE = "premoderate", _("changed pre-moderation")
    MUTE = "mute", _("muted a member in a room")
    UNMUTE = "unmute", _("lifted a mute")
    SUSPEND = "suspend", _("suspended a member")
    APPEAL_UPHELD = "appeal_upheld", _("upheld an action on appeal")
    APPEAL_OVERTURNED = "appeal_overturned", _("overturned an action on appeal")
    APPROVE_TRANSLATION = "approve_translation", _("approved a translation of a statement")
    REJECT_TRANSLATION = "reject_translation", _("rejected a translation of a statement")
    CLOSE_CONVERSATION = "close_conversation", _("closed a conversation")
    REOPEN_CONVERSATION = "reopen_conversation", _("reopened a conversation")


class ModerationAction(models.Model):
    """One entry of the public moderation log. It names the moderator, never a reporter."""

    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="moderation_actions"
    )
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=20, choices=ModerationKind.choices)
    moderator = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True)
    subject = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member the action is about (author of the post, muted member).",
    )
    # The pseudonyms as they were when the act was logged; the log shows these, so a later
    # change of name cannot rewrite what an entry says. Emptied when the account is deleted
    # (the log then says "deleted participant", as everywhere else).
    moderator_pseudonym = models.CharField(max_length=40, blank=True)
    subject_pseudonym = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=20, choices=ReasonCategory.choices, blank=True)
    # Public and language-neutral (hours, seconds, 1/0, a room title): the log renders it in
    # each reader's language.
    detail = models.CharField(max_length=200, blank=True, help_text="Public detail, e.g. 2 hours")
    note = models.CharField(max_length=500, blank=True, help_text="Seen by moderators only.")
    appeal_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="outcomes"
    )
    at_hour = models.DateTimeField(default=current_hour, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.moderator_id}"

    @property
    def moderator_name(self) -> str:
        return self.moderator_pseudonym or self.moderator.display_name

    @property
    def subject_name(self) -> str:
        if self.subject_pseudonym:
            return self.subject_pseudonym
        return self.subject.display_name if self.subject_id else ""

    @property
    def is_appealable(self) -> bool:
        return self.kind in APPEALABLE_KINDS and self.subject_id is not None


APPEALABLE_KINDS = frozenset({ModerationKind.HIDE, ModerationKind.MUTE, ModerationKind.SUSPEND})


class Mute(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="mutes")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="mutes")
    until = models.DateTimeField(help_text="Rounded up to the hour.")
    action = models.ForeignKey(ModerationAction, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["room", "member", "until"])]

    def __str__(self) -> str:
        return f"mute {self.pk}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a moderator")
    UPHELD = "upheld", _("Action upheld")
    OVERTURNED = "overturned", _("Action overturned")


class Appeal(models.Model):
    action = models.OneToOneField(ModerationAction, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    statement = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=12, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"appeal {self.pk}"


# --- Live-session tools ------------------------------------------------------------------


class SpeakingRequest(models.Model):
    """A raised hand. Deleted when the turn ends, so no record of who spoke when is kept."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="speaking_queue")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    has_floor = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_hand_per_member"),
            models.UniqueConstraint(
                fields=["session"], condition=Q(has_floor=True), name="one_speaker_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"speakingrequest {self.pk}"


class StrawPoll(models.Model):
    """A show of hands to take the room's temperature. Not secret and not a ballot."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="straw_polls")
    question = models.CharField(max_length=300)
    options = models.JSONField(default=list)
    is_open = models.BooleanField(default=True)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"strawpoll {self.pk}"


class StrawVote(models.Model):
    poll = models.ForeignKey(StrawPoll, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="one_straw_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"strawvote {self.pk}"


# --- Proposals ---------------------------------------------------------------------------


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open for support")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ON_BALLOT = "on_ballot", _("On a ballot")


class Proposal(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="proposals")
    room = models.OneToOneField(Room, on_delete=models.PROTECT, related_name="proposal")
    status = models.CharField(
        max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    support_count = models.PositiveIntegerField(default=0)
    ballot_reference = models.CharField(max_length=200, blank=True)
    submitted_hour = models.DateTimeField(default=current_hour, editable=False)

    class Meta:
        ordering = ["-support_count", "id"]

    def __str__(self) -> str:
        return f"proposal {self.pk}"


class ProposalText(models.Model):
    """One revision of a proposal in one language; the highest revision is current."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8, choices=PostLanguage.choices)
    revision = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=1000)
    body = models.TextField(max_length=20_000)
    body_html = models.TextField(editable=False)
    from_amendment = models.ForeignKey(
        "Amendment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["proposal", "language", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "language", "revision"], name="proposal_revision_once"
            )
        ]

    def __str__(self) -> str:
        return f"proposaltext {self.pk}"


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "member"], name="support_once")]

    def __str__(self) -> str:
        return f"support {self.pk}"


class AmendmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted by the author")
    DECLINED = "declined", _("Declined by the author")


class Amendment(models.Model):
    """A proposed new text for one language version; the proposal's author accepts or not."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=8, choices=PostLanguage.choices)
    title = models.CharField(max_length=200)
    summary = models.TextField(max_length=1000)
    body = models.TextField(max_length=20_000)
    rationale = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=10, choices=AmendmentStatus.choices, default=AmendmentStatus.OPEN
    )
    based_on_revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"amendment {self.pk}"


# --- Opinion map (conversations) ---------------------------------------------------------


class Conversation(MultilingualText):
    """A question put to the session (``title_*`` holds it in three languages). Participants
    add short statements and vote on them; the opinion map groups them by how they vote.

    Its statements are posts of a room of its own (kind ``opinion``), so pre-moderation,
    the review queue, hiding and the public moderation log are the rooms' own, unchanged.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="conversations")
    room = models.OneToOneField(Room, on_delete=models.PROTECT, related_name="conversation")
    is_open = models.BooleanField(_("open for statements and votes"), default=True)
    # When a moderator last closed it, to the hour like the moderation log; empty while open.
    closed_hour = models.DateTimeField(null=True, blank=True, editable=False)
    # Counts every recorded vote or change; the analysis notes the value it saw, so a run
    # with nothing new to see is skipped.
    vote_seq = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title_en


STATEMENT_MAX_CHARS = 280

# A statement's place in the queue of what to ask next (``conversation_selectors``): its votes
# so far, counted at most half off for an uncertain consensus (uncertainty 100: each vote counts
# half; 0, before groups exist: in full). Indexed with the conversation, so the choice of the
# next statement reads the queue from its head instead of sorting the whole conversation.
STATEMENT_ROUTE = ExpressionWrapper(
    F("vote_count") * (Value(200) - F("uncertainty")), output_field=BigIntegerField()
)


class Statement(models.Model):
    """One idea put to the vote. Its text, language, author and moderation status are those of
    its post; a statement is shown (and can be voted on) only while its post is published."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="statements"
    )
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="statement")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How the next statement is chosen for a voter (``conversation_selectors.next_statement``):
    # the number of votes on it (passes and later changes of a vote not counted twice), kept by
    # ``record_vote`` and the erasure of votes; and how uncertain the group-informed consensus
    # on it is, 0 to 100, set by each analysis run (0 until groups exist).
    vote_count = models.PositiveIntegerField(default=0, editable=False)
    uncertainty = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(F("conversation"), STATEMENT_ROUTE, name="statement_route")]

    def __str__(self) -> str:
        return f"statement {self.pk}"


class TranslationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a moderator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class StatementTranslation(models.Model):
    """A participant's translation of a statement; shown to readers once a moderator approves."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=8, choices=PostLanguage.choices)
    text = models.CharField(max_length=STATEMENT_MAX_CHARS)
    author = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TranslationStatus.choices, default=TranslationStatus.PENDING
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "language"],
                condition=Q(status="approved"),
                name="one_approved_translation_per_language",
            )
        ]

    def __str__(self) -> str:
        return f"statementtranslation {self.pk}"


class OpinionVote(models.Model):
    """Agree (1), disagree (-1) or pass (0) on a statement, the latest one only.

    ``participant`` is a keyed hash of the conversation and the membership
    (``services.conversations.participant_key``), never a membership or user id: the table
    alone does not say whose vote a row is, and the same person has unrelated keys in two
    conversations. No time is kept.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.BigIntegerField()
    value = models.SmallIntegerField(choices=[(1, "agree"), (-1, "disagree"), (0, "pass")])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "participant"], name="one_opinion_vote_per_statement"
            ),
            models.CheckConstraint(
                condition=Q(value__in=[1, -1, 0]), name="opinion_vote_value_known"
            ),
        ]
        indexes = [models.Index(fields=["conversation", "participant"])]

    def __str__(self) -> str:
        return f"opinionvote {self.pk}"


class ConversationAnalysis(models.Model):
    """The latest opinion map of a conversation (``OpinionMap.to_json``). It holds positions
    and groups per participant key, so only the map's public part ever leaves the server,
    and a participant is shown their own position and group alone."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="analysis"
    )
    result = models.JSONField(default=dict)
    vote_seq = models.BigIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"analysis of conversation {self.conversation_id}"
