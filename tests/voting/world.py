"""A whole election in a test: convention, members, trustees, voters, through services and the
HTTP endpoints, with real cryptography (Python clients from ``voting.clients``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from convention.models import Convention, Membership, MembershipRole, Phase, Role, User
from voting.clients import TrusteeClient, Voter
from voting.models import Election, ElectionState, Trustee
from voting.services import ceremony, lifecycle, tally
from voting.simulation import issue_credentials, publish_ledgers

QUESTIONS = [
    {
        "type": "single",
        "title": {"en": "Form of state"},
        "blank": True,
        "options": [{"label": {"en": "Republic"}, "proposal": 1}, {"label": {"en": "Emirate"}}],
    },
    {
        "type": "approval",
        "title": {"en": "Principles"},
        "min": 0,
        "max": 3,
        "options": [{"label": {"en": f"Principle {i}"}} for i in range(5)],
    },
    {
        "type": "ranked",
        "title": {"en": "Governance model"},
        "options": [{"label": {"en": name}} for name in ("Federal", "Unitary", "Confederal")],
    },
]


def member(convention: Convention, name: str, *roles: str, invited_by=None) -> Membership:
    user = User.objects.create_user(username=name.replace(" ", "").lower(), password=None)
    membership = Membership.objects.create(
        convention=convention, user=user, pseudonym=name, invited_by=invited_by
    )
    for role in roles:
        MembershipRole.objects.create(membership=membership, role=role)
    return membership


class World:
    """One convention with an organizer, a registrar, ``trustees`` trustees and ``voters``
    participants, and one election over ``questions``."""

    def __init__(
        self,
        *,
        voters: int = 4,
        trustees: int = 3,
        threshold: int = 2,
        questions: list[dict[str, Any]] | None = None,
        slug: str = "jirga",
    ) -> None:
        self.convention = Convention.objects.create(
            slug=slug, title_en="Jirga", phase=Phase.VOTING, require_staff_mfa=False
        )
        self.organizer = member(self.convention, "Organizer", Role.ORGANIZER)
        self.registrar = member(self.convention, "Registrar", Role.REGISTRAR)
        self.trustee_members = [
            member(self.convention, f"Trustee {i}", Role.TRUSTEE) for i in range(1, trustees + 1)
        ]
        self.voter_members = [
            member(self.convention, f"Voter {i}", Role.PARTICIPANT, invited_by=self.registrar)
            for i in range(voters)
        ]
        now = timezone.now()
        self.election = lifecycle.create_election(
            convention=self.convention,
            actor=self.organizer,
            title={"en": "Governance", "fa-af": "حکومتداری", "ps": ""},
            questions=questions or QUESTIONS,
            # The poll may open from now on (an organizer cannot open it before its scheduled
            # time: the record's poll hours must lie within the schedule).
            credentials_at=now,
            opens_at=now,
            closes_at=now + timedelta(days=3),
            trustees=self.trustee_members,
            threshold=threshold,
        )
        self.trustee_clients: list[TrusteeClient] = []
        self.voters: list[Voter] = []

    def refresh(self) -> Election:
        self.election.refresh_from_db()
        return self.election

    def move(self, to: str) -> Election:
        # Tests run inside a transaction: run what services defer with on_commit (tasks) now.
        with TestCase.captureOnCommitCallbacks(execute=True):
            self.election = lifecycle.transition(self.election, to, actor=self.organizer)
        return self.election

    def run_ceremony(self) -> None:
        self.move(ElectionState.KEY_CEREMONY)
        cc = bytes.fromhex(self.election.ceremony_context)
        trustees = list(self.election.trustees.order_by("index"))
        self.trustee_clients = [
            TrusteeClient(t.index, self.election.threshold, cc) for t in trustees
        ]
        for t, client in zip(trustees, self.trustee_clients, strict=True):
            ceremony.submit_commitments(
                election=self.election, trustee=t, message=client.announce()
            )
        public = ceremony.status(self.election, None)["trustees"]
        for t, client in zip(trustees, self.trustee_clients, strict=True):
            ceremony.submit_shares(election=self.election, trustee=t, message=client.shares(public))
        for t, client in zip(trustees, self.trustee_clients, strict=True):
            status = ceremony.status(self.refresh(), t)
            ceremony.submit_verification(
                election=self.election, trustee=t, message=client.verification(status)
            )
        self.refresh()

    def open_credentials(self) -> None:
        if not self.election.fingerprint:
            self.run_ceremony()
        self.move(ElectionState.CREDENTIALS)

    def issuers(self, indices: list[int] | None = None) -> list[tuple[Membership, TrusteeClient]]:
        """(membership, client) of the issuers that sign: the first ``threshold`` by default."""
        indices = indices or list(range(1, self.election.threshold + 1))
        return [(self.trustee_members[i - 1], self.trustee_clients[i - 1]) for i in indices]

    def obtain_credentials(self, issuers: list[int] | None = None) -> list[Voter]:
        voters = [
            Voter(self.election.manifest, self.election.fingerprint_bytes)
            for _ in self.voter_members
        ]
        issue_credentials(
            self.election, list(zip(self.voter_members, voters, strict=True)), self.issuers(issuers)
        )
        self.voters.extend(voters)
        return self.voters

    def open_poll(self) -> None:
        if self.election.state != ElectionState.CREDENTIALS:
            self.open_credentials()
        if not self.voters:
            self.obtain_credentials()
        self.move(ElectionState.OPEN)
        signed = [(m, c) for m, c in self.issuers(list(range(1, len(self.trustee_clients) + 1)))]
        publish_ledgers(self.election, [(m, c) for m, c in signed if c.ledger])

    def head(self) -> dict[str, Any]:
        """The running head, read as a ballot page reads it (cookie-less GET head.json)."""
        response = Client().get(reverse("voting:head_json", args=[self.election.uuid]))
        assert response.status_code == 200, response.content
        return response.json()

    def cast(self, ballot: dict[str, Any], client: Client | None = None, path: str = "cast"):
        client = client or Client()
        return client.post(
            reverse(f"voting:{path}", args=[self.election.uuid]),
            data=json.dumps(ballot),
            content_type="application/json",
        )

    def close_and_tally(self, decrypting: list[int] | None = None) -> Election:
        self.move(ElectionState.CLOSED)
        if self.refresh().state != ElectionState.CLOSED:
            return self.election
        trustees = {t.index: t for t in self.election.trustees.all()}
        for client in self.trustee_clients:
            if decrypting is not None and client.index not in decrypting:
                continue
            if self.refresh().state != ElectionState.CLOSED:
                break
            message = client.decrypt(self.election.encrypted_tally, self.election.fingerprint_bytes)
            with TestCase.captureOnCommitCallbacks(execute=True):
                tally.submit_decryption(
                    election=self.election, trustee=trustees[client.index], message=message
                )
        return self.refresh()

    def trustee(self, index: int) -> Trustee:
        return self.election.trustees.get(index=index)
