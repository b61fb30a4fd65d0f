"""Load the demo convention: ``python manage.py seed_demo``. Safe to run again.

It also seeds the voting half of the demo (voting/demo.py): two rooms with posts in English,
Dari and Pashto in the demo convention, and a second convention, "demo-vote", in its voting
phase, with the same trustees and the first participants, holding an election in its credential
window, an open election for which two demo voters hold credentials (their credential codes are
saved in var/demo-credentials.txt to import on the ballot page) and a published election with
real results.

Everything goes through the same services as the pages (create the convention, issue codes,
sign up with them, appoint roles, set quotas, move the phase), so the demo's audit log is a real,
verifiable chain and its counts add up. A second run finds what exists and adds only what is
missing. The demo convention does not require two-factor authentication of staff, so that its
staff pages can be tried at once; the output says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from convention.models import (
    Convention,
    InvitationStatus,
    Membership,
    Phase,
    Role,
    User,
)
from convention.permissions import PermissionRefused
from convention.services import conventions as convention_services
from convention.services import invitations as invitation_services
from convention.services import roles as role_services
from convention.services.roles import live_invitation_count
from convention.services.signup import check_username_available, join_convention

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - documented, for the demo accounts only
UNUSED_CODES_PER_REGISTRAR = 3


@dataclass(frozen=True)
class DemoAccount:
    username: str
    pseudonym: str
    roles: tuple[str, ...] = ()
    quota: int = 0


ORGANIZER = DemoAccount("demo-organizer", "Mirwais", (Role.ORGANIZER,))
STAFF = [
    DemoAccount("demo-registrar-a", "Nazanin", (Role.REGISTRAR,), quota=30),
    DemoAccount("demo-registrar-b", "پلوشه", (Role.REGISTRAR,), quota=20),
    DemoAccount("demo-moderator-a", "Ahmad Zia", (Role.MODERATOR,)),
    DemoAccount("demo-moderator-b", "شکیلا", (Role.MODERATOR,)),
    DemoAccount("demo-observer", "Sahar", (Role.OBSERVER,)),
    DemoAccount("demo-trustee-a", "Arman", (Role.TRUSTEE,)),
    DemoAccount("demo-trustee-b", "ملالی", (Role.TRUSTEE,)),
    DemoAccount("demo-trustee-c", "Kawsar", (Role.TRUSTEE,)),
]
# Dari, Pashto and English pseudonyms. Usernames end in a letter that no other suffix looks like
# (no digits, no i, l or o: 0/o and 1/i/l share a skeleton, and look-alike usernames are refused).
SUFFIXES = "abcdefghjkmnpqrstuvwxyz"
PARTICIPANT_NAMES = [
    "ستاره", "باران", "Spogmai", "نسیم", "Laila", "پامیر", "Zarghuna", "شبنم", "Hamid",
    "آریانا", "Wajma", "ګلالۍ", "Wais", "نرګس", "Farid", "هیله", "Tamana", "بهار", "Yama",
    "ځلاند",
]  # fmt: skip
PARTICIPANTS = [
    DemoAccount(f"demo-participant-{SUFFIXES[i]}", name, (Role.PARTICIPANT,))
    for i, name in enumerate(PARTICIPANT_NAMES)
]

TITLES = {
    "title_en": "Demo convention",
    "title_fa_af": "مجمع آزمایشی",
    "title_ps": "آزمایښتي جرګه",
    "description_en": (
        "A convention with invented members, to try the platform. Nothing here is real.\n"
        "Log in with one of the demo accounts to see the pages of each role."
    ),
    "description_fa_af": (
        "مجمعی با اعضای ساختگی برای آزمودن این سکو. هیچ چیز در اینجا واقعی نیست.\n"
        "با یکی از حساب‌های آزمایشی وارد شوید تا صفحه‌های هر نقش را ببینید."
    ),
    "description_ps": (
        "یوه جرګه له جوړو شویو غړو سره، د دې پلاتفورم د ازمویلو لپاره. دلته هېڅ شی رښتیا نه دی.\n"
        "د یوه آزمایښتي حساب سره ننوځئ څو د هرې ونډې پاڼې وګورئ."
    ),
}


class Command(BaseCommand):
    help = "Create (or complete) the demo convention and print its demo accounts."
    _password_hash: str | None = None

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                convention, new_codes = self._seed()
                voting, credential_codes = self._seed_voting()
        except PermissionRefused as refusal:
            raise CommandError(
                f"The demo could not be completed: {refusal} If the demo convention was changed "
                "(two-factor authentication required, a later phase), start from a fresh database."
            ) from refusal
        self._report(convention, new_codes)
        self._report_voting(voting, credential_codes)

    # --- Steps -----------------------------------------------------------------------------

    def _seed(self) -> tuple[Convention, list[tuple[str, str]]]:
        organizer_user = self._account(ORGANIZER.username)
        organizer_user.user_permissions.add(
            Permission.objects.get(content_type__app_label="convention", codename="add_convention")
        )
        organizer_user = User.objects.get(pk=organizer_user.pk)  # fresh permission cache
        convention = Convention.objects.filter(slug=DEMO_SLUG).first()
        if convention is None:
            convention = convention_services.create_convention(
                creator=organizer_user,
                slug=DEMO_SLUG,
                pseudonym=ORGANIZER.pseudonym,
                require_staff_mfa=False,
                **TITLES,
            )
        organizer = self._membership(convention, ORGANIZER.username)
        if organizer is None:
            raise CommandError("The demo convention exists without its demo organizer.")

        # Staff join with codes the organizer issues as a temporary registrar.
        missing_staff = [a for a in STAFF if self._membership(convention, a.username) is None]
        if missing_staff:
            self._ensure_role(organizer, organizer, Role.REGISTRAR)
            self._ensure_quota(organizer, organizer, live_invitation_count(organizer) + len(STAFF))
            for account in missing_staff:
                self._join(convention, account, registrar=organizer)
            role_services.remove_role(
                actor=organizer, convention=convention, member=organizer, role=Role.REGISTRAR
            )
        staff = {a.username: self._membership(convention, a.username) for a in STAFF}
        for account in STAFF:
            for role in account.roles:
                self._ensure_role(organizer, staff[account.username], role)
            if account.quota:
                self._ensure_quota(organizer, staff[account.username], account.quota)

        registrars = [staff[a.username] for a in STAFF if Role.REGISTRAR in a.roles]
        for index, account in enumerate(PARTICIPANTS):
            if self._membership(convention, account.username) is None:
                self._join(convention, account, registrar=registrars[index % len(registrars)])

        new_codes: list[tuple[str, str]] = []
        if convention.phase in (Phase.REGISTRATION, Phase.DELIBERATION):
            for registrar in registrars:
                registrar = Membership.objects.get(pk=registrar.pk)
                if not registrar.issued.filter(status=InvitationStatus.ISSUED).exists():
                    issued = invitation_services.issue_invitations(
                        registrar=registrar, count=UNUSED_CODES_PER_REGISTRAR
                    )
                    new_codes += [(registrar.pseudonym, item.code) for item in issued]

        convention.refresh_from_db()
        if convention.phase == Phase.REGISTRATION:
            convention = convention_services.move_phase(
                actor=organizer, convention=convention, to_phase=Phase.DELIBERATION
            )
        self._draft_election(convention, organizer)
        from voting.demo import VOTERS, seed_rooms

        # Posts by the participants who are not also voters of the voting demo.
        writers = [self._membership(convention, a.username) for a in PARTICIPANTS[VOTERS:]]
        seed_rooms(convention, organizer, [w for w in writers if w is not None])
        return convention, new_codes

    def _seed_voting(self) -> tuple[Convention, list[str]]:
        """The demo-vote convention in its voting phase, with its three elections."""
        from voting.demo import VOTERS, VOTING_SLUG, VOTING_TITLES, save_codes, seed_elections

        organizer_user = User.objects.get(username=ORGANIZER.username)
        convention = Convention.objects.filter(slug=VOTING_SLUG).first()
        if convention is None:
            convention = convention_services.create_convention(
                creator=organizer_user,
                slug=VOTING_SLUG,
                pseudonym=ORGANIZER.pseudonym,
                require_staff_mfa=False,
                **VOTING_TITLES,
            )
        organizer = self._membership(convention, ORGANIZER.username)
        trustee_accounts = [a for a in STAFF if Role.TRUSTEE in a.roles]
        accounts = [*trustee_accounts, *PARTICIPANTS[:VOTERS]]
        missing = [a for a in accounts if self._membership(convention, a.username) is None]
        if missing and convention.phase in (Phase.REGISTRATION, Phase.DELIBERATION):
            self._ensure_role(organizer, organizer, Role.REGISTRAR)
            self._ensure_quota(
                organizer, organizer, live_invitation_count(organizer) + len(missing)
            )
            for account in missing:
                self._join(convention, account, registrar=organizer)
            role_services.remove_role(
                actor=organizer, convention=convention, member=organizer, role=Role.REGISTRAR
            )
        if convention.phase != Phase.CLOSED:
            for account in trustee_accounts:
                self._ensure_role(organizer, self._membership(convention, account.username),
                                  Role.TRUSTEE)  # fmt: skip
        for to_phase in (Phase.DELIBERATION, Phase.VOTING):
            convention.refresh_from_db()
            if convention.phase == Phase.REGISTRATION or (
                convention.phase == Phase.DELIBERATION and to_phase == Phase.VOTING
            ):
                convention = convention_services.move_phase(
                    actor=organizer, convention=convention, to_phase=to_phase
                )
        codes: list[str] = []
        if convention.phase == Phase.VOTING:
            trustees = [self._membership(convention, a.username) for a in trustee_accounts]
            voters = [self._membership(convention, a.username) for a in PARTICIPANTS[:VOTERS]]
            codes = seed_elections(convention, organizer, trustees, voters)
            if codes:
                save_codes(codes)
        return convention, codes

    def _draft_election(self, convention: Convention, organizer: Membership) -> None:
        """One draft election (once): an approval question over the proposals that reached
        their threshold, or over sample options if there are none; the demo trustees, 2 of 3."""
        from datetime import timedelta

        from django.utils import timezone

        from deliberation.services.proposals import proposals_ready_for_ballot
        from voting.services import drafting

        if convention.elections.exists() or convention.phase not in (
            Phase.DELIBERATION,
            Phase.VOTING,
        ):
            return
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
        election = drafting.create_draft(
            convention=convention,
            actor=organizer,
            title={"en": "Demo election: principles of the constitution"},
            credentials_at=start,
            opens_at=start + timedelta(days=1),
            closes_at=start + timedelta(days=2),
        )
        question = drafting.add_question(
            election=election,
            actor=organizer,
            kind="approval",
            text={"en": "Which of these should the constitution enshrine?"},
            min_selections=0,
            max_selections=2,
        )
        ready = proposals_ready_for_ballot(convention)[:5]
        for proposal in ready:
            drafting.add_proposal_option(
                question=question, actor=organizer, proposal_id=proposal.pk
            )
        if len(ready) < 2:
            for label in ("Rule of law", "Shura", "Federalism")[len(ready) :]:
                drafting.add_option(question=question, actor=organizer, text={"en": label})
        trustees = list(drafting.trustee_candidates(convention))
        if trustees:
            drafting.set_trustees(
                election=election,
                actor=organizer,
                trustees=trustees,
                threshold=min(2, len(trustees)),
            )

    def _account(self, username: str) -> User:
        """The demo account, created if missing. One password hash serves every demo account:
        hashing is deliberately slow, and these passwords are public anyway."""
        user = User.objects.filter(username=username).first()
        if user is None:
            if self._password_hash is None:
                self._password_hash = make_password(DEMO_PASSWORD)
            user = User(username=check_username_available(username), password=self._password_hash)
            user.full_clean(exclude=["username_skeleton", "password"])
            user.save()
        return user

    def _membership(self, convention: Convention, username: str) -> Membership | None:
        return (
            Membership.objects.filter(
                convention=convention, user__username=username, is_deleted=False
            )
            .prefetch_related("roles")
            .first()
        )

    def _join(self, convention: Convention, account: DemoAccount, *, registrar: Membership):
        registrar = Membership.objects.get(pk=registrar.pk)  # roles as they are now
        code = invitation_services.issue_invitations(registrar=registrar, count=1)[0].code
        user = self._account(account.username)
        join_convention(user=user, code=code, pseudonym=account.pseudonym)

    def _ensure_role(self, organizer: Membership, member: Membership, role: str) -> None:
        member = Membership.objects.get(pk=member.pk)
        if not member.has_role(role):
            role_services.appoint_role(
                actor=organizer, convention=member.convention, member=member, role=role
            )

    def _ensure_quota(self, organizer: Membership, registrar: Membership, quota: int) -> None:
        registrar = Membership.objects.get(pk=registrar.pk)
        quota = max(quota, live_invitation_count(registrar))
        if registrar.invitation_quota < quota:
            role_services.set_invitation_quota(
                actor=organizer, convention=registrar.convention, registrar=registrar, quota=quota
            )

    # --- Output ----------------------------------------------------------------------------

    def _report_voting(self, convention: Convention, codes: list[str]) -> None:
        from voting.demo import credentials_file

        out = self.stdout.write
        out("")
        out(f"Voting demo “{convention.title_en}” at /c/{convention.slug}/ ({convention.phase}):")
        for election in convention.elections.order_by("pk"):
            out(f"  {election.state:<12} {election.title_en}  /elections/{election.uuid}/")
        out("What to try (each with the password above):")
        out(
            "  demo-participant-c … -h: log in, open /c/demo-vote/, get a credential in the "
            "election whose credential window is open (each once; the credential stays in the "
            "browser). The demo trustees' issuer daemons, which make run starts (python manage.py "
            "run_demo_issuers), sign it within seconds."
        )
        out(
            "  demo-participant-a and -b hold credentials for the open election: import the "
            "code below on its ballot page (“Use a credential code from another device”) and vote."
        )
        out("  demo-trustee-a/-b/-c: the trustee pages; demo-observer: the board, results, record.")
        from voting.demo import issuers_dir

        if (issuers_dir() / "issuers.json").exists():
            out(
                f"  demo-trustee-c: open that election's trustee page with the key file "
                f"{issuers_dir() / 'demo-trustee-c.key'} and the passphrase in "
                f"{issuers_dir() / 'passphrase'}, to decrypt once the poll has closed (-a and -b, "
                "trustees 1..k, are the issuers and sign through their daemons)."
            )
        out("  demo-moderator-a: the rooms of /c/demo/ and their review queue.")
        path = credentials_file()
        if codes:
            out("")
            out(f"Credential codes for the open election (also saved in {path}):")
            for code in codes:
                out(code)
        elif path.exists():
            out(f"The demo voters' credential codes were saved in {path} on the first run.")

    def _report(self, convention: Convention, new_codes: list[tuple[str, str]]) -> None:
        out = self.stdout.write
        out(
            f"Demo convention “{convention.title_en}” at /c/{convention.slug}/ ({convention.phase})"
        )
        out("")
        rows = [("username", "password", "pseudonym", "roles")]
        for account in [ORGANIZER, *STAFF, *PARTICIPANTS]:
            member = self._membership(convention, account.username)
            roles = ", ".join(sorted(member.role_set())) if member else "(not a member)"
            pseudonym = member.pseudonym if member else "-"
            rows.append((account.username, DEMO_PASSWORD, pseudonym, roles))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            out("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        out("")
        out(
            f"Every demo account's password is {DEMO_PASSWORD!r}. It is for this demo only: "
            "never load the demo on a server that real people use."
        )
        mfa = "requires" if convention.require_staff_mfa else "does NOT require"
        out(
            f"The demo convention {mfa} two-factor authentication of its staff "
            f"(require_staff_mfa={convention.require_staff_mfa}), so the organizer, registrar, "
            "moderator and trustee pages open without it. Real conventions should keep it on."
        )
        out(f"{ORGANIZER.username} may also create new conventions at /c/new/.")
        if new_codes:
            out("")
            out("Unused invitation codes issued now (shown once, try signing up with one):")
            for registrar, code in new_codes:
                out(f"  {code}  (registrar {registrar})")
        else:
            out(
                "Unused invitation codes were issued on an earlier run; they are never shown twice."
            )
