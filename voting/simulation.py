"""A complete demo election with Python voters and trustees and real cryptography, driven
through the services (``simulate_election``, the benchmark). Idempotent tasks are also called
directly, so the simulation finishes whether or not a Celery worker is running."""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
from voting.clients import TrusteeClient, Voter
from voting.models import (
    AttestedCohort,
    BoardEntry,
    BoardHead,
    ConventionCohorts,
    Election,
    ElectionState,
    RollEntry,
    Trustee,
)
from voting.services import casting, ceremony, credentials, lifecycle, tally
from voting.services.cohorts import published_tally
from voting.trustee.cohorts import ballot_labels
from voting.verify.cohorts import parse_definition
from voting.verify.results import counted_ballot_per_credential

DEMO_QUESTIONS = [
    {
        "type": "single",
        "title": {"en": "Should the convention adopt the draft charter?"},
        "blank": True,
        "options": [{"label": {"en": label}} for label in ("Yes", "No")],
    },
    {
        "type": "approval",
        "title": {"en": "Which principles should the constitution enshrine?"},
        "min": 0,
        "max": 5,
        "options": [
            {"label": {"en": label}}
            for label in ("Rule of law", "Equal rights", "Free elections", "Federalism", "Shura")
        ],
    },
    {
        "type": "ranked",
        "title": {"en": "Rank the governance models"},
        "options": [{"label": {"en": name}} for name in ("Republic", "Federation", "Council")],
    },
]


def demo_cohorts(minimum: int) -> dict:
    """Three dimensions (docs/protocol.md §12): residence and region attested by the registrar,
    gender self-declared. Region's last value is held by few voters, so it is merged."""
    return {
        "minimum": minimum,
        "dimensions": [
            {
                "name": {"en": "Residence", "fa-af": "محل سکونت", "ps": "استوګنځی"},
                "kind": "attested",
                "values": [
                    {
                        "en": "Inside Afghanistan",
                        "fa-af": "داخل افغانستان",
                        "ps": "د افغانستان دننه",
                    },
                    {
                        "en": "Outside Afghanistan",
                        "fa-af": "خارج از افغانستان",
                        "ps": "له افغانستان بهر",
                    },
                ],
            },
            {
                "name": {"en": "Gender", "fa-af": "جنسیت", "ps": "جنسیت"},
                "kind": "self-declared",
                "values": [
                    {"en": "Woman", "fa-af": "زن", "ps": "ښځه"},
                    {"en": "Man", "fa-af": "مرد", "ps": "نارینه"},
                ],
            },
            {
                "name": {"en": "Region", "fa-af": "حوزه", "ps": "سیمه"},
                "kind": "attested",
                "values": [
                    {"en": "Kabul", "fa-af": "کابل", "ps": "کابل"},
                    {"en": "Herat", "fa-af": "هرات", "ps": "هرات"},
                    {"en": "Kandahar", "fa-af": "کندهار", "ps": "کندهار"},
                    {"en": "Nuristan", "fa-af": "نورستان", "ps": "نورستان"},
                ],
            },
        ],
    }


def demo_cohort_values(index: int, voters: int) -> tuple[dict[int, int], dict[int, int]]:
    """Voter ``index``'s attested values and the values it declares itself: residence 60 %
    inside, gender 45 % women, 45 % men, 10 % not stated, region spread over the first three
    values with a handful (< 4 %) in the fourth."""
    share = index / max(voters, 1)
    attested = {1: 1 if share < 0.6 else 2}
    region = 4 if share >= 0.97 else 1 + index % 3
    attested[3] = region
    declared = {} if index % 10 == 9 else {2: 1 + index % 2}
    return attested, declared


@dataclass
class Simulation:
    election: Election
    organizer: Membership
    voters: list[Voter] = field(default_factory=list)
    trustees: list[TrusteeClient] = field(default_factory=list)
    members: list[Membership] = field(default_factory=list)
    trustee_members: list[Membership] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _member(convention: Convention, name: str, role: str, invited_by=None) -> Membership:
    user = User.objects.create_user(username=f"sim{secrets.token_hex(6)}", password=None)
    membership = Membership.objects.create(
        convention=convention, user=user, pseudonym=name, invited_by=invited_by
    )
    MembershipRole.objects.create(membership=membership, role=role)
    return membership


def prepare(
    voters: int,
    *,
    trustees: int = 3,
    threshold: int = 2,
    questions=None,
    issue: bool = True,
    cohorts: dict | None = None,
) -> Simulation:
    """Convention, members, election, ceremony, credentials; the poll is open at the end. With
    ``issue=False`` it stops in the credential window, before any request (``sim.members`` are
    the voters' memberships, ``sim.trustee_members`` the trustees')."""
    suffix = secrets.token_hex(3)
    convention = Convention.objects.create(
        slug=f"simulation-{suffix}",
        title_en=f"Simulated convention {suffix}",
        phase=Phase.VOTING,
        require_staff_mfa=False,
    )
    organizer = _member(convention, "Organizer", Role.ORGANIZER)
    registrar = _member(convention, "Registrar", Role.REGISTRAR)
    trustee_members = [_member(convention, f"Trustee {i}", Role.TRUSTEE) for i in range(trustees)]
    members = [
        _member(convention, f"Voter {i}", Role.PARTICIPANT, registrar) for i in range(voters)
    ]
    if cohorts is not None:
        ConventionCohorts.objects.create(convention=convention, definition=cohorts)
        for index, member in enumerate(members):
            attested, _ = demo_cohort_values(index, voters)
            AttestedCohort.objects.bulk_create(
                AttestedCohort(membership=member, dimension=d, value=v) for d, v in attested.items()
            )
    now = timezone.now()
    election = lifecycle.create_election(
        convention=convention,
        actor=organizer,
        title={"en": "Simulated election"},
        questions=questions or DEMO_QUESTIONS,
        # Opened at once and closed when the simulation ends (before the scheduled close): the
        # record's poll hours lie within the schedule, as the verifier requires.
        credentials_at=now,
        opens_at=now,
        closes_at=now + timedelta(days=1),
        trustees=trustee_members,
        threshold=threshold,
    )
    sim = Simulation(election, organizer)
    election, sim.trustees = run_ceremony(election, organizer)
    election = lifecycle.transition(election, ElectionState.CREDENTIALS, actor=organizer)
    sim.election, sim.members, sim.trustee_members = election, members, trustee_members
    if not issue:
        return sim
    sim.voters = [Voter(election.manifest, election.fingerprint_bytes) for _ in members]
    if cohorts is not None:
        entries = dict(
            RollEntry.objects.filter(election=election).values_list("membership_id", "cohorts")
        )
        for index, (member, voter) in enumerate(zip(members, sim.voters, strict=True)):
            _, declared = demo_cohort_values(index, voters)
            voter.labels = {int(d): v for d, v in entries[member.pk].items()} | declared
    issuers = list(zip(trustee_members, sim.trustees, strict=True))[:threshold]
    issue_credentials(election, list(zip(members, sim.voters, strict=True)), issuers)
    sim.election = lifecycle.transition(election, ElectionState.OPEN, actor=organizer)
    publish_ledgers(sim.election, issuers)
    return sim


def run_ceremony(election: Election, organizer: Membership) -> tuple[Election, list[TrusteeClient]]:
    """Start the key ceremony of a draft ``election`` and run it with Python trustees."""
    election = lifecycle.transition(election, ElectionState.KEY_CEREMONY, actor=organizer)
    cc = bytes.fromhex(election.ceremony_context)
    rows = list(election.trustees.order_by("index"))
    cohorts = parse_definition(election.definition)
    values = cohorts.stated() if cohorts is not None else []
    trustees = [TrusteeClient(t.index, election.threshold, cc, cohort_values=values) for t in rows]
    for row, client in zip(rows, trustees, strict=True):
        ceremony.submit_commitments(election=election, trustee=row, message=client.announce())
    public = ceremony.status(election, None)["trustees"]
    for row, client in zip(rows, trustees, strict=True):
        ceremony.submit_shares(election=election, trustee=row, message=client.shares(public))
    for row, client in zip(rows, trustees, strict=True):
        election.refresh_from_db()
        message = client.verification(ceremony.status(election, row))
        ceremony.submit_verification(election=election, trustee=row, message=message)
    election.refresh_from_db()
    return election, trustees


def issuer_clients(
    election: Election, trustees: list[TrusteeClient]
) -> list[tuple[Membership, TrusteeClient]]:
    """The first ``threshold`` trustees of ``run_ceremony`` as issuers: (membership, client)."""
    rows = list(election.trustees.order_by("index").select_related("membership"))
    pairs = [(row.membership, client) for row, client in zip(rows, trustees, strict=True)]
    return pairs[: election.threshold]


def issue_credentials(
    election: Election,
    requests: list[tuple[Membership, Voter]],
    issuers: list[tuple[Membership, TrusteeClient]],
) -> None:
    """Every voter posts its blinded requests, each of ``issuers`` signs its queue, every voter
    collects and finalises (docs/elections.md §3, through the services)."""
    for membership, voter in requests:
        credentials.request_credential(
            election=election, membership=membership, message=voter.credential_request()
        )
    for membership, client in issuers:
        queue = credentials.issuer_queue(election=election, membership=membership)
        items = queue["requests"]
        for start in range(0, len(items), credentials.MAX_SIGNATURES_PER_POST):
            chunk = {
                **queue,
                "requests": items[start : start + credentials.MAX_SIGNATURES_PER_POST],
            }
            credentials.submit_blind_signatures(
                election=election, membership=membership, message=client.sign(chunk)
            )
    for membership, voter in requests:
        voter.finish_credential(
            credentials.credential_status(election=election, membership=membership)
        )


def publish_ledgers(election: Election, issuers: list[tuple[Membership, TrusteeClient]]) -> None:
    """Each issuer publishes its signed ledger once the credential window has closed."""
    for membership, client in issuers:
        credentials.publish_ledger(
            election=election,
            membership=membership,
            message=client.signed_ledger(election.fingerprint_bytes),
        )


def random_choices(manifest: dict, rng: random.Random) -> list[list[int]]:
    choices = []
    for question in manifest["questions"]:
        n = len(question["options"])
        if question["type"] == "ranked":
            choices.append(rng.sample(range(n), n))  # a full order, best first
        elif question["type"] == "approval":
            choices.append(rng.sample(range(n), rng.randint(question["min"], question["max"])))
        else:
            choices.append([rng.randrange(n)])
    return choices


def trustee_decryptions(sim: Simulation, election: Election) -> list[tuple[Trustee, dict]]:
    """The first ``threshold`` trustees' decryption messages for the closed ``election``. With
    cohort dimensions each trustee recomputes the per-cohort sums and the release plan from the
    board and checks the server's against them before decrypting a group."""
    rows = {t.index: t for t in election.trustees.all()}
    server = published_tally(election)
    counted = counted_labels(election) if server is not None else []
    return [
        (
            rows[c.index],
            c.decrypt(
                election.encrypted_tally,
                election.fingerprint_bytes,
                server,
                manifest=election.manifest,
                counted=counted,
            ),
        )
        for c in sim.trustees[: election.threshold]
    ]


def finish(sim: Simulation) -> Election:
    """Close, tally, decrypt with ``threshold`` trustees, publish."""
    election = lifecycle.transition(sim.election, ElectionState.CLOSED, actor=sim.organizer)
    started = time.perf_counter()
    tally.compute_encrypted_tally(election.pk)
    sim.timings["aggregate"] = time.perf_counter() - started
    election.refresh_from_db()
    if election.state == ElectionState.CLOSED:
        started = time.perf_counter()
        messages = trustee_decryptions(sim, election)
        sim.timings["partial_decryptions"] = time.perf_counter() - started
        started = time.perf_counter()
        for row, message in messages:
            tally.submit_decryption(election=election, trustee=row, message=message)
        tally.combine_decryptions(election.pk)
        sim.timings["check_and_combine"] = time.perf_counter() - started
        election.refresh_from_db()
    sim.election = lifecycle.transition(election, ElectionState.PUBLISHED, actor=sim.organizer)
    return sim.election


def counted_labels(election: Election) -> list[tuple[tuple[tuple[int, int], ...], bytes]]:
    """Each counted ballot's labels and ciphertexts (tally layout), read from the board as a
    trustee reads them: the public ballot's labels, its selection by the public rule."""
    entries = BoardEntry.objects.filter(election=election, kind="ballot").order_by("position")
    positions = set(
        counted_ballot_per_credential(
            entries.values_list("position", "kind", "credential_key", "board_count")
        ).values()
    )
    return [
        (ballot_labels(json.loads(ballot)), bytes(blob))
        for position, ballot, blob in entries.values_list("position", "ballot", "ciphertexts")
        if position in positions
    ]


def board_head(election: Election) -> dict[str, object]:
    """The running head, as a device reads it from ``board/head.json`` before signing."""
    head = BoardHead.objects.get(election=election)
    return {"count": head.count, "hash": head.hash}


def _post(sim: Simulation, body: dict, *, audit: bool = False) -> casting.Receipt:
    submit = casting.audit_ballot if audit else casting.cast_ballot
    return submit(election_uuid=sim.election.uuid, body=json.dumps(body).encode())


def cast_all(
    sim: Simulation, rng: random.Random, *, audits: int = 0, revotes: int = 0
) -> dict[str, int]:
    """Every voter casts one ballot; the first ``audits`` voters first audit a ballot (then cast
    a fresh one, as the ballot page does), and the last ``revotes`` voters cast again after
    everyone has voted, with a ballot made on the board's new head (that one counts)."""
    manifest = sim.election.manifest
    audits, revotes = min(audits, len(sim.voters)), min(revotes, len(sim.voters))
    merged = (sim.election.cohort_merges or {}).get("merged", [])
    for voter in sim.voters:
        # As the ballot page does: a label of a value merged into not stated is dropped.
        if voter.credential is not None and "cohorts" in voter.credential:
            voter.credential["cohorts"] = [
                label
                for label in voter.credential["cohorts"]
                if [label["dimension"], label["value"]] not in merged
            ]
    for index, voter in enumerate(sim.voters):
        if index < audits:
            _post(sim, voter.audit(random_choices(manifest, rng)), audit=True)
        ballot, _ = voter.ballot(random_choices(manifest, rng), board_head(sim.election))
        _post(sim, ballot)
    for voter in sim.voters[len(sim.voters) - revotes :]:
        ballot, _ = voter.ballot(random_choices(manifest, rng), board_head(sim.election))
        _post(sim, ballot)
    return {"ballots": len(sim.voters) + revotes, "audits": audits, "revotes": revotes}
