"""Benchmark of the crypto core: prints a table of medians measured on this machine.

Run ``.venv/bin/python bench/crypto.py``. The "floor" is libsodium's cost per group operation
through rbcl; each verification is compared with its exact operation count (as performed by
``voting.crypto.proofs.verify_range`` and ``verify_credential_signature``) times that floor, since
libsodium has no multi-scalar multiplication to do better.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voting.crypto import blind_rsa  # noqa: E402
from voting.crypto.dlog import DiscreteLogTable  # noqa: E402
from voting.crypto.elgamal import generate_keypair  # noqa: E402
from voting.crypto.group import Point, Scalar, base_mul, point_add, var_mul  # noqa: E402
from voting.crypto.proofs import sign_credential, verify_credential_signature  # noqa: E402
from voting.crypto.question import encrypt_question, sum_proof_needed, verify_question  # noqa: E402


def median_seconds(fn: Callable[[], object], *, number: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def range_ops(low: int, high: int) -> tuple[int, int, int]:
    """(fixed-base, variable-base, additions) done by verify_range for ``low..high``."""
    width = high - low + 1
    shift = 1 if low > 0 else 0
    return width + shift, 3 * width, 2 * width + (width - 1) + shift


def question_ops(options: int, low: int, high: int) -> tuple[int, int, int]:
    fixed, var, adds = 0, 0, 0
    for _ in range(options):
        f, v, a = range_ops(0, 1)
        fixed, var, adds = fixed + f, var + v, adds + a
    if not sum_proof_needed(options, low, high):  # bounds 0..n: no sum proof (protocol §5)
        return fixed + 1, var + 1, adds + 1  # plus the signature: 1 + 1 + 1
    f, v, a = range_ops(low, high)
    # The homomorphic sum: 2(n−1) additions; the signature: 1 + 1 + 1.
    return fixed + f + 1, var + v + 1, adds + a + 2 * (options - 1) + 1


def whole_ballot(
    key: blind_rsa.BlindRsaPrivateKey,
    pair,
    question: dict | None = None,
    cast_choice: list[int] | None = None,
    audit_choice: list[int] | None = None,
    title: str = "5-option approval 0..5",
    samples: int = 20,
) -> None:
    """A whole v2 ballot of one question (by default the target election's 5-option approval
    question, 0..5), as the ballot box and the verifier check it: strict parsing, the
    credential's RSA signature, the Schnorr signature and every proof; and an audit (sealed
    ballot and reveal, no credential). For a ranked question the choices are full orders."""
    import json

    from voting.clients import Voter
    from voting.verify import board as chain
    from voting.verify.ballots import (
        parse_ballot,
        parse_reveal,
        parse_sealed,
        verify_ballot,
        verify_reveal,
        verify_sealed,
    )
    from voting.verify.canonical import loads_for_strict_parser
    from voting.verify.election import fingerprint, max_ballot_bytes, shapes
    from voting.verify.issuers import issuers_json, parse_issuers

    question = question or {"type": "approval", "min": 0, "max": 5, "options": [{}] * 5}
    cast_choice = [0, 2, 3] if cast_choice is None else cast_choice
    audit_choice = [1, 4] if audit_choice is None else audit_choice
    # A credential of 2 issuers out of 2 (the target election's threshold): two RSA checks.
    keys = [key, blind_rsa.generate_private_key(3072)]
    manifest = {
        "questions": [question],
        "trustees": {"threshold": 2, "names": ["t1", "t2"]},
        "joint_public_key": pair.public.hex(),
        "issuers": issuers_json(2, [(i, k.public.to_pem()) for i, k in enumerate(keys, 1)]),
    }
    fp = fingerprint(manifest)
    shape_list = shapes(manifest)
    issuers = parse_issuers(manifest)
    voter = Voter(manifest, fp)
    request = voter.credential_request()
    voter.finish_credential(
        {
            "requests": [
                {
                    **item,
                    "blind_signature": blind_rsa.blind_sign(
                        keys[item["issuer"] - 1], bytes.fromhex(item["blinded_message"])
                    ).hex(),
                }
                for item in request["requests"]
            ]
        }
    )
    head = {"count": 0, "hash": chain.genesis(fp).hex()}
    bodies = [json.dumps(voter.ballot([cast_choice], head)[0]).encode() for _ in range(samples)]
    audits = [json.dumps(voter.audit([audit_choice])).encode() for _ in range(samples)]
    reveal_bytes = len(json.dumps(json.loads(audits[0])["reveal"]))
    encrypt_time = median_seconds(lambda: voter.ballot([cast_choice], head), number=3, repeat=5)

    def check_cast() -> None:
        for body in bodies:
            ballot = parse_ballot(loads_for_strict_parser(body), shape_list)
            verify_ballot(ballot, shape_list, fp, pair.public, issuers)

    def check_audit() -> None:
        for body in audits:
            data = loads_for_strict_parser(body)
            sealed = parse_sealed(data["ballot"], shape_list)
            verify_sealed(sealed, shape_list, fp, pair.public)
            verify_reveal(sealed, parse_reveal(data["reveal"], shape_list), pair.public)

    cast_time = median_seconds(check_cast, number=1, repeat=7) / len(bodies)
    audit_time = median_seconds(check_audit, number=1, repeat=7) / len(audits)
    print(
        f"Whole v2 ballot, {title} ({len(bodies[0])} bytes of JSON, reveal {reveal_bytes} bytes,"
        f" size limit {max_ballot_bytes(shape_list, issuers.threshold)}), one core"
    )
    print(f"  seal + sign (Python client)                   {encrypt_time * 1e3:7.2f} ms")
    print(
        f"  cast check: parse + RSA + Schnorr + proofs     {cast_time * 1e3:7.2f} ms  "
        f"{1 / cast_time:5.0f} ballots/s (verify target ≥ 400/s per core)"
    )
    print(
        f"  audit check: parse + proofs + reveal           {audit_time * 1e3:7.2f} ms  "
        f"{1 / audit_time:5.0f} audits/s"
    )


def main() -> None:
    pair = generate_keypair()
    k = Scalar.random().value
    p = Point.base(Scalar.random()).encoding
    q = Point.base(Scalar.random()).encoding
    var_cost = median_seconds(lambda: var_mul(k, p), number=400, repeat=15)
    fixed_cost = median_seconds(lambda: base_mul(k), number=1000, repeat=15)
    add_cost = median_seconds(lambda: point_add(p, q), number=1000, repeat=15)
    print("Floor (libsodium 1.0.18 via rbcl, one core, median)")
    print(f"  variable-base scalar mult  {var_cost * 1e6:7.1f} µs")
    print(f"  fixed-base scalar mult     {fixed_cost * 1e6:7.1f} µs")
    print(f"  point addition             {add_cost * 1e6:7.1f} µs")
    print()
    ctx = b"\x42" * 32
    cases = [(1, 0, 1), (5, 0, 5), (10, 0, 10), (20, 0, 20), (5, 1, 1), (10, 0, 3), (20, 1, 3)]
    header = (
        f"{'question (options, min..max)':30} {'encrypt+prove':>13} {'verify':>9} "
        f"{'ops f/v/add':>12} {'floor':>9} {'ratio':>6} {'mults-only':>10} {'ballots/s':>9}"
    )
    print(header)
    print("-" * len(header))
    message = b"x" * 200
    signature = sign_credential(ctx, pair.secret, message)
    for options, low, high in cases:
        choices = [1] * max(low, 1) + [0] * (options - max(low, 1))
        encrypt_time = median_seconds(
            lambda o=options, lo=low, h=high, c=choices: encrypt_question(
                ctx, pair.public, c, lo, h
            ),
            number=3,
            repeat=7,
        )
        question = encrypt_question(ctx, pair.public, choices, low, high)

        def verify(q=question, o=options, lo=low, h=high) -> None:
            verify_question(ctx, pair.public, q, o, lo, h)
            verify_credential_signature(ctx, pair.public, message, signature)

        verify_time = median_seconds(verify, number=10, repeat=9)
        fixed, var, adds = question_ops(options, low, high)
        floor = fixed * fixed_cost + var * var_cost + adds * add_cost
        mults = fixed * fixed_cost + var * var_cost
        label = f"{options} options, {low}..{high}"
        print(
            f"{label:30} {encrypt_time * 1e3:10.2f} ms {verify_time * 1e3:6.2f} ms "
            f"{f'{fixed}/{var}/{adds}':>12} {floor * 1e3:6.2f} ms {verify_time / floor:6.2f} "
            f"{verify_time / mults:10.2f} {1 / verify_time:9.0f}"
        )
    print("  (verify = the question's proofs + one credential signature; ratio = verify / floor,")
    print("   floor = fixed·f + variable·v + additions·a; mults-only ignores the additions)")
    print()
    key = blind_rsa.BlindRsaPrivateKey.from_pem(
        (
            Path(__file__).resolve().parent.parent / "tests/crypto/vectors/blind-rsa-test-key.pem"
        ).read_text()
    )
    blinded, _ = blind_rsa.blind(key.public, blind_rsa.prepare(b"credential"))
    sign_time = median_seconds(lambda: blind_rsa.blind_sign(key, blinded), number=20, repeat=9)
    print(f"RSA-3072 blind_sign (CRT, powmod_sec, with verification)  {sign_time * 1e3:6.2f} ms")
    print()
    whole_ballot(key, pair)
    for n in (3, 5, 10):
        print()
        ranked = {"type": "ranked", "options": [{}] * n}
        order = list(range(n))
        whole_ballot(
            key, pair, ranked, order[::-1], order, f"one ranked question of {n} options", 5
        )
    print()
    for bound in (10**6, 10**7):
        start = time.perf_counter()
        table = DiscreteLogTable(bound)
        build = time.perf_counter() - start
        target = Point.base(Scalar(bound))
        solve = median_seconds(lambda t=table, p=target: t.solve(p), number=1, repeat=7)
        print(
            f"discrete log, bound {bound:>8}: table {table.table_size} entries built in "
            f"{build * 1e3:6.1f} ms; worst-case solve {solve * 1e3:6.2f} ms"
        )


if __name__ == "__main__":
    main()
