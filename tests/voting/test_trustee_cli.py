"""``python -m voting.trustee``: key file, ceremony steps, and a whole ceremony and decryption
through the CLI against the live server's HTTP endpoints."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client

from tests.voting.conftest import cached_issuer_key
from voting.crypto.errors import CryptoError
from voting.crypto.group import Scalar
from voting.crypto.serialization import to_json
from voting.crypto.threshold import EncryptedShare, TrusteeAnnouncement, create_trustee
from voting.models import ElectionState
from voting.trustee import keyfile, steps
from voting.trustee.__main__ import main
from voting.trustee.keyfile import KeyFileError, TrusteeKey

PASSPHRASE = "correct horse battery staple"
CONTEXT = bytes(range(32))
FAST = 100_000  # the lowest iteration count a key file may ask for: keeps these tests quick


def a_key(index: int = 1, threshold: int = 2, *, issuer_key: bool | None = None) -> TrusteeKey:
    """Trustee ``index``'s key: with an issuer key for an issuer (1..k) and none beyond k, unless
    ``issuer_key`` says otherwise (a file written when every trustee made one)."""
    if issuer_key is None:
        issuer_key = index <= threshold
    return TrusteeKey(
        "ab" * 16,
        CONTEXT,
        threshold,
        steps.new_secrets(index, threshold),
        cached_issuer_key(index) if issuer_key else None,
    )


def issuers_from_key_files(world, files: list) -> None:
    """The world's trustee clients become the issuers whose keys the CLI made (the key files),
    so that ``world.obtain_credentials`` has them sign."""
    from voting.clients import TrusteeClient

    cc = bytes.fromhex(world.election.ceremony_context)
    world.trustee_clients = []
    for path in files:
        key = keyfile.open_keyfile(keyfile.loads_keyfile(path.read_bytes()), PASSPHRASE)
        world.trustee_clients.append(
            TrusteeClient(key.index, key.threshold, cc, issuer_key=key.issuer_key)
        )


# -- key file ------------------------------------------------------------------------------------


def test_key_file_opens_with_its_passphrase_and_gives_back_the_secrets():
    key = a_key()
    sealed = keyfile.seal(key, PASSPHRASE, iterations=FAST)
    opened = keyfile.open_keyfile(keyfile.loads_keyfile(keyfile.dumps_keyfile(sealed)), PASSPHRASE)
    assert opened == key
    assert (
        sealed["kdf"]["name"] == "PBKDF2-HMAC-SHA256" and sealed["cipher"]["name"] == "AES-256-GCM"
    )
    assert key.secrets.coefficients[0].hex() not in json.dumps(sealed)


def test_a_key_file_beyond_k_holds_no_issuer_key_and_an_issuers_must():
    """Trustees k+1..n are no issuers (protocol §7): their key file has no issuer key and opens;
    an issuer's file without one is refused, and an older file beyond k with one still opens."""
    beyond = a_key(index=3, threshold=2)
    assert beyond.issuer_key is None
    sealed = keyfile.seal(beyond, PASSPHRASE, iterations=FAST)
    assert keyfile.open_keyfile(sealed, PASSPHRASE) == beyond
    older = a_key(index=3, threshold=2, issuer_key=True)
    sealed = keyfile.seal(older, PASSPHRASE, iterations=FAST)
    assert keyfile.open_keyfile(sealed, PASSPHRASE).issuer_key == cached_issuer_key(3)
    with pytest.raises(KeyFileError, match="issuer key is missing"):
        keyfile.seal(a_key(index=2, threshold=2, issuer_key=False), PASSPHRASE, iterations=FAST)
    # An issuer's file written without the key (by hand: seal refuses) does not open either.
    issuer = a_key(index=2, threshold=2)
    forged = keyfile.seal(a_key(index=3, threshold=2), PASSPHRASE, iterations=FAST)
    header = {k: v for k, v in forged.items() if k != "ciphertext"}
    header.update(trustee=2)
    content = to_json(issuer.secrets)
    forged = _sealed_by_hand(header, content)
    with pytest.raises(KeyFileError, match="issuer key is missing"):
        keyfile.open_keyfile(forged, PASSPHRASE)


def _sealed_by_hand(header: dict, content: dict) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from voting.crypto.serialization import canonical_json

    salt = bytes.fromhex(header["kdf"]["salt"])
    aes = AESGCM(keyfile._derive(PASSPHRASE, salt, header["kdf"]["iterations"]))
    nonce = bytes.fromhex(header["cipher"]["nonce"])
    ciphertext = aes.encrypt(nonce, canonical_json(content), canonical_json(header))
    return {**header, "ciphertext": ciphertext.hex()}


def test_key_file_refuses_a_wrong_passphrase():
    sealed = keyfile.seal(a_key(), PASSPHRASE, iterations=FAST)
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        keyfile.open_keyfile(sealed, PASSPHRASE + "!")


def test_key_file_relabelled_for_another_trustee_does_not_open():
    sealed = keyfile.seal(a_key(index=1), PASSPHRASE, iterations=FAST)
    sealed["trustee"] = 2
    with pytest.raises(KeyFileError, match="altered"):
        keyfile.open_keyfile(sealed, PASSPHRASE)


def test_key_file_refuses_a_short_passphrase_and_absurd_work_factors():
    with pytest.raises(KeyFileError, match="at least"):
        keyfile.seal(a_key(), "short")
    sealed = keyfile.seal(a_key(), PASSPHRASE, iterations=FAST)
    sealed["kdf"]["iterations"] = 10**9
    with pytest.raises(KeyFileError, match="iterations"):
        keyfile.open_keyfile(sealed, PASSPHRASE)


# -- ceremony steps on JSON ----------------------------------------------------------------------


def _without_issuer_key(announcement: dict) -> dict:
    return {k: v for k, v in announcement.items() if k != "issuer_key"}


def _status(keys: list[TrusteeKey], me: int, shares: list[dict], complaints=(), answers=()):
    return {
        "ceremony_context": CONTEXT.hex(),
        "threshold": keys[0].threshold,
        "my_index": me,
        "complete": False,
        "trustees": [
            {
                "index": k.index,
                "name": f"t{k.index}",
                "commitments": _without_issuer_key(steps.announcement(k)),
                "issuer_key": steps.announcement(k).get("issuer_key"),
                "shares_sent": True,
                "verified": False,
                "disqualified": False,
            }
            for k in keys
        ],
        "shares_for_me": [s for s in shares if s["recipient"] == me],
        "complaints": list(complaints),
        "answers": list(answers),
    }


def test_only_an_issuer_announces_an_issuer_key():
    """Trustee 3 of 2-of-3 announces commitments alone, even from an older key file that holds
    an issuer key; trustees 1 and 2 announce theirs."""
    assert "issuer_key" in steps.announcement(a_key(index=2, threshold=2))
    assert "issuer_key" not in steps.announcement(a_key(index=3, threshold=2))
    assert "issuer_key" not in steps.announcement(a_key(index=3, threshold=2, issuer_key=True))
    assert steps.new_issuer_key(3, 2) is None


def test_announcement_from_the_key_file_verifies_and_is_stable():
    key = a_key(index=2, threshold=3)
    first, second = steps.announcement(key), steps.announcement(key)
    assert first["commitments"] == second["commitments"]
    from voting.crypto.serialization import from_json
    from voting.crypto.threshold import verify_announcement

    verify_announcement(CONTEXT, from_json(TrusteeAnnouncement, _without_issuer_key(first)), 3)
    from voting.verify.issuers import check_issuer_key

    assert check_issuer_key(CONTEXT, 2, first["issuer_key"]) == key.issuer_key.public.to_pem()
    with pytest.raises(CryptoError):  # the proof of possession is bound to the index
        check_issuer_key(CONTEXT, 3, first["issuer_key"])


def test_a_bad_share_draws_a_complaint_and_the_answer_settles_it():
    keys = [a_key(i, 2) for i in (1, 2, 3)]
    bootstrap = _status(keys, 1, [])
    shares = [
        s
        for k in keys
        for s in steps.shares_message(k, {**bootstrap, "my_index": k.index})["shares"]
    ]
    # Trustee 1's share for trustee 3 is corrupted in transit.
    for share in shares:
        if share["sender"] == 1 and share["recipient"] == 3:
            share["ct"] = ("00" if share["ct"][:2] != "00" else "01") + share["ct"][2:]
    assert steps.verification_message(keys[1], _status(keys, 2, shares)) == {"complaints": []}
    complaint = {"sender": 1, "recipient": 3}
    assert steps.verification_message(keys[2], _status(keys, 3, shares)) == {
        "complaints": [complaint]
    }
    with pytest.raises(steps.TrusteeRefusal, match="still fail"):
        steps.secret_share(keys[2], _status(keys, 3, shares))
    answer = steps.answers_message(keys[0], _status(keys, 1, shares, [complaint]))["answers"]
    assert answer == [{"sender": 1, "recipient": 3, "share": keys[0].secrets.evaluate(3).hex()}]
    settled = _status(keys, 3, shares, [complaint], answer)
    share = steps.secret_share(keys[2], settled)
    expected = sum(k.secrets.evaluate(3).value for k in keys) % (
        2**252 + 27742317777372353535851937790883648493
    )
    assert share == Scalar(expected)


def test_a_key_file_of_another_trustee_or_ceremony_is_refused():
    keys = [a_key(i, 2) for i in (1, 2)]
    status = _status(keys, 2, [])
    with pytest.raises(steps.TrusteeRefusal, match="signed in as trustee 2"):
        steps.check_status(keys[0], status)
    with pytest.raises(steps.TrusteeRefusal, match="another ceremony"):
        steps.check_status(keys[1], {**status, "ceremony_context": "00" * 32})
    impostor = a_key(2, 2)
    with pytest.raises(steps.TrusteeRefusal, match="not this key file"):
        steps.check_status(impostor, status)


def test_shares_are_encrypted_for_each_other_trustee_and_open_for_them():
    ctx = CONTEXT
    secrets_, announcement = create_trustee(ctx, 2, 2)
    assert to_json(announcement)["trustee"] == 2
    keys = [a_key(i, 2) for i in (1, 2, 3)]
    message = steps.shares_message(keys[0], _status(keys, 1, []))
    assert sorted(s["recipient"] for s in message["shares"]) == [2, 3]
    from voting.crypto.serialization import from_json

    assert all(isinstance(from_json(EncryptedShare, s), EncryptedShare) for s in message["shares"])


def _manifest(keys: list[TrusteeKey]) -> dict:
    """The part of a manifest ``check_announced_issuer_keys`` reads: trustees 1..k issue."""
    from voting.verify.issuers import issuers_json

    k = keys[0].threshold
    pems = [(key.index, key.issuer_key.public.to_pem()) for key in keys if key.index <= k]
    return {
        "trustees": {"threshold": k, "names": [f"t{key.index}" for key in keys]},
        "issuers": issuers_json(k, pems),
    }


def test_the_announced_issuer_keys_are_required_of_the_issuers_alone():
    """Trustees 1..k are the issuers (protocol §7): each must have announced the manifest's key,
    and a trustee beyond k announces none (``null``), which the check accepts."""
    keys = [a_key(i, 2) for i in (1, 2, 3)]
    status = _status(keys, 1, [])
    status["trustees"][2]["issuer_key"] = None
    steps.check_announced_issuer_keys(status, _manifest(keys))
    # A key a trustee beyond k announced anyway (before the server refused them) is checked.
    status["trustees"][2]["issuer_key"] = steps.issuer_key_announcement(
        cached_issuer_key(3), CONTEXT, 2
    )
    with pytest.raises(steps.TrusteeRefusal, match="trustee 3's issuer key"):
        steps.check_announced_issuer_keys(status, _manifest(keys))
    status["trustees"][2]["issuer_key"] = None
    status["trustees"][1]["issuer_key"] = None
    with pytest.raises(steps.TrusteeRefusal, match="trustee 2 is an issuer"):
        steps.check_announced_issuer_keys(status, _manifest(keys))


# -- the whole thing over HTTP ---------------------------------------------------------------------


def _session(membership) -> str:
    client = Client()
    client.force_login(membership.user)
    return client.cookies["sessionid"].value


def _run(live_server, election, session, *args, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setenv("MASHWARA_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keyfile, "ITERATIONS", FAST)
    code = main(
        ["--server", live_server.url, "--election", str(election.uuid), "--session", session, *args]
    )
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.django_db(transaction=True)
def test_trustees_run_the_ceremony_and_decrypt_with_the_cli(
    live_server, tmp_path, monkeypatch, capsys
):
    from tests.voting.world import World

    world = World(voters=3, trustees=3, threshold=2)
    world.move(ElectionState.KEY_CEREMONY)
    election = world.election
    sessions = {m.pk: _session(m) for m in world.trustee_members}
    files = {}
    for member in world.trustee_members:
        files[member.pk] = tmp_path / f"{member.pk}.key"
        code, out = _run(
            live_server, election, sessions[member.pk], "generate", "--key-file",
            str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
        )  # fmt: skip
        assert code == 0, out
        if member == world.trustee_members[2]:  # trustee 3 of 2-of-3 is no issuer
            assert "commitments of trustee 3 published (no issuer key" in out
        else:
            assert "commitments and issuer key of trustee" in out
    assert world.trustee(3).issuer_key == ""
    outs = {}  # what each said last: trustee 3 completes the ceremony
    for _ in range(2):
        for member in world.trustee_members:
            code, outs[member.pk] = _run(
                live_server, election, sessions[member.pk], "ceremony", "--key-file",
                str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
            )  # fmt: skip
            assert code == 0, outs[member.pk]
    election = world.refresh()
    assert election.fingerprint, "the ceremony did not complete"
    member = world.trustee_members[0]
    code, first = _run(
        live_server, election, sessions[member.pk], "ceremony", "--key-file",
        str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
    )  # fmt: skip
    assert code == 0, first
    third = outs[world.trustee_members[2].pk]
    assert "ceremony complete" in third and "it holds your issuer key as issuer 1" in first
    assert "you are no issuer" in third
    manifest_keys = [k["pem"] for k in election.manifest["issuers"]["keys"]]
    issuers_from_key_files(world, [files[m.pk] for m in world.trustee_members])
    # The issuers are trustees 1..k: their announced keys, in order, and no other.
    threshold = election.threshold
    clients = world.trustee_clients[:threshold]
    assert [c.issuer_key.public.to_pem() for c in clients] == manifest_keys

    world.open_poll()
    for voter, choice in zip(
        world.voters,
        [[[0], [0, 1], [0, 1, 2]], [[1], [2], [2, 1, 0]], [[0], [1], [1, 0, 2]]],
        strict=True,
    ):
        ballot, _ = voter.ballot(choice, world.head())
        assert world.cast(ballot).status_code == 201
    world.move(ElectionState.CLOSED)
    assert world.refresh().encrypted_tally is not None

    first, second = world.trustee_members[0], world.trustee_members[2]
    for member in (first, second):
        code, out = _run(
            live_server, election, sessions[member.pk], "decrypt", "--key-file",
            str(files[member.pk]), monkeypatch=monkeypatch, capsys=capsys,
        )  # fmt: skip
        assert code == 0, out
        assert "matches the board" in out
    election = world.refresh()
    assert election.state == ElectionState.TALLIED
    assert election.results["questions"][0] == {"type": "single", "counts": [2, 1], "blank": 0}
    assert election.results["questions"][1]["counts"] == [1, 2, 1, 0, 0]


@pytest.mark.django_db(transaction=True)
def test_the_cli_refuses_to_decrypt_a_tally_that_is_not_the_board(
    live_server, tmp_path, monkeypatch, capsys
):
    from tests.voting.world import World

    world = World(voters=2, trustees=1, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    member = world.trustee_members[0]
    session = _session(member)
    path = str(tmp_path / "t.key")
    assert _run(live_server, world.election, session, "generate", "--key-file", path,
                monkeypatch=monkeypatch, capsys=capsys)[0] == 0  # fmt: skip
    assert _run(live_server, world.election, session, "ceremony", "--key-file", path,
                monkeypatch=monkeypatch, capsys=capsys)[0] == 0  # fmt: skip
    world.refresh()
    issuers_from_key_files(world, [tmp_path / "t.key"])
    world.open_poll()
    ballots = [voter.ballot([[0], [1], [0, 1, 2]], world.head())[0] for voter in world.voters]
    for ballot in ballots:
        assert world.cast(ballot).status_code == 201
    world.move(ElectionState.CLOSED)
    election = world.refresh()
    # A dishonest server swaps in the first voter's own ciphertexts as "the tally".
    victim = ballots[0]["answers"]
    pairs = [ct for pair in victim[2]["pairs"] for ct in pair["ciphertexts"]]
    election.encrypted_tally = {
        "counted": 2,
        "questions": [victim[0]["ciphertexts"], victim[1]["ciphertexts"], pairs],
    }
    election.save(update_fields=["encrypted_tally"])
    code, out = _run(live_server, election, session, "decrypt", "--key-file", path,
                     monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1
    assert "not the sum of the counted ballots" in out
    assert not election.decryptions.exists()


def test_the_cli_runs_as_a_module_without_django():
    script = (
        "import sys, runpy\n"
        "sys.argv = ['voting.trustee', '--help']\n"
        "try:\n    runpy.run_module('voting.trustee', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "generate" in result.stdout


def test_a_key_file_written_by_the_cli_opens_in_the_browser_code(tmp_path):
    """An issuer's file, with its issuer key, and the file of trustee 3 of 2-of-3, without one
    (no issuer); the other direction (browser → Python) is in
    tests/browser/test_voting_trustee.py."""
    import shutil
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    root = Path(__file__).resolve().parents[2]
    keyfile_js = json.dumps((root / "frontend/src/voting/keyfile.js").as_uri())
    serialization_js = json.dumps((root / "frontend/crypto/serialization.js").as_uri())
    for key in (a_key(index=2, threshold=2), a_key(index=3, threshold=2)):
        path = tmp_path / f"{key.index}.key"
        path.write_text(keyfile.dumps_keyfile(keyfile.seal(key, PASSPHRASE, iterations=FAST)))
        script = (
            f"import {{ openKeyFile, parseKeyFile }} from {keyfile_js};\n"
            f"import {{ toJson }} from {serialization_js};\n"
            "import { readFileSync } from 'node:fs';\n"
            f"const text = readFileSync({json.dumps(str(path))}, 'utf8');\n"
            f"const key = await openKeyFile(parseKeyFile(text), {json.dumps(PASSPHRASE)});\n"
            "console.log(JSON.stringify({ election: key.election, threshold: key.threshold,"
            " secrets: toJson('trusteeSecrets', key.secrets),"
            " issuer_key: key.issuerKey && Buffer.from(key.issuerKey).toString('hex') }));\n"
        )
        result = subprocess.run(
            [node, "--input-type=module", "-e", script],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        opened = json.loads(result.stdout)
        assert opened == {
            "election": key.election,
            "threshold": 2,
            "secrets": to_json(key.secrets),
            "issuer_key": key.issuer_key.to_der().hex() if key.issuer_key else None,
        }


@pytest.mark.django_db(transaction=True)
def test_the_cli_signs_in_with_name_and_password(live_server, monkeypatch, capsys):
    from tests.voting.world import World

    world = World(voters=1, trustees=2, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    user = world.trustee_members[1].user
    user.set_password("a long trustee password")
    user.save()
    monkeypatch.setenv("MASHWARA_PASSWORD", "a long trustee password")
    argv = ["--server", live_server.url, "--election", world.election.uuid.hex]
    assert main([*argv, "--user", user.username, "status"]) == 0
    out = capsys.readouterr().out
    assert "trustee 2 Trustee 2 (you)" in out and "ceremony in progress" in out
    monkeypatch.setenv("MASHWARA_PASSWORD", "not the password")
    assert main([*argv, "--user", user.username, "status"]) == 1
    assert "did not sign you in" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_the_cli_refuses_a_board_with_an_unproven_ballot_that_could_isolate_a_voter(
    live_server, tmp_path, monkeypatch, capsys
):
    """A dishonest server appends a ballot whose ciphertexts cancel every other ballot but the
    victim's out of the sum (impossible to prove 0/1): the tally is then one voter's ballot."""
    from django.db import transaction

    from tests.voting.world import World
    from voting.clients import tracker
    from voting.crypto.group import IDENTITY_BYTES, point_sub
    from voting.crypto.proofs import sign_credential
    from voting.services import board
    from voting.verify.canonical import dumps

    world = World(voters=3, trustees=1, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    session = _session(world.trustee_members[0])
    path = str(tmp_path / "t.key")
    for step in ("generate", "ceremony"):
        assert _run(live_server, world.election, session, step, "--key-file", path,
                    monkeypatch=monkeypatch, capsys=capsys)[0] == 0  # fmt: skip
    world.refresh()
    issuers_from_key_files(world, [tmp_path / "t.key"])
    world.open_poll()
    victim, other, accomplice = world.voters
    ballots = [v.ballot([[0], [1], [0, 1, 2]], world.head())[0] for v in (victim, other)]
    for ballot in ballots:
        assert world.cast(ballot).status_code == 201
    # The accomplice's "ballot": its ciphertexts are minus the other voter's, so that the sum
    # of all counted ballots equals the victim's ballot alone.
    forged, _ = accomplice.ballot([[0], [1], [0, 1, 2]], world.head())
    forged.pop("signature")

    def negate(ct):
        return {
            "a": point_sub(IDENTITY_BYTES, bytes.fromhex(ct["a"])).hex(),
            "b": point_sub(IDENTITY_BYTES, bytes.fromhex(ct["b"])).hex(),
        }

    for q, answer in enumerate(ballots[1]["answers"]):
        parts = answer["pairs"] if q == 2 else [answer]
        mine = forged["answers"][q]["pairs"] if q == 2 else [forged["answers"][q]]
        for theirs, part in zip(parts, mine, strict=True):
            part["ciphertexts"] = [negate(ct) for ct in theirs["ciphertexts"]]
    signature = sign_credential(world.election.fingerprint_bytes, accomplice.secret, dumps(forged))
    forged["signature"] = to_json(signature)
    rows = []
    for q, answer in enumerate(forged["answers"]):
        for part in answer["pairs"] if q == 2 else [answer]:
            rows += [bytes.fromhex(ct["a"]) + bytes.fromhex(ct["b"]) for ct in part["ciphertexts"]]
    with transaction.atomic():
        board.append(
            world.election,
            kind="ballot",
            tracker=bytes.fromhex(tracker(forged)),
            credential_key=forged["credential"]["key"],
            ballot=dumps(forged),
            reveal=b"",
            ciphertexts=b"".join(rows),
            board_count=forged["board"]["count"],
        )
    world.move(ElectionState.CLOSED)
    tally = world.refresh().encrypted_tally
    victim_a = ballots[0]["answers"][0]["ciphertexts"][0]["a"]
    assert tally["questions"][0][0]["a"] == victim_a  # the "tally" is the victim's ballot
    code, out = _run(live_server, world.election, session, "decrypt", "--key-file", path,
                     monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1
    assert "counted ballot 3 does not verify" in out
    assert not world.election.decryptions.exists()


def _trustee_with_password(world, index: int = 1):
    user = world.trustee_members[index].user
    user.set_password("a long trustee password")
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_the_cli_signed_in_with_user_can_post_a_ceremony_step(
    live_server, tmp_path, monkeypatch, capsys
):
    """Signing in rotates the CSRF cookie; the CLI used to send the old token and every POST
    after ``--user`` came back as a bare "HTTP 403"."""
    from tests.voting.world import World

    world = World(voters=1, trustees=2, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    user = _trustee_with_password(world)
    monkeypatch.setenv("MASHWARA_PASSWORD", "a long trustee password")
    monkeypatch.setenv("MASHWARA_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keyfile, "ITERATIONS", FAST)
    argv = ["--server", live_server.url, "--election", str(world.election.uuid)]
    code = main([*argv, "--user", user.username, "generate", "--key-file", str(tmp_path / "k")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "commitments of trustee 2 published (no issuer key" in out.out  # 2 > k = 1


@pytest.mark.django_db(transaction=True)
def test_the_cli_signs_in_with_an_authenticator_code_and_explains_a_wrong_one(
    live_server, tmp_path, monkeypatch, capsys
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.convention.account_factories import totp_code
    from tests.voting.world import World

    world = World(voters=1, trustees=2, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    user = _trustee_with_password(world)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    monkeypatch.setenv("MASHWARA_PASSWORD", "a long trustee password")
    monkeypatch.setenv("MASHWARA_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(keyfile, "ITERATIONS", FAST)
    argv = ["--server", live_server.url, "--election", str(world.election.uuid), "--user"]

    assert main([*argv, user.username, "status"]) == 1
    assert "needs its authenticator code (--totp)" in capsys.readouterr().err

    assert main([*argv, user.username, "--totp", "000000", "status"]) == 1
    err = capsys.readouterr().err
    assert "did not accept the authenticator code" in err

    key = str(tmp_path / "k")
    code = main([*argv, user.username, "--totp", totp_code(secret), "generate", "--key-file", key])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "commitments of trustee 2 published (no issuer key" in out.out  # 2 > k = 1


@pytest.mark.django_db(transaction=True)
def test_the_cli_says_in_a_sentence_why_the_server_refused(live_server, monkeypatch, capsys):
    from tests.voting.world import World

    world = World(voters=1, trustees=2, threshold=1)
    world.move(ElectionState.KEY_CEREMONY)
    argv = ["--server", live_server.url, "--election", str(world.election.uuid)]
    # A session the server does not know: the ceremony endpoints refuse it.
    assert main([*argv, "--session", "not-a-session", "status"]) == 1
    err = capsys.readouterr().err
    assert "not signed in" in err or "sign in" in err
    assert not err.strip().endswith("HTTP 403")
