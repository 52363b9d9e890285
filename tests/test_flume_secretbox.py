"""LAN Meter's pure-Python LibHydrogen secretbox against libhydrogen itself.

Known-answer vectors (tests/data/secretbox_vectors.json) were made by libhydrogen through cydrogen
(tests/data/make_secretbox_vectors.py). Where cydrogen installs (Python 3.13 on manylinux), random
messages are also cross-checked in both directions.
"""

from __future__ import annotations

import json
from pathlib import Path
import random

import pytest

from custom_components.lanmeter.flume.secretbox import (
    HEADER_BYTES,
    SecretBox,
    SecretBoxError,
    decrypt,
    encrypt,
    gimli,
)

VECTORS = json.loads((Path(__file__).parent / "data" / "secretbox_vectors.json").read_text())[
    "vectors"
]


def _vector_id(vector: dict) -> str:
    return f"{len(vector['plaintext']) // 2}B-id{vector['msg_id']}-{vector['context']}"


def _parts(vector: dict) -> tuple[bytes, str, int, bytes, bytes]:
    return (
        bytes.fromhex(vector["key"]),
        vector["context"],
        vector["msg_id"],
        bytes.fromhex(vector["plaintext"]),
        bytes.fromhex(vector["ciphertext"]),
    )


def test_gimli_permutation_known_answer() -> None:
    """The Gimli paper's test vector: state[i] = i*i*i + i*0x9e3779b9 (mod 2^32)."""
    words = [(i * i * i + i * 0x9E3779B9) & 0xFFFFFFFF for i in range(12)]
    state = bytearray(b"".join(w.to_bytes(4, "little") for w in words))
    gimli(state)
    out = [int.from_bytes(state[i : i + 4], "little") for i in range(0, 48, 4)]
    assert out == [
        0xBA11C85A, 0x91BAD119, 0x380CE880, 0xD24C2C68,
        0x3ECEFFEA, 0x277A921C, 0x4F73A0BD, 0xDA5A9CD8,
        0x84B673F0, 0x34E52FF7, 0x9E2BEF49, 0xF41BB8D6,
    ]  # fmt: skip


def test_vectors_cover_the_block_edges() -> None:
    lengths = {len(v["plaintext"]) // 2 for v in VECTORS}
    assert {1, 15, 16, 17, 32, 48, 1000} <= lengths
    assert {v["msg_id"] for v in VECTORS} >= {0, 2**64 - 1}
    assert all(len(v["ciphertext"]) == len(v["plaintext"]) + 2 * HEADER_BYTES for v in VECTORS)


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_decrypts_libhydrogen_boxes(vector: dict) -> None:
    key, context, msg_id, plaintext, ciphertext = _parts(vector)
    assert decrypt(ciphertext, key, context, msg_id) == plaintext
    # Our own boxes of the same message open again (random IV, so not byte-equal).
    assert decrypt(encrypt(plaintext, key, context, msg_id), key, context, msg_id) == plaintext


@pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
def test_tampered_boxes_and_wrong_keys_fail(vector: dict) -> None:
    key, context, msg_id, _plaintext, ciphertext = _parts(vector)
    rng = random.Random(ciphertext)
    # One flipped bit anywhere: in the synthetic IV, the MAC or the message.
    for position in (0, 19, 20, 35, 36, len(ciphertext) - 1, rng.randrange(len(ciphertext))):
        tampered = bytearray(ciphertext)
        tampered[position] ^= 1 << rng.randrange(8)
        with pytest.raises(SecretBoxError):
            decrypt(bytes(tampered), key, context, msg_id)
    wrong_key = bytearray(key)
    wrong_key[rng.randrange(32)] ^= 0x80
    wrong_context = "87654321" if context != "87654321" else "12345678"
    for args in (
        (bytes(wrong_key), context, msg_id),
        (key, wrong_context, msg_id),
        (key, context, msg_id ^ 1),
    ):
        with pytest.raises(SecretBoxError):
            decrypt(ciphertext, *args)
    for cut in (ciphertext[:-1], ciphertext[:HEADER_BYTES], ciphertext[: HEADER_BYTES - 1], b""):
        with pytest.raises(SecretBoxError):
            decrypt(cut, key, context, msg_id)


def test_bad_keys_and_contexts_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SecretBox(b"short", "12345678")
    with pytest.raises(ValueError, match="8 bytes"):
        SecretBox(bytes(32), "123")
    with pytest.raises(ValueError, match="IV"):
        encrypt(b"x", bytes(32), "12345678", iv=b"too short")


def test_a_box_is_the_message_plus_36_bytes_and_the_iv_makes_it_repeatable() -> None:
    box = SecretBox(bytes(range(32)), "12345678")
    iv = bytes(20)
    first = box.encrypt(b'{"a": 1}', iv=iv)
    assert len(first) == 8 + 36
    assert first == box.encrypt(b'{"a": 1}', iv=iv)
    assert first != box.encrypt(b'{"a": 1}')
    assert box.decrypt(first) == b'{"a": 1}'
    assert box.decrypt(box.encrypt(b"")) == b""


def test_cross_checked_with_cydrogen_both_ways() -> None:
    cydrogen = pytest.importorskip(
        "cydrogen", reason="cydrogen (libhydrogen) installs only on Python 3.13 manylinux"
    )
    rng = random.Random(7)
    for _ in range(200):
        key, msg_id = rng.randbytes(32), rng.choice([0, rng.getrandbits(64)])
        message = rng.randbytes(rng.randrange(1, 300))
        theirs = cydrogen.SecretBox(cydrogen.SecretBoxKey(key), ctx=cydrogen.Context("12345678"))
        assert decrypt(bytes(theirs.encrypt(message, msg_id=msg_id)), key, "12345678", msg_id) == (
            message
        )
        ours = encrypt(message, key, "12345678", msg_id)
        assert bytes(theirs.decrypt(ours, msg_id=msg_id)) == message
