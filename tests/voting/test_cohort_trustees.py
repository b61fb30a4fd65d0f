"""The trustees' own tools in an election with cohort dimensions (docs/protocol.md §12): the key
file keeps the cohort keys (and older files still open), a trustee checks the manifest's cohort
keys against what it and the other issuers announced, an issuer checks what it can of a label
before signing it, and no trustee decrypts a cohort group its own recomputed release plan does
not publish — neither ``voting.clients.TrusteeClient`` nor ``python -m voting.trustee``, whatever
plan the server shows."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.voting.conftest import cached_cohort_key, cached_issuer_key
from tests.voting.test_trustee_cli import FAST, PASSPHRASE, _run, _session, a_key
from voting.crypto.errors import CryptoError
from voting.crypto.serialization import canonical_json, parse_json
from voting.models import DecryptionSubmission, ElectionState
from voting.services import lifecycle, tally
from voting.services.cohorts import published_tally
from voting.simulation import cast_all, counted_labels, demo_cohorts, prepare
from voting.trustee import cohorts, keyfile
from voting.trustee.errors import TrusteeRefusal
from voting.trustee.keyfile import KeyFileError, TrusteeKey
from voting.verify.cohorts import parse_definition
from voting.verify.issuers import parse_issuers

K = 4


# -- key file ------------------------------------------------------------------------------------


def _with_cohort_keys(key: TrusteeKey, values) -> TrusteeKey:
    keys = {(d, v): cached_cohort_key(key.index, d, v) for d, v in values}
    return TrusteeKey(
        key.election, key.ceremony_context, key.threshold, key.secrets, key.issuer_key, keys
    )


def _aes(sealed: dict) -> tuple[AESGCM, bytes, bytes]:
    derived = keyfile._derive(
        PASSPHRASE, bytes.fromhex(sealed["kdf"]["salt"]), sealed["kdf"]["iterations"]
    )
    header = canonical_json({k: sealed[k] for k in keyfile.HEADER_KEYS})
    return AESGCM(derived), bytes.fromhex(sealed["cipher"]["nonce"]), header


def _plaintext(sealed: dict) -> dict:
    aes, nonce, header = _aes(sealed)
    return parse_json(aes.decrypt(nonce, bytes.fromhex(sealed["ciphertext"]), header))


def _resealed(sealed: dict, content: dict) -> dict:
    """The same file with other sealed content (as a client with the passphrase could write)."""
    aes, nonce, header = _aes(sealed)
    return {**sealed, "ciphertext": aes.encrypt(nonce, canonical_json(content), header).hex()}


def test_key_file_keeps_an_issuers_cohort_keys():
    key = _with_cohort_keys(a_key(index=2, threshold=2), [(1, 1), (1, 2), (2, 1)])
    sealed = keyfile.seal(key, PASSPHRASE, iterations=FAST)
    opened = keyfile.open_keyfile(keyfile.loads_keyfile(keyfile.dumps_keyfile(sealed)), PASSPHRASE)
    assert opened == key
    assert opened.cohort_keys[(2, 1)] == cached_cohort_key(2, 2, 1)
    assert [(k["dimension"], k["value"]) for k in _plaintext(sealed)["cohort_keys"]] == [
        (1, 1), (1, 2), (2, 1)
    ]  # fmt: skip


def test_a_key_file_without_cohort_keys_is_the_format_older_clients_read_and_write():
    """No ``cohort_keys`` member at all when there are none: the browser page and earlier
    versions of this client read such a file, and a file they wrote opens here."""
    key = a_key(index=1, threshold=2)
    sealed = keyfile.seal(key, PASSPHRASE, iterations=FAST)
    assert set(_plaintext(sealed)) == {"trustee", "coefficients", "communication_key", "issuer_key"}
    opened = keyfile.open_keyfile(sealed, PASSPHRASE)
    assert opened.cohort_keys == {} and opened == key


def test_a_key_file_with_cohort_keys_out_of_order_or_an_empty_list_does_not_open():
    key = _with_cohort_keys(a_key(index=1, threshold=2), [(1, 1), (1, 2)])
    sealed = keyfile.seal(key, PASSPHRASE, iterations=FAST)
    content = _plaintext(sealed)
    with pytest.raises(KeyFileError, match="sorted"):
        keyfile.open_keyfile(
            _resealed(sealed, {**content, "cohort_keys": content["cohort_keys"][::-1]}),
            PASSPHRASE,
        )
    with pytest.raises(KeyFileError, match="1 to 24 keys"):
        keyfile.open_keyfile(_resealed(sealed, {**content, "cohort_keys": []}), PASSPHRASE)


# -- what an issuer signs ------------------------------------------------------------------------


def _label(d: int, v: int, key) -> dict:
    return {"dimension": d, "value": v, "blinded_message": "01" * key.public.modulus_length}


def test_an_issuer_signs_labels_only_of_values_it_holds_a_key_for_once_per_dimension():
    from voting.clients import sign_request

    keys = {(1, 1): cached_cohort_key(1, 1, 1), (2, 1): cached_cohort_key(1, 2, 1)}
    own = cached_issuer_key(1)
    request = {"request": 7, "roll_id": "ab" * 32, "blinded_message": "01" * 384}
    signed = sign_request(own, {**request, "labels": [_label(1, 1, keys[(1, 1)])]}, keys)
    blinded = int("01" * 384, 16)
    public = keys[(1, 1)].public
    assert pow(int(signed["labels"][0], 16), public.e, public.n) == blinded
    refusals = {
        "no cohort key of this issuer is for dimension 1 value 2": [_label(1, 2, keys[(1, 1)])],
        "at most one label per dimension": [
            _label(1, 1, keys[(1, 1)]),
            _label(1, 1, keys[(1, 1)]),
        ],
        "ascending": [_label(2, 1, keys[(2, 1)]), _label(1, 1, keys[(1, 1)])],
        "does not fit its key": [{**_label(1, 1, keys[(1, 1)]), "blinded_message": "01" * 10}],
    }
    for reason, labels in refusals.items():
        with pytest.raises(CryptoError, match=reason):
            sign_request(own, {**request, "labels": labels}, keys)
    with pytest.raises(CryptoError, match="holds no cohort key"):
        sign_request(own, {**request, "labels": [_label(1, 1, keys[(1, 1)])]}, {})


# -- the manifest's cohort keys ------------------------------------------------------------------


@pytest.fixture
def cohort_sim(db):
    """24 voters, trustees 1 and 2 of 3 the issuers, K = 4: region is withheld (crossing)."""
    sim = prepare(24, trustees=3, threshold=2, cohorts=demo_cohorts(K))
    cast_all(sim, random.Random(7))
    return sim


def _status(election) -> dict:
    from voting.services.ceremony import status

    return status(election, None)


def test_a_manifest_with_a_cohort_key_its_issuer_did_not_make_is_refused(cohort_sim):
    election = cohort_sim.election
    manifest, client = election.manifest, cohort_sim.trustees[0]
    issuers = parse_issuers(manifest)
    cohorts.check_own_cohort_keys(client.cohort_keys, 1, issuers)
    cohorts.check_announced_cohort_keys(_status(election), issuers)
    swapped = dict(manifest)
    swapped["cohort_keys"] = [
        {**k, "pem": cached_cohort_key(9, 1, 1).public.to_pem()}
        if (k["trustee"], k["dimension"], k["value"]) == (1, 1, 1)
        else k
        for k in manifest["cohort_keys"]
    ]
    with pytest.raises(TrusteeRefusal, match="your cohort key for dimension 1 value 1"):
        cohorts.check_own_cohort_keys(client.cohort_keys, 1, parse_issuers(swapped))
    # Trustee 2 checks the same manifest: issuer 1's key there is not the one it announced.
    with pytest.raises(TrusteeRefusal, match="issuer 1 for dimension 1 value 1 is not the key"):
        cohorts.check_announced_cohort_keys(_status(election), parse_issuers(swapped))
    # A trustee that lost its cohort keys (a key file of another election) is told so.
    with pytest.raises(TrusteeRefusal, match="does not hold a cohort key for every stated"):
        cohorts.check_own_cohort_keys({}, 1, issuers)
    # Trustee 3 (no issuer) holds none and needs none.
    cohorts.check_own_cohort_keys({}, 3, issuers)


def test_the_ceremony_definition_must_hash_to_the_ceremony_context(cohort_sim):
    election = cohort_sim.election
    status = {**_status(election), "definition": election.definition}
    found = cohorts.definition_cohorts(status)
    assert found == parse_definition(election.definition)
    assert cohorts.values_to_key(found, 2, 2) == found.stated()
    assert cohorts.values_to_key(found, 3, 2) == []
    fewer = dict(election.definition)
    fewer["cohorts"] = {**fewer["cohorts"], "dimensions": fewer["cohorts"]["dimensions"][:1]}
    with pytest.raises(TrusteeRefusal, match="not the ceremony's"):
        cohorts.definition_cohorts({**status, "definition": fewer})


# -- decryption: the trustee's own release plan --------------------------------------------------


def _closed(sim):
    election = lifecycle.transition(sim.election, ElectionState.CLOSED, actor=sim.organizer)
    tally.compute_encrypted_tally(election.pk)
    election.refresh_from_db()
    return election


def _forbidden_plan(election) -> None:
    """The server's plan publishes region (withheld for crossing) value by value."""
    plan = election.cohort_tally["plan"]
    assert plan[2] == {"dimension": 3, "kind": "attested", "groups": None, "reason": "crossing"}
    plan[2] = {"dimension": 3, "kind": "attested", "groups": [[0], [1], [2], [3]], "reason": None}
    election.save(update_fields=["cohort_tally"])


def test_trustee_client_decrypts_only_the_groups_its_own_plan_publishes(cohort_sim):
    election = _closed(cohort_sim)
    client = cohort_sim.trustees[0]
    counted = counted_labels(election)
    honest = client.decrypt(
        election.encrypted_tally,
        election.fingerprint_bytes,
        published_tally(election),
        manifest=election.manifest,
        counted=counted,
    )
    assert [len(found) for found in honest["cohorts"]] == [3, 2, 0]  # region withheld
    _forbidden_plan(election)
    with pytest.raises(TrusteeRefusal, match="release plan for cohort dimension 3 is published"):
        client.decrypt(
            election.encrypted_tally,
            election.fingerprint_bytes,
            published_tally(election),
            manifest=election.manifest,
            counted=counted,
        )


@pytest.mark.django_db(transaction=True)
def test_the_cli_gives_no_share_of_a_group_the_rule_forbids(
    live_server, tmp_path, monkeypatch, capsys
):
    sim = prepare(24, trustees=3, threshold=2, cohorts=demo_cohorts(K))
    cast_all(sim, random.Random(7))
    election = _closed(sim)
    _forbidden_plan(election)
    client, member = sim.trustees[0], sim.trustee_members[0]
    key = TrusteeKey(
        election.uuid.hex,
        client.ceremony_context,
        client.threshold,
        client.secrets,
        client.issuer_key,
        client.cohort_keys,
    )
    path = tmp_path / "trustee-1.key"
    path.write_text(keyfile.dumps_keyfile(keyfile.seal(key, PASSPHRASE, iterations=FAST)))
    session = _session(member)
    code, out = _run(live_server, election, session, "decrypt", "--key-file", str(path),
                     monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 1, out
    assert "release plan for cohort dimension 3 is published as groups [[0], [1], [2], [3]]" in out
    assert "withheld (crossing)" in out
    assert not DecryptionSubmission.objects.filter(election=election).exists()

    # The server's honest plan again: the same trustee decrypts the groups it publishes.
    tally_json = election.cohort_tally
    tally_json["plan"][2] = {"dimension": 3, "kind": "attested", "groups": None,
                             "reason": "crossing"}  # fmt: skip
    election.save(update_fields=["cohort_tally"])
    code, out = _run(live_server, election, session, "decrypt", "--key-file", str(path),
                     monkeypatch=monkeypatch, capsys=capsys)  # fmt: skip
    assert code == 0, out
    assert "decrypting the 5 groups the rule publishes" in out
    submission = DecryptionSubmission.objects.get(election=election)
    assert [len(found) for found in submission.cohort_shares] == [3, 2, 0]
