"""LibHydrogen's `hydro_secretbox` in pure Python (the Flume bridge's message encryption).

Written from the algorithm (protocols/flume.md, the libhydrogen wiki): a 48-byte Gimli state used
as a duplex sponge with a 16-byte rate. A box is SIV (20 bytes) + MAC (16 bytes) + ciphertext.
No compiled library: Home Assistant OS and the Container image (musl, Python 3.14, no compiler)
must be able to install LAN Meter, and no LibHydrogen binding has wheels for them.

Checked against libhydrogen itself by known-answer vectors in tests/data (made with `cydrogen`).
"""

from __future__ import annotations

import hmac
import os
import struct

KEY_BYTES = 32
CONTEXT_BYTES = 8
SIV_BYTES = 20
MAC_BYTES = 16
HEADER_BYTES = SIV_BYTES + MAC_BYTES

_RATE = 16
_BLOCK = 48
_MASK = 0xFFFFFFFF

# Domain-separation tags XORed into the state's last byte before each permutation.
_TAG_HEADER = 0x01
_TAG_PAYLOAD = 0x02
_TAG_FINAL = 0x08
_TAG_FINAL0 = 0xF8
_TAG_KEY0 = 0xFE
_TAG_KEY = 0xFF
_DOMAIN_AEAD = 0x0
_DOMAIN_XOF = 0xF

_PREFIX = bytes([6]) + b"sbx256" + bytes([8])
_WORDS = struct.Struct("<12I")


class SecretBoxError(ValueError):
    """The box is too short, or was not made with this key, context and message id."""


def gimli(state: bytearray) -> None:
    """The Gimli permutation (24 rounds) on 48 bytes, in place; words are little-endian."""
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11 = _WORDS.unpack(state)
    for round_ in range(24, 0, -1):
        # SP-box on each of the four columns (x = row 0, y = row 1, z = row 2).
        x = ((s0 << 24) | (s0 >> 8)) & _MASK
        y = ((s4 << 9) | (s4 >> 23)) & _MASK
        s8, s4, s0 = (
            (x ^ (s8 << 1) ^ ((y & s8) << 2)) & _MASK,
            (y ^ x ^ ((x | s8) << 1)) & _MASK,
            (s8 ^ y ^ ((x & y) << 3)) & _MASK,
        )
        x = ((s1 << 24) | (s1 >> 8)) & _MASK
        y = ((s5 << 9) | (s5 >> 23)) & _MASK
        s9, s5, s1 = (
            (x ^ (s9 << 1) ^ ((y & s9) << 2)) & _MASK,
            (y ^ x ^ ((x | s9) << 1)) & _MASK,
            (s9 ^ y ^ ((x & y) << 3)) & _MASK,
        )
        x = ((s2 << 24) | (s2 >> 8)) & _MASK
        y = ((s6 << 9) | (s6 >> 23)) & _MASK
        s10, s6, s2 = (
            (x ^ (s10 << 1) ^ ((y & s10) << 2)) & _MASK,
            (y ^ x ^ ((x | s10) << 1)) & _MASK,
            (s10 ^ y ^ ((x & y) << 3)) & _MASK,
        )
        x = ((s3 << 24) | (s3 >> 8)) & _MASK
        y = ((s7 << 9) | (s7 >> 23)) & _MASK
        s11, s7, s3 = (
            (x ^ (s11 << 1) ^ ((y & s11) << 2)) & _MASK,
            (y ^ x ^ ((x | s11) << 1)) & _MASK,
            (s11 ^ y ^ ((x & y) << 3)) & _MASK,
        )
        if round_ & 3 == 0:  # small swap, then the round constant
            s0, s1, s2, s3 = s1 ^ (0x9E377900 | round_), s0, s3, s2
        elif round_ & 3 == 2:  # big swap
            s0, s1, s2, s3 = s2, s3, s0, s1
    _WORDS.pack_into(state, 0, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11)


def _permute(state: bytearray, tag: int) -> None:
    state[_BLOCK - 1] ^= tag
    gimli(state)


def _xor_into(state: bytearray, offset: int, data: bytes) -> None:
    for i, byte in enumerate(data):
        state[offset + i] ^= byte


def _pad(state: bytearray, position: int, domain: int) -> None:
    state[position] ^= (domain << 1) | 1
    state[_RATE - 1] ^= 0x80


def _setup(context: bytes, key: bytes, iv: bytes, msg_id: int, key_tag: int) -> bytearray:
    """Absorb the header, the key and the (synthetic) IV with the message id."""
    state = bytearray(_BLOCK)
    state[:_RATE] = _PREFIX + context
    _permute(state, _TAG_HEADER)
    _xor_into(state, 0, key[:_RATE])
    _permute(state, key_tag)
    _xor_into(state, 0, key[_RATE:])
    _permute(state, key_tag)
    state[0] ^= SIV_BYTES
    _xor_into(state, 1, iv[: _RATE - 1])
    _permute(state, _TAG_HEADER)
    _xor_into(state, 0, iv[_RATE - 1 :])
    # The id overlaps the IV's last byte: libhydrogen puts it at SIV_BYTES - RATE.
    _xor_into(state, SIV_BYTES - _RATE, msg_id.to_bytes(8, "little"))
    _permute(state, _TAG_HEADER)
    return state


def _finalize(state: bytearray, key: bytes, tag: int) -> None:
    """Mix the key into the capacity twice; the tag (SIV or MAC) is read from there."""
    for _ in range(2):
        _xor_into(state, _RATE, key)
        _permute(state, tag)


def _check(key: bytes, context: bytes | str) -> bytes:
    ctx = context.encode() if isinstance(context, str) else bytes(context)
    if len(key) != KEY_BYTES:
        raise ValueError(f"a secretbox key is {KEY_BYTES} bytes, not {len(key)}")
    if len(ctx) != CONTEXT_BYTES:
        raise ValueError(f"a secretbox context is {CONTEXT_BYTES} bytes, not {len(ctx)}")
    return ctx


def _siv(message: bytes, context: bytes, key: bytes, iv: bytes, msg_id: int) -> bytes:
    """First pass of encryption: the synthetic IV is a keyed hash of IV, id and message."""
    state = _setup(context, key, iv, msg_id, _TAG_KEY0)
    full = len(message) - len(message) % _RATE
    for start in range(0, full, _RATE):
        _xor_into(state, 0, message[start : start + _RATE])
        _permute(state, _TAG_PAYLOAD)
    _xor_into(state, 0, message[full:])
    _pad(state, len(message) - full, _DOMAIN_XOF)
    _permute(state, _TAG_PAYLOAD)
    _finalize(state, key, _TAG_FINAL0)
    return bytes(state[_RATE : _RATE + SIV_BYTES])


def _duplex(state: bytearray, data: bytes, decrypting: bool) -> bytes:
    """XOR `data` with the keystream; the ciphertext is absorbed either way."""
    out = bytearray(len(data))
    full = len(data) - len(data) % _RATE
    for start in range(0, len(data), _RATE):
        chunk = data[start : start + _RATE]
        for i, byte in enumerate(chunk):
            out[start + i] = byte ^ state[i]
        state[: len(chunk)] = chunk if decrypting else out[start : start + len(chunk)]
        if start < full:
            _permute(state, _TAG_PAYLOAD)
    _pad(state, len(data) - full, _DOMAIN_AEAD)
    _permute(state, _TAG_PAYLOAD)
    return bytes(out)


def encrypt(
    message: bytes, key: bytes, context: bytes | str, msg_id: int = 0, iv: bytes | None = None
) -> bytes:
    """A box for `message`. `iv` (20 bytes) is random unless given (tests: repeatable boxes)."""

    ctx = _check(key, context)
    iv = os.urandom(SIV_BYTES) if iv is None else iv
    if len(iv) != SIV_BYTES:
        raise ValueError(f"a secretbox IV is {SIV_BYTES} bytes")
    siv = _siv(message, ctx, key, iv, msg_id)
    state = _setup(ctx, key, siv, msg_id, _TAG_KEY)
    ciphertext = _duplex(state, message, decrypting=False)
    _finalize(state, key, _TAG_FINAL)
    return siv + bytes(state[_RATE : _RATE + MAC_BYTES]) + ciphertext


def decrypt(box: bytes, key: bytes, context: bytes | str, msg_id: int = 0) -> bytes:
    """The message in `box`, or SecretBoxError when it does not authenticate."""
    ctx = _check(key, context)
    if len(box) < HEADER_BYTES:
        raise SecretBoxError(f"a secretbox is at least {HEADER_BYTES} bytes, got {len(box)}")
    siv, mac = box[:SIV_BYTES], box[SIV_BYTES:HEADER_BYTES]
    state = _setup(ctx, key, siv, msg_id, _TAG_KEY)
    message = _duplex(state, box[HEADER_BYTES:], decrypting=True)
    _finalize(state, key, _TAG_FINAL)
    if not hmac.compare_digest(bytes(state[_RATE : _RATE + MAC_BYTES]), mac):
        raise SecretBoxError("the box does not authenticate with this key")
    return message


class SecretBox:
    """A key and context bound together, as the Flume code uses them."""

    def __init__(self, key: bytes, context: bytes | str) -> None:
        self._context = _check(bytes(key), context)
        self._key = bytes(key)

    def encrypt(self, message: bytes, msg_id: int = 0, iv: bytes | None = None) -> bytes:
        return encrypt(message, self._key, self._context, msg_id, iv)

    def decrypt(self, box: bytes, msg_id: int = 0) -> bytes:
        return decrypt(box, self._key, self._context, msg_id)
