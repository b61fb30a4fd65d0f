"""The board-head Ed25519 primitive in voting.crypto.board_key."""

from __future__ import annotations

import pytest

from voting.crypto import board_key
from voting.crypto.errors import InvalidSignature


def test_signature_verifies_and_is_deterministic():
    seed = board_key.generate_seed()
    public = board_key.public_key(seed)
    signature = board_key.sign(seed, b"head")
    assert signature == board_key.sign(seed, b"head")
    board_key.verify(public, b"head", signature)


def test_rfc8032_test_vector_1():
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    assert board_key.public_key(seed).hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert board_key.sign(seed, b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


@pytest.mark.parametrize("change", ["message", "signature", "key"])
def test_any_change_fails(change):
    seed = board_key.generate_seed()
    public = board_key.public_key(seed)
    message, signature = b"head", board_key.sign(seed, b"head")
    if change == "message":
        message = b"heat"
    elif change == "signature":
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    else:
        public = board_key.public_key(board_key.generate_seed())
    with pytest.raises(InvalidSignature):
        board_key.verify(public, message, signature)
