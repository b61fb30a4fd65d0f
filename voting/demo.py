"""The voting half of the demo (``seed_demo``): rooms with posts in the demo convention, and a
second convention, in its voting phase, with an election in each state worth trying.

Kept apart from seed_demo.py, which builds the convention and its members. Elections go through
the same services as the pages, with real cryptography (``voting.simulation``: trustees' keys,
ballots, decryption), so the published election's record verifies with ``python -m
voting.verify``. Everything is created once: a second run finds it and adds nothing.
"""

from __future__ import annotations

import json
import os
import random
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from convention.models import Convention, Membership
from deliberation.models import Room
from deliberation.services.posts import create_post
from deliberation.services.structure import create_room

VOTING_SLUG = "demo-vote"
VOTING_TITLES = {
    "title_en": "Demo convention: voting day",
    "title_fa_af": "مجمع آزمایشی: روز رأی‌دهی",
    "title_ps": "آزمایښتي جرګه: د رای ورکولو ورځ",
    "description_en": (
        "The demo convention's members, in the voting phase: one election whose credential "
        "window is open, one open for voting, one with published results. Nothing here is real."
    ),
    "description_fa_af": (
        "اعضای مجمع آزمایشی در مرحلهٔ رأی‌دهی: یک انتخابات با دورهٔ باز دریافت اعتبارنامه، "
        "یکی باز برای رأی‌دهی و یکی با نتایج نشرشده. هیچ چیز در اینجا واقعی نیست."
    ),
    "description_ps": (
        "د آزمایښتي جرګې غړي د رای ورکولو په پړاو کې: یوې ټاکنې ته د اعتبارنامو کړکۍ پرانیستې "
        "ده، بله د رای ورکولو لپاره پرانیستې ده، او د درېیمې پایلې خپرې شوې دي. دلته هېڅ شی "
        "رښتیا نه دی."
    ),
}
# Voters of the demo-vote convention: the first VOTERS demo participants.
VOTERS = 8
# Holders of a credential for the open election, printed for import on the ballot page.
HOLDERS = 2

ROOMS = [
    {
        "title_en": "General discussion",
        "title_fa_af": "گفتگوی عمومی",
        "title_ps": "عمومي بحث",
        "posts": [
            ("en", "Welcome! Please keep to the topic and be kind to each other."),
            ("fa-af", "سلام به همه. به نظر من قانون اساسی باید از حقوق همه حمایت کند."),
            ("ps", "سلام ورورونو او خویندو. زه فکر کوم چې شورا باید د ټولو غږ واوري."),
            ("en", "I agree. Should the charter mention the provinces by name?"),
        ],
    },
    {
        "title_en": "Draft charter",
        "title_fa_af": "پیش‌نویس منشور",
        "title_ps": "د منشور مسوده",
        "posts": [
            ("fa-af", "مادهٔ نخست پیش‌نویس روشن است، اما مادهٔ سوم به توضیح بیشتر نیاز دارد."),
            ("ps", "د درېیمې مادې متن باید په پښتو او دري دواړو ژبو کې یو شان وي."),
            ("en", "Here is a summary of the changes proposed so far: **rule of law**, *shura*."),
        ],
    },
]


def _text(en: str, fa: str, ps: str) -> dict[str, str]:
    return {"en": en, "fa-af": fa, "ps": ps}


QUESTIONS = [
    {
        "type": "single",
        "title": _text(
            "Should the convention adopt the draft charter?",
            "آیا مجمع پیش‌نویس منشور را بپذیرد؟",
            "ایا جرګه دې د منشور مسوده ومني؟",
        ),
        "blank": True,
        "options": [
            {"label": _text("Yes", "بلی", "هو"), "proposal": None},
            {"label": _text("No", "نخیر", "نه"), "proposal": None},
        ],
    },
    {
        "type": "approval",
        "title": _text(
            "Which principles should the constitution enshrine?",
            "قانون اساسی کدام اصول را تضمین کند؟",
            "اساسي قانون دې کوم اصول تضمین کړي؟",
        ),
        "min": 0,
        "max": 3,
        "options": [
            {"label": _text(*names), "proposal": None}
            for names in (
                ("Rule of law", "حاکمیت قانون", "د قانون حاکمیت"),
                ("Equal rights", "حقوق برابر", "برابر حقونه"),
                ("Free elections", "انتخابات آزاد", "آزادې ټاکنې"),
                ("Shura", "شورا", "شورا"),
            )
        ],
    },
]

ELECTIONS = {
    "credentials": _text(
        "Demo: choose the convention's spokespeople (get your credential now)",
        "آزمایشی: انتخاب سخنگویان مجمع (اعتبارنامهٔ خود را اکنون بگیرید)",
        "آزمایښتي: د جرګې ویاندو ټاکل (خپله اعتبارنامه اوس ترلاسه کړئ)",
    ),
    "open": _text(
        "Demo: the draft charter (voting is open)",
        "آزمایشی: پیش‌نویس منشور (رأی‌دهی باز است)",
        "آزمایښتي: د منشور مسوده (رای ورکول پرانیستي دي)",
    ),
    "published": _text(
        "Demo: principles of the constitution (results published)",
        "آزمایشی: اصول قانون اساسی (نتایج نشر شده)",
        "آزمایښتي: د اساسي قانون اصول (پایلې خپرې شوې)",
    ),
}


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def issuers_dir() -> Path:
    """The demo trustees' key files for the election in its credential window, their passphrase
    and ``issuers.json`` (what ``run_demo_issuers`` starts). Never in the repository."""
    return Path(settings.VAR_DIR) / "demo-issuers"


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)  # an older file keeps its mode through O_TRUNC


def save_issuer_keys(election, clients) -> Path:
    """Seal each demo trustee's secrets (with an issuer's issuer key; trustees beyond ``k`` have
    none) into a key file (mode 0600) under ``issuers_dir()``, as the trustee page or ``python -m
    voting.trustee generate`` would, so that ``run_demo_issuers`` can run ``python -m
    voting.issuer`` for the first ``threshold``."""
    from voting.trustee import keyfile

    directory = issuers_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    passphrase = secrets.token_urlsafe(18)
    _write_private(directory / "passphrase", passphrase + "\n")
    rows = {row.index: row for row in election.trustees.select_related("membership__user")}
    issuers = []
    for client in clients:
        username = rows[client.index].membership.user.username
        key = keyfile.TrusteeKey(
            election.uuid.hex,
            bytes.fromhex(election.ceremony_context),
            election.threshold,
            client.secrets,
            client.issuer_key,
        )
        name = f"{username}.key"
        _write_private(directory / name, keyfile.dumps_keyfile(keyfile.seal(key, passphrase)))
        issuers.append({"index": client.index, "user": username, "key_file": name})
    plan = {
        "election": str(election.uuid),
        "threshold": election.threshold,
        "passphrase_file": "passphrase",
        "issuers": issuers,
    }
    _write_private(directory / "issuers.json", json.dumps(plan, indent=1) + "\n")
    return directory


def seed_rooms(convention: Convention, organizer: Membership, writers: list[Membership]) -> int:
    """Two rooms with a few posts in English, Dari and Pashto (once). Returns posts written."""
    if Room.objects.filter(convention=convention).exists():
        return 0
    written = 0
    for spec, offset in zip(ROOMS, (0, 4), strict=True):
        room = create_room(
            organizer=organizer,
            title_en=spec["title_en"],
            title_fa_af=spec["title_fa_af"],
            title_ps=spec["title_ps"],
        )
        for index, (language, body) in enumerate(spec["posts"]):
            create_post(
                member=writers[(offset + index) % len(writers)], room=room, body=body,
                language=language,
            )  # fmt: skip
            written += 1
    return written


def seed_elections(
    convention: Convention, organizer: Membership, trustees: list[Membership],
    voters: list[Membership],
) -> list[str]:  # fmt: skip
    """An election in its credential window, one open (``HOLDERS`` voters hold credentials,
    others have voted), one published with real results. Returns credential codes to print."""
    from voting.clients import Voter
    from voting.services import lifecycle
    from voting.simulation import (
        Simulation,
        _post,
        board_head,
        finish,
        issue_credentials,
        issuer_clients,
        publish_ledgers,
        random_choices,
        run_ceremony,
    )

    if convention.elections.exists():
        return []
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    rng = random.Random(2026)  # noqa: S311 - demo choices, not secrets

    def create(key: str, credentials_at, opens_at, closes_at):
        election = lifecycle.create_election(
            convention=convention,
            actor=organizer,
            title=ELECTIONS[key],
            questions=QUESTIONS,
            credentials_at=credentials_at,
            opens_at=opens_at,
            closes_at=closes_at,
            trustees=trustees,
            threshold=2,
        )
        election, clients = run_ceremony(election, organizer)
        election = lifecycle.transition(election, "credentials", actor=organizer)
        return election, clients

    def issue(election, clients) -> list[Voter]:
        """Every voter's credential, signed by the first ``threshold`` trustees as issuers."""
        holders = [Voter(election.manifest, election.fingerprint_bytes) for _ in voters]
        issue_credentials(
            election, list(zip(voters, holders, strict=True)), issuer_clients(election, clients)
        )
        return holders

    def open_poll(election, clients):
        """Open the poll; the issuers then publish their ledgers (§3)."""
        election = lifecycle.transition(election, "open", actor=organizer)
        publish_ledgers(election, issuer_clients(election, clients))
        return election

    # Published: everyone votes, two trustees of three decrypt.
    # Opened and closed now, within this hour: the schedule says the poll ran from an hour ago
    # to the top of this hour, so the record's poll hours (this hour twice) lie within it.
    election, clients = create(
        "published", hour - timedelta(hours=1), hour - timedelta(hours=1), hour
    )
    sim = Simulation(election, organizer, trustees=clients)
    sim.voters = issue(election, clients)
    sim.election = open_poll(election, clients)
    for voter in sim.voters:
        ballot, _ = voter.ballot(
            random_choices(sim.election.manifest, rng), board_head(sim.election)
        )
        _post(sim, ballot)
    finish(sim)

    # Open: the first HOLDERS voters hold credentials (printed), the rest already voted.
    election, clients = create(
        "open", hour - timedelta(days=1), hour - timedelta(hours=1), hour + timedelta(days=7)
    )
    holders = issue(election, clients)
    sim = Simulation(open_poll(election, clients), organizer)
    for voter in holders[HOLDERS:]:
        ballot, _ = voter.ballot(
            random_choices(sim.election.manifest, rng), board_head(sim.election)
        )
        _post(sim, ballot)
    codes = [
        f"{voters[i].user.username} ({voters[i].pseudonym}), election {election.uuid}:\n"
        f"{holders[i].credential_code()}"
        for i in range(HOLDERS)
    ]

    # In its credential window until voting opens in a week: get a credential in the browser,
    # signed by the demo trustees' issuer daemons (``run_demo_issuers``, started by make run).
    election, clients = create("credentials", hour - timedelta(hours=1), hour + timedelta(days=7),
                               hour + timedelta(days=8))  # fmt: skip
    save_issuer_keys(election, clients)
    return codes


def save_codes(codes: list[str]) -> Path:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(codes) + "\n")
    return path
