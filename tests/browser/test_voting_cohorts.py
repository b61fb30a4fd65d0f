"""Results by cohort on a phone, in Dari (docs/protocol.md §12): at 360×740 an organizer defines
two dimensions (residence, attested; gender, self-declared; K = 2), a registrar attests a new
voter's residence on the invitation, trustee 1 makes its issuer and cohort keys in its browser
(with a progress bar) while trustees 2 and 3 use the Python client, the voter sees on the
credential page what the credential will say, gets it (labels signed by the browser issuer and
the Python one), and votes; bulk voters are made and cast in Python. After the close the browser
trustee rebuilds the per-cohort sums and the release plan and decrypts the groups, and the
results page shows residence per group and gender withheld (a crossed cell under K). The
organizer's cohorts page, the registrar's form, the credential page and the results pass axe and
fit the screen; the record verifies."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from convention.models import Convention, Phase, Role
from convention.services.signup import redeem_invitation
from tests.browser.journey import PageChecks
from tests.browser.phone import fits, phone_context
from tests.browser.trustee_page import PASSPHRASE, load_key_file
from tests.voting.conftest import cached_cohort_key, cached_issuer_key
from tests.voting.world import QUESTIONS, member
from voting.clients import TrusteeClient, Voter
from voting.models import AttestedCohort, ConventionCohorts, CredentialRequest, ElectionState
from voting.selectors import record_lines
from voting.services import casting, ceremony, credentials, lifecycle, tally
from voting.simulation import board_head, counted_labels, demo_cohorts
from voting.verify.cohorts import parse_definition
from voting.verify.record import verify_record

pytestmark = pytest.mark.django_db(transaction=True)
LANGUAGE = "fa-af"
# Residence (attested) and gender (self-declared) of the demo, K = 2.
DIMENSIONS = {"minimum": 2, "dimensions": demo_cohorts(2)["dimensions"][:2]}
# The Python voters: (attested residence, declared gender or None, choice). With the browser
# voter (inside, woman, Republic): residence inside 2, outside 3; gender woman 3, man 2, not
# stated 0 of 5 credentials (nothing merged at the close of the window: rule 2), and the
# crossed cell (outside, woman) holds one ballot: gender is withheld.
BULK = [(1, 1, 1), (2, 2, 0), (2, 2, 0), (2, 1, 1)]


@pytest.fixture(autouse=True)
def _cached_python_keys(monkeypatch):
    """The Python trustees' RSA keys come from a per-index cache; the browser makes its own."""
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)
    monkeypatch.setattr("voting.clients.new_cohort_key", cached_cohort_key)


def person(browser, live_server, membership=None, **options):
    context = phone_context(browser, live_server, LANGUAGE, membership, bypass_csp=True, **options)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page, PageChecks(page)


def wait_until(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def define_dimensions(page, checks, slug: str) -> None:
    page.goto(f"/c/{slug}/organize/cohorts/")
    checks.check(page, LANGUAGE)
    page.fill("input[name=minimum]", str(DIMENSIONS["minimum"]))
    for d, dimension in enumerate(DIMENSIONS["dimensions"], start=1):
        page.select_option(f"select[name=kind_{d}]", dimension["kind"])
        for language, field in (("en", "en"), ("fa-af", "fa_af"), ("ps", "ps")):
            page.fill(f"input[name=name_{d}_{field}]", dimension["name"][language])
        lines = [" | ".join(v[k] for k in ("en", "fa-af", "ps")) for v in dimension["values"]]
        page.fill(f"textarea[name=values_{d}]", "\n".join(lines))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    checks.check(page, LANGUAGE)


def test_results_by_cohort_with_a_browser_issuer_on_a_phone(browser, live_server, tmp_path):
    convention = Convention.objects.create(
        slug="shura", title_en="Shura", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    organizer = member(convention, "Organizer", Role.ORGANIZER)
    registrar = member(convention, "Registrar", Role.REGISTRAR)
    registrar.invitation_quota = 5
    registrar.save(update_fields=["invitation_quota"])
    trustee_members = [member(convention, f"Trustee {i}", Role.TRUSTEE) for i in (1, 2, 3)]
    bulk_members = [
        member(convention, f"Voter {i}", Role.PARTICIPANT, invited_by=registrar)
        for i in range(len(BULK))
    ]
    problems: list[str] = []

    # The organizer defines the dimensions on the organizer's cohorts page.
    context, page, checks = person(browser, live_server, organizer)
    define_dimensions(page, checks, convention.slug)
    assert ConventionCohorts.objects.get(convention=convention).definition == DIMENSIONS
    problems += checks.problems
    context.close()

    # The registrar issues a code, attesting "inside Afghanistan" for whoever redeems it.
    context, page, checks = person(browser, live_server, registrar)
    page.goto(f"/c/{convention.slug}/registrar/")
    checks.check(page, LANGUAGE)
    page.fill("input[name=count]", "1")
    page.select_option("select[name=cohort_1]", "1")
    with page.expect_navigation():
        page.locator(f"form[action='/c/{convention.slug}/registrar/issue/'] button").click()
    checks.check(page, LANGUAGE)
    code = page.locator(".issued-codes code").first.inner_text()
    problems += checks.problems
    context.close()
    voter_member = redeem_invitation(
        code=code, username="nadia", password="a long passphrase 1", pseudonym="Nadia"
    )
    assert list(
        AttestedCohort.objects.filter(membership=voter_member).values_list("dimension", "value")
    ) == [(1, 1)]
    for membership, (residence, _, _) in zip(bulk_members, BULK, strict=True):
        AttestedCohort.objects.create(membership=membership, dimension=1, value=residence)

    Convention.objects.filter(pk=convention.pk).update(phase=Phase.VOTING)
    now = timezone.now()
    election = lifecycle.create_election(
        convention=convention,
        actor=organizer,
        title={"en": "Charter", "fa-af": "منشور", "ps": ""},
        questions=QUESTIONS[:1],
        credentials_at=now,
        opens_at=now,
        closes_at=now + timedelta(days=3),
        trustees=trustee_members,
        threshold=2,
    )

    def move(to: str):
        nonlocal election
        with TestCase.captureOnCommitCallbacks(execute=True):
            election = lifecycle.transition(election, to, actor=organizer)
        return election

    def trustee(index: int):
        return election.trustees.get(index=index)

    move(ElectionState.KEY_CEREMONY)
    uuid = election.uuid
    cc = bytes.fromhex(election.ceremony_context)
    values = parse_definition(election.definition).stated()
    clients = {i: TrusteeClient(i, 2, cc, cohort_values=values) for i in (2, 3)}
    for i, client in clients.items():
        ceremony.submit_commitments(
            election=election, trustee=trustee(i), message=client.announce()
        )
    assert trustee(3).cohort_keys is None  # trustee 3 is no issuer

    # Trustee 1 makes its keys in the browser: the issuer key and one per stated value (4).
    trustee_context, trustee_page, trustee_checks = person(
        browser, live_server, trustee_members[0], accept_downloads=True
    )
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    trustee_page.wait_for_selector("#generate-box:not([hidden])")
    assert trustee_page.locator("#cohort-keys-note").is_visible()
    trustee_page.fill("#new-passphrase", PASSPHRASE)
    trustee_page.fill("#new-passphrase-again", PASSPHRASE)
    started = time.monotonic()
    trustee_page.click("#generate-button")
    trustee_page.wait_for_selector("#keygen-progress-box:not([hidden])")
    trustee_page.wait_for_selector("#keyfile-ready:not([hidden])", timeout=180_000)
    keygen_seconds = time.monotonic() - started
    bar = trustee_page.locator("#keygen-progress")
    assert bar.get_attribute("max") == bar.get_attribute("value") == "5"
    problem = fits(trustee_page)
    assert problem is None, problem
    with trustee_page.expect_download() as download:
        trustee_page.click("#keyfile-link")
    key_path = tmp_path / "trustee-1.key"
    download.value.save_as(key_path)
    trustee_page.check("#keyfile-saved")
    trustee_page.click("#publish-button")
    trustee_page.wait_for_selector("#trustee-log li:nth-child(2)")  # commitments, then shares
    announced = trustee(1).cohort_keys
    assert [(k["dimension"], k["value"]) for k in announced] == values
    public = ceremony.status(election, None)["trustees"]
    for i, client in clients.items():
        ceremony.submit_shares(election=election, trustee=trustee(i), message=client.shares(public))
    for i, client in clients.items():
        election.refresh_from_db()
        status = ceremony.status(election, trustee(i))
        ceremony.submit_verification(
            election=election, trustee=trustee(i), message=client.verification(status)
        )
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#trustee-app[data-manifest-checked='4']")
    election.refresh_from_db()
    mine = [k["pem"] for k in election.manifest["cohort_keys"] if k["trustee"] == 1]
    assert mine == [k["pem"] for k in announced]

    move(ElectionState.CREDENTIALS)
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#issue-box:not([hidden])")

    # The voter sees what the credential will say, chooses "woman", and gets it.
    voter_context, voter_page, voter_checks = person(browser, live_server, voter_member)
    voter_page.goto(f"/elections/{uuid}/vote/credential/")
    voter_page.wait_for_selector("#request-button:not([disabled])")
    voter_checks.check(voter_page, LANGUAGE)
    said = voter_page.locator(".cohort-choice").inner_text()
    assert "محل سکونت" in said and "داخل افغانستان" in said and "جنسیت" in said
    voter_page.select_option("select[name=cohort-2]", "1")
    voter_page.click("#request-button")
    wait_until(
        lambda: CredentialRequest.objects.filter(roll_entry__election=election).exists(),
        "the voter's request",
    )

    # The Python voters ask too; trustee 2 (Python) signs its queue as the daemon would, the
    # browser issuer signs its own while its page is open.
    python_voters = []
    for membership, (residence, gender, _) in zip(bulk_members, BULK, strict=True):
        voter = Voter(election.manifest, election.fingerprint_bytes)
        voter.labels = {1: residence} | ({2: gender} if gender else {})
        credentials.request_credential(
            election=election, membership=membership, message=voter.credential_request()
        )
        python_voters.append((membership, voter))

    def all_signed() -> bool:
        queue = credentials.issuer_queue(election=election, membership=trustee_members[1])
        if queue["requests"]:
            credentials.submit_blind_signatures(
                election=election, membership=trustee_members[1], message=clients[2].sign(queue)
            )
        return not CredentialRequest.objects.filter(
            roll_entry__election=election, blind_signature=""
        ).exists()

    wait_until(all_signed, "both issuers to sign every request")
    voter_page.wait_for_selector("#credential-code-box:not([hidden])")
    voter_checks.check(voter_page, LANGUAGE)
    fp = election.fingerprint
    stored = json.loads(voter_page.evaluate(f"localStorage.getItem('mashwara/v1/credential/{fp}')"))
    labels = stored["credential"]["cohorts"]
    assert [(lb["dimension"], lb["value"]) for lb in labels] == [(1, 1), (2, 1)]
    assert all([s["issuer"] for s in lb["signatures"]] == [1, 2] for lb in labels)
    for membership, voter in python_voters:
        status = credentials.credential_status(election=election, membership=membership)
        assert voter.finish_credential(status) is not None
    trustee_page.locator("#issued-count", has_text="۵").wait_for()  # five requests signed

    # The poll opens; both issuers publish their ledgers; everyone votes.
    move(ElectionState.OPEN)
    assert election.cohort_merges["merged"] == []
    credentials.publish_ledger(
        election=election,
        membership=trustee_members[1],
        message=clients[2].signed_ledger(election.fingerprint_bytes),
    )
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#trustee-app[data-ledger-published='true']")
    voter_page.goto(f"/elections/{uuid}/vote/")
    voter_page.wait_for_selector("#ballot-app[data-ready='true']")
    voter_page.check("input[name='q0'][value='0']")
    voter_page.click("#encrypt-button")
    voter_page.wait_for_selector("#review:not([hidden])")
    voter_page.click("#cast-button")
    voter_page.wait_for_selector("#receipt:not([hidden])")
    problems += voter_checks.problems
    voter_context.close()
    for (_, voter), (_, _, choice) in zip(python_voters, BULK, strict=True):
        ballot, _ = voter.ballot([[choice]], board_head(election))
        casting.cast_ballot(election_uuid=uuid, body=json.dumps(ballot).encode())

    # The close: the per-cohort sums and plan are public; trustee 2 (Python) decrypts, then
    # trustee 1 in the browser, which rebuilds them first.
    move(ElectionState.CLOSED)
    election.refresh_from_db()
    feed = Client().get(f"/elections/{uuid}/cohort-tally.json").json()
    assert [r["groups"] for r in feed["plan"]] == [[[0], [1], [2]], None]
    assert feed["plan"][1]["reason"] == "crossing"
    with TestCase.captureOnCommitCallbacks(execute=True):
        tally.submit_decryption(
            election=election,
            trustee=trustee(2),
            message=clients[2].decrypt(
                election.encrypted_tally,
                election.fingerprint_bytes,
                feed,
                manifest=election.manifest,
                counted=counted_labels(election),
            ),
        )
    trustee_page.goto(f"/elections/{uuid}/trustee/")
    load_key_file(trustee_page, key_path)
    trustee_page.wait_for_selector("#trustee-app[data-decrypted='true']", timeout=120_000)
    problems += trustee_checks.problems
    trustee_context.close()
    election.refresh_from_db()
    assert election.state == ElectionState.TALLIED
    residence, gender = election.cohort_results
    assert [(g["values"], g["counted"]) for g in residence["groups"]] == [
        ([0], 0),
        ([1], 2),
        ([2], 3),
    ]
    assert [g["questions"][0]["counts"] for g in residence["groups"]] == [[0, 0], [1, 1], [2, 1]]
    assert gender == {"dimension": 2, "kind": "self-declared", "status": "withheld",
                      "reason": "crossing"}  # fmt: skip
    move(ElectionState.PUBLISHED)

    # Anyone reads the breakdown on the results page.
    context, page, checks = person(browser, live_server)
    page.goto(f"/elections/{uuid}/results/")
    checks.check(page, LANGUAGE)
    cohorts = page.locator("section.cohorts")
    text = cohorts.inner_text()
    assert "محل سکونت" in text and "خارج از افغانستان" in text and "جنسیت" in text
    assert cohorts.locator("ul.cohort-bars meter").count() == 3 * 2  # 3 groups × 2 options
    counted = cohorts.locator("section").first.locator("h4 + p").all_inner_texts()
    assert len(counted) == 3 and "۳" in counted[2] and "۲" in counted[1]
    kinds = [cohorts.locator("section").nth(n).locator("p").first.inner_text() for n in (0, 1)]
    assert kinds[0] != kinds[1]  # attested, self-declared
    assert cohorts.locator("section").nth(1).locator("p.notice").count() == 1  # withheld
    problems += checks.problems
    context.close()
    report = verify_record([line.decode() for line in record_lines(election)], workers=1)
    assert report.ok, "\n".join(report.lines())
    assert not problems, "\n".join(problems)
    print(f"browser: 5 RSA-3072 keys made and sealed in {keygen_seconds:.1f} s")
