"""Public election pages and JSON feeds: anyone may read them, observers mirror them."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from convention.permissions import Action, can
from convention.selectors import membership_of
from voting import selectors
from voting.models import Election, ElectionState, RollEntry
from voting.services import board, cohorts
from voting.verify.canonical import NotCanonical, loads

from . import feeds
from .ballot_box import anonymous, anonymous_page
from .feeds import FeedNotFound, json_feed

FEED_LIMIT = 500
BOARD_PAGE_SIZE = 100
RECEIPT_MAX_CHARS = 4000
HEX = set("0123456789abcdef")


def _election(uuid) -> Election:
    return get_object_or_404(Election.objects.select_related("convention"), uuid=uuid)


def _frozen(uuid) -> Election:
    election = Election.objects.select_related("convention").filter(uuid=uuid).first()
    if election is None:
        raise FeedNotFound("unknown_election", "no election has this id")
    if not election.fingerprint:
        raise FeedNotFound("not_frozen", "the election's manifest is not frozen yet")
    return election


def _tracker(value: str | None) -> str:
    text = "".join((value or "").split()).lower()
    return text if len(text) == 64 and set(text) <= HEX else ""


@require_GET
def election_list(request: HttpRequest) -> HttpResponse:
    elections = Election.objects.select_related("convention").exclude(state=ElectionState.DRAFT)
    return render(request, "voting/list.html", {"elections": elections})


@require_GET
def election_detail(request: HttpRequest, uuid) -> HttpResponse:
    election = _election(uuid)
    membership = membership_of(request.user, election.convention)
    roll_entry = (
        RollEntry.objects.filter(election=election, membership=membership).first()
        if membership
        else None
    )
    trustee = election.trustees.filter(membership=membership).first() if membership else None
    is_organizer = membership is not None and can(
        action=Action.MANAGE_ELECTIONS, convention=election.convention, membership=membership
    )
    if election.state == ElectionState.DRAFT and not is_organizer:
        raise Http404("draft")
    return render(
        request,
        "voting/detail.html",
        {
            "election": election,
            "questions": election.questions.prefetch_related("options"),
            "trustees": election.trustees.all(),
            "counts": selectors.counts(election),
            "roll_entry": roll_entry,
            "trustee": trustee,
            "is_organizer": is_organizer,
            "next_states": _next_states(election) if is_organizer else [],
            "links": _voter_links(election, membership, roll_entry, trustee),
            "blocked": selectors.election_for_member(
                election, membership, roll_entry=roll_entry
            ).blocked,
        },
    )


def _voter_links(election: Election, membership, roll_entry, trustee) -> dict[str, bool]:
    """Which of the pages that take part in the election to link: the ballot (public, while the
    poll is open), the credential page (a voter on the roll who may vote, during the credential
    window, which closes when the poll opens) and the trustee page (a trustee of the election,
    while the ceremony or the decryption is due)."""
    state = election.state
    credential = (
        roll_entry is not None
        and state == ElectionState.CREDENTIALS
        and can(action=Action.VOTE, convention=election.convention, membership=membership)
    )
    acting_trustee = (
        trustee is not None
        and state in (ElectionState.KEY_CEREMONY, ElectionState.CLOSED)
        and can(action=Action.ACT_AS_TRUSTEE, convention=election.convention, membership=membership)
    )
    return {
        "ballot": state == ElectionState.OPEN,
        "credential": credential,
        "trustee": acting_trustee,
    }


def _next_states(election: Election) -> list[tuple[str, str]]:
    from voting.services.lifecycle import TRANSITIONS

    return [
        (to, ElectionState(to).label)
        for (frm, to), who in TRANSITIONS.items()
        if frm == election.state and "organizer" in who
    ]


@json_feed()
def manifest_json(request: HttpRequest, uuid) -> JsonResponse:
    election = _frozen(uuid)
    return JsonResponse({"manifest": election.manifest, "fingerprint": election.fingerprint})


@json_feed()
def roll_json(request: HttpRequest, uuid) -> JsonResponse:
    return JsonResponse(selectors.public_roll_json(_frozen(uuid)))


@json_feed()
def trustees_json(request: HttpRequest, uuid) -> JsonResponse:
    from voting.services.ceremony import status

    election = Election.objects.filter(uuid=uuid).first()
    if election is None or election.state == ElectionState.DRAFT:
        raise FeedNotFound("unknown_election", "no election has this id")
    data = status(election, None)
    data.pop("shares_for_me")
    data.pop("my_index")
    data.pop("definition")
    return JsonResponse(data)


@json_feed()
def issuer_ledger_json(request: HttpRequest, uuid, index: int) -> JsonResponse:
    """Issuer ``index``'s signed ledger ``{"ledger", "signature"}`` once published."""
    from voting.models import Trustee

    election = _frozen(uuid)
    trustee = Trustee.objects.filter(election=election, index=index).first()
    if trustee is None:
        raise FeedNotFound("unknown_issuer", f"the election has no issuer {index}")
    if trustee.ledger is None:
        raise FeedNotFound("not_published", f"issuer {index} has not published its ledger yet")
    return JsonResponse(trustee.ledger)


@json_feed("after", "limit")
def board_json(request: HttpRequest, uuid) -> JsonResponse:
    election = _frozen(uuid)
    after = feeds.integer(request, "after", default=0, low=0, high=2**31 - 1)
    limit = feeds.integer(request, "limit", default=100, low=1, high=FEED_LIMIT)
    entries = selectors.board_page(election, after=after, limit=limit)
    count = election.head.count
    next_url = None
    if entries and entries[-1].position < count:
        next_url = (
            reverse("voting:board_json", args=[election.uuid])
            + f"?after={entries[-1].position}&limit={limit}"
        )
    # While the poll is open a cast ballot's body is withheld (its digest is in the chain).
    hide = not selectors.ballots_public(election)
    return JsonResponse(
        {
            "entries": [board.entry_json(e, hide_ballot=hide) for e in entries],
            "count": count,
            "next": next_url,
        }
    )


@json_feed()
def head_json(request: HttpRequest, uuid) -> JsonResponse:
    return JsonResponse(board.current_head(_frozen(uuid)))


@require_GET
def board_page(request: HttpRequest, uuid) -> HttpResponse:
    """The board, ``BOARD_PAGE_SIZE`` entries a page. A ``page`` that names no page (``abc``,
    ``0``, ``-1``, one past the last, ``01``, given twice) is a 400 that says which pages there
    are, with the board's head but no entry: showing page 1 instead would pass it off as the
    page asked for. ``last`` names the last page."""
    election = _frozen(uuid)
    head = board.current_head(election)
    paginator = Paginator(selectors.BoardPositions(election, head["count"]), BOARD_PAGE_SIZE)
    asked = request.GET.getlist("page")
    number = _page_number(asked, paginator.num_pages)
    context = {
        "election": election,
        "head": head,
        "page": paginator.page(number) if number else None,
        "page_asked": ", ".join(asked)[:20],
        "page_count": paginator.num_pages,
    }
    return render(request, "voting/board.html", context, status=200 if number else 400)


def _page_number(asked: list[str], pages: int) -> int | None:
    """The page ``asked`` names (none: the first), or None if it names none of 1…``pages``."""
    if not asked:
        return 1
    if len(asked) > 1:
        return None
    if asked[0] == "last":
        return pages
    if not feeds.INTEGER.match(asked[0]) or not 1 <= int(asked[0]) <= pages:
        return None
    return int(asked[0])


@anonymous_page
@require_http_methods(["GET", "HEAD", "POST"])
def tracker_page(request: HttpRequest, uuid) -> HttpResponse:
    """Look a tracker up (GET ``t``), or check a pasted receipt (POST ``receipt``).

    Served under ``/anonymous/``: no cookie is read or set (``anonymous`` and the outermost
    middleware), so the server cannot tie the tracker or receipt to a session. The language,
    which would come from a cookie, comes from ``lang`` in the query or the form (links to this
    page and its forms carry it); CSRF does not apply, as nothing is written."""
    _language_from(request)
    election = _frozen(uuid)
    raw = request.GET.get("t", "")
    tracker = _tracker(raw)
    result = selectors.tracker_lookup(election, tracker) if tracker else None
    pasted = request.POST.get("receipt", "") if request.method == "POST" else ""
    receipt_check = None
    if pasted.strip():
        receipt = _receipt(pasted)
        receipt_check = selectors.receipt_check(election, receipt) if receipt else None
    return render(
        request,
        "voting/tracker.html",
        {
            "election": election,
            "query": raw[:100],
            "tracker": tracker,
            "result": result,
            "pasted": pasted[:RECEIPT_MAX_CHARS],
            "receipt_unreadable": bool(pasted.strip()) and receipt_check is None,
            "receipt": receipt_check,
        },
    )


def _language_from(request: HttpRequest) -> None:
    """Activate ``lang`` (GET or POST) if it is one of the site's languages; else the
    ``Accept-Language`` choice of ``LocaleMiddleware`` stands."""
    language = request.POST.get("lang") or request.GET.get("lang") or ""
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _receipt(text: str):
    if len(text) > RECEIPT_MAX_CHARS:
        return None
    try:
        value = loads(text)
    except NotCanonical:
        return None
    return value if isinstance(value, dict) else None


@anonymous
@json_feed("t")
def tracker_json(request: HttpRequest, uuid) -> JsonResponse:
    election = _frozen(uuid)
    tracker = feeds.tracker(request)
    return JsonResponse(selectors.tracker_lookup(election, tracker))


@json_feed()
def tally_json(request: HttpRequest, uuid) -> JsonResponse:
    election = _frozen(uuid)
    if election.encrypted_tally is None:
        raise FeedNotFound("not_published", "the encrypted tally is published when the poll closes")
    return JsonResponse(election.encrypted_tally)


@json_feed()
def cohort_tally_json(request: HttpRequest, uuid) -> JsonResponse:
    """The merge map, the per-cohort sums and the server's release plan (docs/protocol.md §12),
    from the close on: what a trustee compares with its own before decrypting a group."""
    election = _frozen(uuid)
    if "cohorts" not in election.manifest:
        raise FeedNotFound("no_cohorts", "this election has no cohort dimensions")
    published = cohorts.published_tally(election)
    if published is None:
        raise FeedNotFound("not_published", "the cohort tally is published when the poll closes")
    return JsonResponse(published)


@json_feed()
def results_json(request: HttpRequest, uuid) -> JsonResponse:
    election = _frozen(uuid)
    if election.state != ElectionState.PUBLISHED:
        raise FeedNotFound("not_published", "the results are not published yet")
    return JsonResponse(selectors.published_results(election))


@require_GET
def results_page(request: HttpRequest, uuid) -> HttpResponse:
    election = _frozen(uuid)
    published = election.state == ElectionState.PUBLISHED
    rows = []
    if published:
        for question, result in zip(
            election.questions.prefetch_related("options"),
            election.results["questions"],
            strict=True,
        ):
            options = list(question.options.all())
            rows.append({"question": question, "result": result, "options": options})
            if result["type"] == "ranked":
                result["ranking_named"] = [
                    [options[i] for i in group] for group in result["ranking"]
                ]
                result["matrix_named"] = list(zip(options, result["pairwise"], strict=True))
            else:
                result["named"] = list(zip(options, result["counts"], strict=True))
    counts = selectors.counts(election)
    return render(
        request,
        "voting/results.html",
        {
            "election": election,
            "published": published,
            "rows": rows,
            "cohorts": cohorts.results_view(
                election,
                translation.get_language() or "en",
                [[option.text for option in row["options"]] for row in rows],
            )
            if published
            else [],
            "counts": counts,
            "counted": counts["counted"],
        },
    )


@require_GET
def verify_page(request: HttpRequest, uuid) -> HttpResponse:
    election = _frozen(uuid)
    return render(request, "voting/verify.html", {"election": election})


@json_feed()
def record_download(request: HttpRequest, uuid) -> StreamingHttpResponse:
    election = _frozen(uuid)
    if election.state != ElectionState.PUBLISHED:
        raise FeedNotFound("not_published", "the record is published with the results")
    response = StreamingHttpResponse(
        selectors.record_lines(election), content_type="application/x-ndjson"
    )
    response["Content-Disposition"] = f'attachment; filename="election-{election.uuid}.jsonl"'
    return response


@json_feed(any_query=True)
def unknown_feed(request: HttpRequest, space: str, election: str, feed: str) -> JsonResponse:
    """A feed path whose election id is no UUID, or a feed that does not exist (a misspelt
    extension, a trailing slash): JSON too. The path is refused before its query is read: a
    malformed id is named as such whatever the query holds."""
    if not feeds.UUID.match(election):
        raise feeds.BadQuery("bad_election", "the election id must be a UUID (lowercase, hyphens)")
    found = feeds.ISSUER_LEDGER.match(feed) if space == "elections" else None
    if found:
        raise FeedNotFound(
            "unknown_issuer",
            f"no issuer is named {found['index'][:20]!r}: issuers are numbered 1, 2, … in "
            "decimal, without a sign or a leading zero",
        )
    if feed.endswith("/"):
        raise FeedNotFound(
            "unknown_feed",
            "no such feed: a feed's address ends in .json or .jsonl, without a slash",
        )
    raise FeedNotFound("unknown_feed", "no such feed")
