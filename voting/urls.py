"""Election routes: public pages and feeds, member endpoints, and the anonymous ballot box on
its own path (so a proxy can strip cookies there too)."""

from django.urls import path

from .views import ballot_box, ballot_pages, members, public

app_name = "voting"

E = "elections/<uuid:uuid>/"

urlpatterns = [
    path("elections/", public.election_list, name="list"),
    path(E, public.election_detail, name="detail"),
    path(E + "manifest.json", public.manifest_json, name="manifest_json"),
    path(E + "roll.json", public.roll_json, name="roll_json"),
    path(E + "trustees.json", public.trustees_json, name="trustees_json"),
    path(E + "board.json", public.board_json, name="board_json"),
    path(E + "board/", public.board_page, name="board"),
    path(E + "board/head.json", public.head_json, name="head_json"),
    path(E + "board/tracker", public.tracker_page, name="tracker"),
    path(E + "board/tracker.json", public.tracker_json, name="tracker_json"),
    path(E + "tally.json", public.tally_json, name="tally_json"),
    path(E + "results/", public.results_page, name="results"),
    path(E + "results.json", public.results_json, name="results_json"),
    path(E + "verify/", public.verify_page, name="verify"),
    path(E + "record.jsonl", public.record_download, name="record"),
    path(E + "vote/", ballot_pages.ballot_page, name="ballot"),
    path(E + "vote/credential/", ballot_pages.credential_page, name="credential_page"),
    path(E + "trustee/", ballot_pages.trustee_page, name="trustee_page"),
    path(E + "credential", members.credential, name="credential"),
    path(E + "ceremony.json", members.ceremony_status, name="ceremony_json"),
    path(E + "ceremony/commitments", members.ceremony_commitments, name="ceremony_commitments"),
    path(E + "ceremony/shares", members.ceremony_shares, name="ceremony_shares"),
    path(E + "ceremony/verification", members.ceremony_verification, name="ceremony_verification"),
    path(E + "ceremony/answers", members.ceremony_answers, name="ceremony_answers"),
    path(E + "decryption", members.decryption, name="decryption"),
    path(E + "transition", members.transition, name="transition"),
    path(E + "reissue", members.reissue, name="reissue"),
    path("ballot-box/<uuid:uuid>/cast", ballot_box.cast, name="cast"),
    path("ballot-box/<uuid:uuid>/audit", ballot_box.audit, name="audit"),
]
