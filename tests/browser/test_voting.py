"""An election in Chromium: a voter obtains a credential, audits one ballot (the page then
encrypts afresh), casts, re-votes from another device with the credential code, and finds the
tracker on the board; a re-vote from a browser whose previous ballot names the current board
head waits for the board to move; the trustees decrypt; an observer downloads the election
record and the standalone verifier passes it.

The server side is set up with the election services (tests/voting/world.py); everything the
voter does goes through the pages and their scripts, with real cryptography in the browser.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.voting.conftest import cached_issuer_key
from voting.models import ElectionState
from voting.services import credentials
from voting.simulation import issue_credentials, publish_ledgers

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issuer_key():
    return cached_issuer_key(1)


@pytest.fixture(autouse=True)
def _cached_issuer_key(monkeypatch):
    """The Python trustees' issuer keys come from a per-index cache (RSA-3072 generation is
    slow); the browser trustee page makes its own."""
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)


def sign_queues(world, indices: list[int]) -> None:
    """Issuers ``indices`` (Python trustee clients) sign their queues, as the daemon would."""
    for membership, client in world.issuers(indices):
        queue = credentials.issuer_queue(election=world.election, membership=membership)
        credentials.submit_blind_signatures(
            election=world.election, membership=membership, message=client.sign(queue)
        )


def signed_in_context(browser, live_server, membership, **options):
    client = Client()
    client.force_login(membership.user)
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def choose(page, single: str, approvals: list[str], ranks: dict[int, str]) -> None:
    page.check(f"input[name='q0'][value='{single}']")
    for box in page.locator("input[name='q1']").all():
        box.set_checked(box.get_attribute("value") in approvals)
    for option, rank in ranks.items():
        page.select_option(f"select[name='q2-{option}']", rank)


def encrypt(page) -> str:
    page.click("#encrypt-button")
    page.wait_for_selector("#review:not([hidden])")
    return page.text_content("#review-tracker").replace(" ", "")


def ballot_page_holding(browser, live_server, world, voter, storage: dict[str, object], **options):
    """A fresh browser on the ballot page with `voter`'s credential in its storage, plus the
    `storage` items given (key suffix after the election fingerprint → JSON value); `options`
    go to the browser context (a viewport, a locale)."""
    import json

    fp = world.election.fingerprint
    items = {
        "mashwara/v1/credential/" + fp: {
            "election": fp,
            "secret": voter.secret.hex(),
            "credential": voter.credential,
        }
    }
    items.update({key + fp: value for key, value in storage.items()})
    context = browser.new_context(base_url=live_server.url, **{"locale": "en-US", **options})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"/elections/{world.election.uuid}/vote/")
    page.evaluate(
        "items => { for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v); }",
        {key: json.dumps(value) for key, value in items.items()},
    )
    page.reload()
    page.wait_for_selector("#ballot-app[data-ready='true']")
    return context, page


def test_a_voter_audits_casts_revotes_and_the_record_verifies(browser, live_server, tmp_path):
    from tests.voting.world import World

    world = World(voters=3, trustees=3, threshold=2)
    world.open_credentials()
    election = world.election
    uuid = election.uuid
    voter = world.voter_members[0]

    # 1. The voter, signed in, obtains a credential in the browser.
    context = signed_in_context(browser, live_server, voter)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"/elections/{uuid}/vote/credential/")
    # The signature is lost on the way: the page asks again with the identical blinded message,
    # and the server answers it again without issuing a second credential.
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/elections/{uuid}/credential", lose_first_answer)
    page.click("#request-button")
    # The page waits for the issuers (the trustees): none has signed yet.
    page.wait_for_selector("#credential-app[data-signed='0']")
    assert "0 of 2 issuers have signed (2 needed)" in page.text_content("#credential-status-line")
    sign_queues(world, [1])
    page.wait_for_selector("#credential-app[data-signed='1']")
    sign_queues(world, [2])
    page.wait_for_selector("#credential-code-box:not([hidden])")
    page.unroute(f"**/elections/{uuid}/credential")
    assert lost == [200]
    code = page.text_content("#credential-code")
    assert code.startswith("mashwara-credential-2:")
    assert voter.pk in set(
        election.roll.filter(issued=1).values_list("membership_id", flat=True)
    ), "the roll shows the credential as issued"

    # The other voters get theirs with the Python client; then the poll opens.
    from voting.clients import Voter

    others = [
        Voter(world.refresh().manifest, election.fingerprint_bytes) for _ in world.voter_members[1:]
    ]
    issue_credentials(
        election, list(zip(world.voter_members[1:], others, strict=True)), world.issuers([1, 2])
    )
    world.move(ElectionState.OPEN)
    publish_ledgers(world.election, world.issuers([1, 2]))

    # 2. On the ballot page the voter encrypts, audits that ballot (the page then encrypts the
    # same choices afresh, under a new nonce), and casts the fresh one.
    sent = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.all_headers())
            if "/ballot-box/" in r.url or r.url.endswith(("/manifest.json", "/board/head.json"))
            else None
        ),
    )
    audits = []
    page.on(
        "request",
        lambda r: audits.append(r.post_data_json) if r.url.endswith("/audit") else None,
    )
    page.goto(f"/elections/{uuid}/vote/")
    page.wait_for_selector("#ballot-app[data-ready='true']")
    choose(page, "0", ["0", "2"], {0: "1", 1: "2", 2: "3"})
    audited = encrypt(page)
    encrypt_ms = int(page.get_attribute("#ballot-app", "data-encrypt-ms"))
    page.click("#audit-button")
    page.wait_for_selector("#audit-result:not([hidden])")
    opened = page.text_content("#audit-choices")
    assert "Republic" in opened and "Principle 0, Principle 2" in opened
    # The ranked answer opens to the order the voter gave, in that order.
    ranked = page.locator("#audit-choices ol.ranked-order li").all_text_contents()
    assert ranked == ["1. Federal", "2. Unitary", "3. Confederal"]
    assert page.get_attribute("#ballot-app", "data-audited-tracker") == audited
    # The audit carried the sealed ballot and its reveal, nothing that names the credential.
    assert set(audits[0]) == {"ballot", "reveal"}
    assert set(audits[0]["ballot"]) == {"election", "nonce", "answers"}

    page.wait_for_selector("#review:not([hidden])")
    first = page.text_content("#review-tracker").replace(" ", "")
    assert first != audited and first == page.get_attribute("#ballot-app", "data-sealed-tracker")
    # The connection drops after the server appended the ballot but before the receipt arrived:
    # the page sends the same ballot again and gets the same receipt; nothing is appended twice.
    dropped = []

    def drop_first_answer(route):
        if not dropped:
            dropped.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/ballot-box/{uuid}/cast", drop_first_answer)
    page.click("#cast-button")
    page.wait_for_selector("#receipt:not([hidden])")
    page.unroute(f"**/ballot-box/{uuid}/cast")
    assert dropped == [201]
    assert page.text_content("#receipt-position") == "2"
    assert election.board.count() == 2
    assert page.text_content("#receipt-tracker").replace(" ", "") == first
    assert page.get_attribute("#ballot-app", "data-receipt-valid") == "true"
    assert len(sent) >= 4 and all("cookie" not in headers for headers in sent), "a cookie was sent"
    assert election.board.get(position=2).board_count == 1, "it names the head after the audit"

    # 3. Re-voting from another device: a fresh browser, not signed in, with the credential code.
    phone = browser.new_context(base_url=live_server.url, locale="en-US")
    other_page = phone.new_page()
    other_page.set_default_timeout(30_000)
    other_page.goto(f"/elections/{uuid}/vote/")
    other_page.wait_for_selector("#ballot-app[data-ready='true']")
    assert other_page.is_visible("#credential-status [data-show='absent']")
    other_page.click("#import summary")
    other_page.fill("#import-code", code)
    other_page.click("#import-button")
    other_page.wait_for_selector("#credential-status [data-show='present']:not([hidden])")
    choose(other_page, "1", ["4"], {2: "1", 0: "2", 1: "3"})
    # This device is a cheap phone: four times slower than this machine.
    other_page.context.new_cdp_session(other_page).send(
        "Emulation.setCPUThrottlingRate", {"rate": 4}
    )
    second = encrypt(other_page)
    phone_ms = int(other_page.get_attribute("#ballot-app", "data-encrypt-ms"))
    other_page.click("#cast-button")
    other_page.wait_for_selector("#receipt:not([hidden])")
    assert other_page.text_content("#receipt-position") == "3"
    assert other_page.get_attribute("#ballot-app", "data-receipt-valid") == "true"

    # 4. The tracker look-up finds both ballots; while the poll is open it does not say which
    # one counts (that would tell a coercer the voter voted again).
    other_page.goto(f"/anonymous/{uuid}/tracker?t={second}")
    assert "Found at position 3" in other_page.text_content("main")
    other_page.goto(f"/anonymous/{uuid}/tracker?t={first}")
    assert "shown once the poll has closed" in other_page.text_content("main")
    other_page.goto(f"/elections/{uuid}/board/")
    assert second in other_page.text_content("main").replace(" ", "")

    # The other voters cast with the Python client; the poll closes; two trustees decrypt.
    for other, choice in zip(
        others, [[[0], [1], [0, 1, 2]], [[], [0, 1, 2], [2, 0, 1]]], strict=True
    ):
        ballot, _ = other.ballot(choice, world.head())
        assert world.cast(ballot).status_code == 201
    election = world.close_and_tally(decrypting=[1, 3])
    other_page.goto(f"/anonymous/{uuid}/tracker?t={first}")
    assert "A ballot made later with the same credential counts" in other_page.text_content("main")
    assert election.state == ElectionState.TALLIED
    results = election.results
    assert results["counted"] == 3
    # The re-vote (Emirate) counts, not the first ballot (Republic); the audited one never counts.
    assert results["questions"][0] == {"type": "single", "counts": [1, 1], "blank": 1}
    assert results["questions"][1]["counts"] == [1, 2, 1, 0, 1]
    # Full rankings: Confederal > Federal > Unitary (the re-vote), F > U > C, C > F > U.
    assert results["questions"][2]["pairwise"] == [[0, 3, 1], [0, 0, 1], [2, 2, 0]]
    world.move(ElectionState.PUBLISHED)

    # 5. An observer downloads the record from the verification page and runs the verifier.
    observer = browser.new_context(base_url=live_server.url, accept_downloads=True)
    observer_page = observer.new_page()
    observer_page.goto(f"/elections/{uuid}/verify/")
    with observer_page.expect_download() as download:
        observer_page.click(f"a[href='/elections/{uuid}/record.jsonl']")
    record = tmp_path / "record.jsonl"
    download.value.save_as(record)
    result = subprocess.run(
        [sys.executable, "-m", "voting.verify", str(record)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"browser encryption of the 3-question ballot: {encrypt_ms} ms, {phone_ms} ms at 4x")
    for ctx in (context, phone, observer):
        ctx.close()


def test_a_ranked_question_needs_every_option_ranked_once_on_a_phone_by_keyboard(
    browser, live_server
):
    """A partial ranking and a shared rank are refused on the page with a plain message (the
    ballot box would refuse them too: a ranked answer proves a full ranking); ranking every
    option by keyboard on a 360 px phone encrypts, and the audit lists the order as chosen."""
    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_poll()
    viewport = {"width": 360, "height": 740}
    context, page = ballot_page_holding(
        browser, live_server, world, world.voters[0], {}, viewport=viewport
    )
    error = page.locator("[data-question='2'] .field-error")
    choose(page, "0", [], {0: "1"})
    page.click("#encrypt-button")
    error.wait_for()
    assert error.text_content() == "Rank every option: 1 is your first choice."
    assert page.is_hidden("#review")
    choose(page, "0", [], {1: "1", 2: "2"})
    page.click("#encrypt-button")
    page.locator("[data-question='2'] .field-error", has_text="same rank").wait_for()
    assert page.is_hidden("#review")
    # By keyboard: Unitary gets 3 (typing selects the option), then Enter on the button.
    page.focus("select[name='q2-1']")
    page.keyboard.type("3")
    assert page.input_value("select[name='q2-1']") == "3"
    page.focus("#encrypt-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review:not([hidden])")
    assert error.is_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#audit-button")
    page.wait_for_selector("#audit-result:not([hidden])")
    ranked = page.locator("#audit-choices ol.ranked-order li").all_text_contents()
    assert ranked == ["1. Federal", "2. Confederal", "3. Unitary"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert world.election.board.count() == 1
    context.close()


def test_a_revote_waits_until_the_board_passes_the_head_this_browser_signed(browser, live_server):
    """A coercer had this browser sign a ballot against the current board head and kept it. A
    re-vote naming the same head would lose to it if the coercer cast it later (equal board
    counts: the later position counts), so the page waits for the board to move before signing
    (docs/elections.md §10)."""
    from tests.voting.world import World

    world = World(voters=2, trustees=1, threshold=1)
    world.open_poll()
    kept = {"mashwara/v1/last-board/": {"count": world.head()["count"]}}
    context, page = ballot_page_holding(browser, live_server, world, world.voters[0], kept)
    choose(page, "1", ["3"], {1: "1", 0: "2", 2: "3"})
    encrypt(page)
    page.click("#cast-button")
    page.wait_for_selector("#ballot-app[data-board-wait='waiting']")
    assert "Waiting for the board to move on" in page.text_content("#ballot-status")
    assert world.election.board.count() == 0, "nothing is sent while the board has not moved"

    # Another voter casts: the board moves past the head the kept ballot names.
    assert (
        world.cast(world.voters[1].ballot([[0], [], [1, 2, 0]], world.head())[0]).status_code == 201
    )
    page.wait_for_selector("#receipt:not([hidden])")
    assert page.get_attribute("#ballot-app", "data-board-wait") == "moved"
    assert page.text_content("#receipt-position") == "2"
    assert world.election.board.get(position=2).board_count == 1
    context.close()


def test_the_ballot_page_explains_the_new_refusals_and_re_signs_once_over_a_fresh_head(
    browser, live_server
):
    """The ballot box's v2 refusals, as the server would send them (intercepted here): each gets
    the page's own translated sentence; `bad_board_reference` makes the page fetch the head
    again and re-sign the same sealed ballot once, which then lands."""
    import json

    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_poll()
    uuid = world.election.uuid
    context, page = ballot_page_holding(browser, live_server, world, world.voters[0], {})
    choose(page, "0", [], {0: "1", 1: "2", 2: "3"})
    tracker = encrypt(page)

    def refuse(status, code):
        body = json.dumps({"error": code, "message": f"server says {code}"})
        return lambda route: route.fulfill(
            status=status, content_type="application/json", body=body
        )

    # Audits refused for the cap: the voter is told, and may still cast this ballot.
    page.route(f"**/ballot-box/{uuid}/audit", refuse(409, "too_many_audits"))
    page.click("#audit-button")
    page.locator("#ballot-status", has_text="limit of audited ballots").wait_for()
    assert page.is_visible("#review") and world.election.board.count() == 0

    for status, code, words in (
        (409, "too_many_ballots", "the most ballots allowed"),
        (409, "duplicate_tracker", "already on the board"),
    ):
        page.route(f"**/ballot-box/{uuid}/cast", refuse(status, code))
        page.click("#cast-button")
        page.locator("#ballot-status", has_text=words).wait_for()
        page.unroute(f"**/ballot-box/{uuid}/cast")

    # The first cast is refused for its board reference: the page re-fetches the head, re-signs
    # the same sealed ballot (same tracker) and sends it once more; that one lands.
    casts = []

    def first_refused(route):
        casts.append(route.request.post_data_json)
        if len(casts) == 1:
            refuse(422, "bad_board_reference")(route)
        else:
            route.continue_()

    page.route(f"**/ballot-box/{uuid}/cast", first_refused)
    page.click("#cast-button")
    page.wait_for_selector("#receipt:not([hidden])")
    assert len(casts) == 2
    assert page.text_content("#receipt-tracker").replace(" ", "") == tracker
    assert {k: casts[0][k] for k in ("election", "nonce", "answers")} == {
        k: casts[1][k] for k in ("election", "nonce", "answers")
    }
    assert world.election.board.count() == 1
    context.close()


def test_voting_pages_fit_the_budget_stay_on_this_host_and_read_right_to_left(browser, live_server):
    from urllib.parse import urlsplit

    from tests.browser.test_page_budget import BUDGET_BYTES, first_load
    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_poll()
    uuid = world.election.uuid
    host = urlsplit(live_server.url).hostname

    def session_of(membership):
        client = Client()
        client.force_login(membership.user)
        cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
        return {"cookies": [{**cookie, "domain": host, "path": "/"}], "origins": []}

    pages = [
        (f"/elections/{uuid}/vote/", None),
        (f"/elections/{uuid}/vote/credential/", session_of(world.voter_members[0])),
        (f"/elections/{uuid}/trustee/", session_of(world.trustee_members[0])),
    ]
    for path, state in pages:
        weight, hosts, _ = first_load(browser, live_server.url, path, state)
        assert hosts == {urlsplit(live_server.url).netloc}, (path, hosts)
        assert weight <= BUDGET_BYTES, f"{path} weighs {weight} bytes"
        print(f"{path}: {weight} bytes")

    phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.goto(f"/elections/{uuid}/vote/")
    with page.expect_navigation():
        page.locator(".language-switcher button[value='ps']").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.wait_for_selector("#ballot-app[data-ready='true']", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.close()


def test_a_returning_voter_is_told_a_new_ballot_replaces_the_earlier_one(browser, live_server):
    from tests.voting.world import World

    world = World(voters=1, trustees=1, threshold=1)
    world.open_poll()
    context, page = ballot_page_holding(browser, live_server, world, world.voters[0], {})
    assert page.is_hidden("#cast-before"), "a browser that never cast sees no note"
    choose(page, "1", ["3"], {1: "1", 0: "2", 2: "3"})
    encrypt(page)
    page.click("#cast-button")
    page.wait_for_selector("#receipt:not([hidden])")
    page.reload()
    page.wait_for_selector("#ballot-app[data-ready='true']")
    assert page.is_visible("#cast-before")
    assert "a new ballot replaces the earlier one" in page.text_content("#cast-before")
    context.close()
