"""Read queries of the opinion map. The privacy rules live here: a page or an export gets only
groups of at least the minimum size, aggregates of at least ``MIN_CELL`` votes, and the
reader's own position and group; never a vote of anyone else.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, ExpressionWrapper, F, Prefetch, Value

from .models import (
    STATEMENT_ROUTE,
    Conversation,
    ConversationAnalysis,
    OpinionVote,
    PostStatus,
    Session,
    Statement,
    StatementTranslation,
    TranslationStatus,
)
from .services.conversations import PARAMS, participant_key

# The smallest number of votes behind any figure shown or exported (an agree share, a count):
# the analysis' own minimum per group for common ground.
MIN_CELL = PARAMS.min_votes_per_group
# How many votes a participant casts before the map is offered.
VOTES_BEFORE_MAP = 3
# SVG user units of the map's half width; the analysis places everything within [-1, 1].
SCALE = 90
COLOURS = ("#1b6ca8", "#c0392b", "#2e8b57", "#8e44ad", "#b7791f")


def conversations_of(session: Session) -> list[Conversation]:
    return list(Conversation.objects.filter(session=session).order_by("-id"))


def published(conversation: Conversation):
    return Statement.objects.filter(
        conversation=conversation, post__status=PostStatus.PUBLISHED
    ).select_related("post")


def _with_translations(statements, language: str):
    return statements.prefetch_related(
        Prefetch(
            "translations",
            queryset=StatementTranslation.objects.filter(
                language=language, status=TranslationStatus.APPROVED
            ),
            to_attr="approved_here",
        )
    )


@dataclass
class Shown:
    """A statement as one reader sees it: in their language when a translation exists."""

    pk: int
    text: str
    language: str
    is_translation: bool
    original: str = ""
    proposal_id: int | None = None


def shown(statement: Statement, language: str) -> Shown:
    approved = getattr(statement, "approved_here", None)
    if approved is None:
        approved = list(
            statement.translations.filter(language=language, status=TranslationStatus.APPROVED)
        )
    if statement.post.language != language and approved:
        return Shown(
            statement.pk,
            approved[0].text,
            language,
            True,
            statement.post.body,
            statement.proposal_id,
        )
    return Shown(
        statement.pk,
        statement.post.body,
        statement.post.language,
        False,
        proposal_id=statement.proposal_id,
    )


def key_of(conversation: Conversation, member) -> int | None:
    if member is None:
        return None
    return participant_key(conversation_id=conversation.pk, membership_id=member.pk)


def own_votes(conversation: Conversation, key: int | None) -> dict[int, int]:
    if key is None:
        return {}
    return dict(
        OpinionVote.objects.filter(conversation=conversation, participant=key).values_list(
            "statement_id", "value"
        )
    )


# The tie-break's field: integers modulo the prime 2**31 - 1, so every product below stays under
# 2**62 in PostgreSQL's and SQLite's 64-bit integers.
TIE_PRIME = 2**31 - 1


@dataclass(frozen=True)
class TieBreak:
    """An order of statements drawn for one request: h(id) = (a·id² + b·id + c) mod p, a random
    polynomial of degree 2 over the integers modulo the prime p. That family is 3-wise
    independent, so each of a set of tied statements comes first with the same chance
    (consecutive ids included, which a linear a·id + b does not give: it favours the ends).
    Drawn per request from ``secrets``, never stored, and nothing of the voter goes in."""

    a: int
    b: int
    c: int

    @classmethod
    def draw(cls) -> TieBreak:
        return cls(*(secrets.randbelow(TIE_PRIME) for _ in range(3)))

    def expression(self) -> ExpressionWrapper:
        x = F("id") % Value(TIE_PRIME)
        inner = (Value(self.a) * x + Value(self.b)) % Value(TIE_PRIME)
        return ExpressionWrapper(
            (inner * x + Value(self.c)) % Value(TIE_PRIME), output_field=BigIntegerField()
        )


# Fewest votes first, uncertain consensus sooner (``models.STATEMENT_ROUTE``, indexed).
ROUTE = STATEMENT_ROUTE


def next_statement(
    conversation: Conversation,
    *,
    voted: dict[int, int],
    language: str,
    wanted: int | None,
    tie_break: TieBreak | None = None,
) -> Statement | None:
    """The asked-for statement, else the published one the reader has not voted on with the
    fewest votes so far, each counted less where the groups' consensus on it is uncertain
    (``ROUTE``); among equals, the order ``tie_break`` draws (a new one per call when not
    given). Early statements keep being asked until they have caught up, newcomers do not all
    get the same one, and the map learns where it knows least. One query over the
    conversation's statements (its index), the counts kept on each row, not aggregated."""
    statements = _with_translations(published(conversation), language)
    if wanted is not None:
        return statements.filter(pk=wanted).first()
    order = (tie_break or TieBreak.draw()).expression()
    return statements.exclude(pk__in=list(voted)).order_by(ROUTE, order).first()


def voted_statements(conversation: Conversation, voted: dict[int, int], language: str) -> list:
    """The reader's own votes (only ever shown to the reader), newest first, at most 50."""
    ids = sorted(voted, reverse=True)[:50]
    rows = _with_translations(published(conversation).filter(pk__in=ids), language)
    by_id = {s.pk: s for s in rows}
    return [(shown(by_id[pk], language), voted[pk]) for pk in ids if pk in by_id]


def pending_statements(conversation: Conversation):
    return Statement.objects.filter(
        conversation=conversation, post__status=PostStatus.PENDING
    ).select_related("post__author")


def pending_translations(conversation: Conversation):
    return StatementTranslation.objects.filter(
        statement__conversation=conversation, status=TranslationStatus.PENDING
    ).select_related("statement__post", "author")


def own_place(result: dict, key: int | None) -> tuple[tuple[float, float] | None, int | None]:
    """The reader's own map point and group label in a cached map (``OpinionMap.to_json``
    lists them as [key, x, y] and [key, label])."""
    if key is None:
        return None, None
    point = next(((x, y) for k, x, y in result.get("positions", []) if k == key), None)
    label = next((lab for k, lab in result.get("membership", []) if k == key), None)
    return point, label


def cached_result(conversation: Conversation) -> tuple[dict, int]:
    cached = ConversationAnalysis.objects.filter(conversation=conversation).first()
    if cached is None:
        return {}, 0
    return cached.result or {}, cached.version


@dataclass
class GroupView:
    label: int
    letter: str
    colour: str
    size: int
    x: float
    y: float
    r: float
    is_own: bool
    representative: list = field(default_factory=list)


@dataclass
class MapView:
    version: int
    participants: int
    clustered: int
    groups: list[GroupView]
    common_ground: list
    own_point: tuple[float, float] | None
    own_group: GroupView | None
    votes_cast: int
    ready: bool


def _percent(share: float) -> int:
    return round(100 * share)


def map_view(conversation: Conversation, *, member, language: str) -> MapView:
    """The map as ``member`` may see it: groups (never one under the minimum size) with the
    statements that set each apart, ranked common ground, and the member's own point."""
    result, version = cached_result(conversation)
    key = key_of(conversation, member)
    votes_cast = len(own_votes(conversation, key))
    groups_raw = [g for g in result.get("groups", []) if g["size"] >= PARAMS.min_group_size]
    point, own_label = own_place(result, key)
    wanted = {s["statement"] for g in groups_raw for s in g["representative"]}
    wanted |= {c["statement"] for c in result.get("common_ground", [])}
    texts = {
        s.pk: s for s in _with_translations(published(conversation).filter(pk__in=wanted), language)
    }
    groups = []
    for index, g in enumerate(groups_raw):
        reps = [
            (shown(texts[s["statement"]], language), _percent(s["agree"]), _percent(s["disagree"]))
            for s in g["representative"]
            if s["statement"] in texts and s["votes"] >= MIN_CELL
        ]
        groups.append(
            GroupView(
                label=g["label"],
                letter=chr(ord("A") + index),
                colour=COLOURS[g["label"] % len(COLOURS)],
                size=g["size"],
                x=round(g["centre"][0] * SCALE, 1),
                y=round(g["centre"][1] * SCALE, 1),
                r=round(min(max(g["radius"] * SCALE, 12), 60), 1),
                is_own=g["label"] == own_label,
                representative=reps,
            )
        )
    common = [
        (
            shown(texts[c["statement"]], language),
            [(grp, _percent(share)) for grp, share in zip(groups, c["group_agree"], strict=False)],
        )
        for c in result.get("common_ground", [])
        if c["statement"] in texts
    ]
    own_point = (round(point[0] * SCALE, 1), round(point[1] * SCALE, 1)) if point else None
    return MapView(
        version=version,
        participants=result.get("participants", 0),
        clustered=result.get("clustered", 0),
        groups=groups,
        common_ground=common[:10],
        own_point=own_point,
        own_group=next((g for g in groups if g.is_own), None),
        votes_cast=votes_cast,
        ready=bool(groups),
    )


def export_tables(conversation: Conversation) -> dict:
    """What researchers may take away: published statements and vote counts, overall and per
    group, each count left out (None) when fewer than ``MIN_CELL`` votes stand behind it or
    when it could be worked out from the figures shown beside it. No participant appears."""
    result, version = cached_result(conversation)
    membership = dict(result.get("membership", []))
    labels = [g["label"] for g in result.get("groups", []) if g["size"] >= PARAMS.min_group_size]
    statements = list(published(conversation).order_by("id"))
    tallies: dict[int, dict] = {s.pk: {"all": Counter()} for s in statements}
    for participant, statement_id, value in OpinionVote.objects.filter(
        statement_id__in=list(tallies)
    ).values_list("participant", "statement_id", "value"):
        row = tallies[statement_id]
        row["all"][value] += 1
        label = membership.get(participant)
        if label in labels:
            row.setdefault(label, Counter())[value] += 1
    rows = []
    for statement in statements:
        tally = tallies[statement.pk]
        cells = {label: _cell(tally.get(label, Counter())) for label in labels}
        shown_total = sum(sum(tally.get(lab, Counter()).values()) for lab in labels if cells[lab])
        rest = sum(tally["all"].values()) - shown_total
        # Complementary suppression: the overall figures minus the group figures shown must not
        # isolate fewer than MIN_CELL votes (the unplaced participants, or a left-out group).
        overall = _cell(tally["all"]) if rest == 0 or rest >= MIN_CELL else None
        rows.append(
            {
                "statement": statement.pk,
                "language": statement.post.language,
                "text": statement.post.body,
                "overall": overall,
                "groups": {str(label): cells[label] for label in labels},
            }
        )
    return {
        "conversation": conversation.pk,
        "question": conversation.title_en,
        "map_version": version,
        "min_cell": MIN_CELL,
        "min_group_size": PARAMS.min_group_size,
        "participants": result.get("participants", 0),
        "groups": [
            {"label": g["label"], "size": g["size"]}
            for g in result.get("groups", [])
            if g["label"] in labels
        ],
        "common_ground": [
            {"statement": c["statement"], "score": round(c["score"], 4)}
            for c in result.get("common_ground", [])
        ],
        "statements": rows,
    }


def _cell(counts: Counter) -> dict | None:
    total = sum(counts.values())
    if total < MIN_CELL:
        return None
    return {"votes": total, "agree": counts[1], "disagree": counts[-1], "pass": counts[0]}
