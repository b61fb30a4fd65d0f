"""Election routes: public pages and feeds, member endpoints, the anonymous ballot box on its own
path (``/ballot-box/``, served alone by the ballot service too) and the tracker look-up and
receipt check on theirs (``/anonymous/``); the outermost middleware strips every cookie on both,
and a proxy can too."""

from django.urls import path, re_path, register_converter

from . import ballot_box_urls
from .views import ballot_pages, members, organizer, public
from .views.feeds import IssuerIndex

register_converter(IssuerIndex, "issuer")

app_name = "voting"

E = "elections/<uuid:uuid>/"
# Organizer pages live under their convention, so that require_permission can check the role.
M = "c/<slug:slug>/organize/elections/"
ME = M + "<uuid:uuid>/"

urlpatterns = [
    path("c/<slug:slug>/organize/cohorts/", organizer.cohort_dimensions, name="cohort_dimensions"),
    path("elections/", public.election_list, name="list"),
    path(E, public.election_detail, name="detail"),
    path(E + "manifest.json", public.manifest_json, name="manifest_json"),
    path(E + "roll.json", public.roll_json, name="roll_json"),
    path(E + "trustees.json", public.trustees_json, name="trustees_json"),
    path(E + "board.json", public.board_json, name="board_json"),
    path(E + "board/", public.board_page, name="board"),
    path(E + "board/head.json", public.head_json, name="head_json"),
    path(E + "tally.json", public.tally_json, name="tally_json"),
    path(E + "cohort-tally.json", public.cohort_tally_json, name="cohort_tally_json"),
    path(E + "results/", public.results_page, name="results"),
    path(E + "results.json", public.results_json, name="results_json"),
    path(E + "verify/", public.verify_page, name="verify"),
    path(E + "record.jsonl", public.record_download, name="record"),
    path(E + "vote/", ballot_pages.ballot_page, name="ballot"),
    path(E + "vote/credential/", ballot_pages.credential_page, name="credential_page"),
    path(E + "trustee/", ballot_pages.trustee_page, name="trustee_page"),
    path(E + "credential", members.credential, name="credential"),
    path(E + "issuer/queue", members.issuer_queue, name="issuer_queue"),
    path(E + "issuer/signatures", members.issuer_signatures, name="issuer_signatures"),
    path(E + "issuer/ledger", members.issuer_ledger, name="issuer_ledger"),
    path(
        E + "issuers/<issuer:index>/ledger.json",
        public.issuer_ledger_json,
        name="issuer_ledger_json",
    ),
    path(E + "ceremony.json", members.ceremony_status, name="ceremony_json"),
    path(E + "ceremony/commitments", members.ceremony_commitments, name="ceremony_commitments"),
    path(E + "ceremony/shares", members.ceremony_shares, name="ceremony_shares"),
    path(E + "ceremony/verification", members.ceremony_verification, name="ceremony_verification"),
    path(E + "ceremony/answers", members.ceremony_answers, name="ceremony_answers"),
    path(E + "decryption", members.decryption, name="decryption"),
    path(E + "transition", members.transition, name="transition"),
    path(E + "reissue", members.reissue, name="reissue"),
    *ballot_box_urls.urlpatterns,
    # The tracker look-up and the receipt check name a ballot: on a cookie-less path like the
    # ballot box (voting/middleware.py), so that a signed-in voter checking their tracker does
    # not tie it to their account. Not under /ballot-box/, which the ballot service serves alone.
    path("anonymous/<uuid:uuid>/tracker", public.tracker_page, name="tracker"),
    path("anonymous/<uuid:uuid>/tracker.json", public.tracker_json, name="tracker_json"),
    # Any other path that looks like a feed (an election id that is no UUID, a feed that does not
    # exist, a misspelt extension such as .jsonx or .JSON, a trailing slash): JSON 400 or 404,
    # and JSON 405 to any method but GET, never an HTML page (voting/views/feeds.py). The pages
    # under the same prefixes (results/, board/, …) have no ".json" in their path.
    re_path(
        r"^(?P<space>elections|anonymous)/(?P<election>[^/]+)/(?P<feed>.*(?i:\.json)[^/]*/?)\Z",
        public.unknown_feed,
    ),
    # Organizers: drafting and running elections
    path(M, organizer.election_list, name="organize_list"),
    path(M + "new/", organizer.election_new, name="organize_new"),
    path(ME, organizer.control, name="organize_control"),
    path(ME + "edit/", organizer.election_edit, name="organize_edit"),
    path(ME + "questions/", organizer.questions, name="organize_questions"),
    path(ME + "questions/<int:question_id>/", organizer.question_detail, name="organize_question"),
    path(
        ME + "questions/<int:question_id>/move/",
        organizer.question_move,
        name="organize_question_move",
    ),
    path(
        ME + "questions/<int:question_id>/remove/",
        organizer.question_remove,
        name="organize_question_remove",
    ),
    path(
        ME + "questions/<int:question_id>/options/",
        organizer.option_add,
        name="organize_option_add",
    ),
    path(
        ME + "questions/<int:question_id>/proposal/",
        organizer.proposal_add,
        name="organize_proposal_add",
    ),
    path(ME + "options/<int:option_id>/", organizer.option_edit, name="organize_option"),
    path(ME + "options/<int:option_id>/move/", organizer.option_move, name="organize_option_move"),
    path(
        ME + "options/<int:option_id>/remove/",
        organizer.option_remove,
        name="organize_option_remove",
    ),
    path(ME + "trustees/", organizer.trustees, name="organize_trustees"),
    path(ME + "review/", organizer.review, name="organize_review"),
    path(ME + "transition/", organizer.transition, name="organize_transition"),
]
