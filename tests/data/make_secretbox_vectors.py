"""Regenerate secretbox_vectors.json with libhydrogen itself (cydrogen, Python 3.13 manylinux only).

    python tests/data/make_secretbox_vectors.py > tests/data/secretbox_vectors.json

The vectors are what LAN Meter's pure-Python secretbox is checked against (test_flume_secretbox).
"""

from __future__ import annotations

import json
import random

from cydrogen import Context, SecretBox, SecretBoxKey

FLUME_MESSAGES = [
    b'[{"timestamp": 1700000000, "value": 123456}, {"timestamp": 1700000005, "value": 123459}]',
    b'{"16": -79, "32": 3252, "16384": 1210, "timestamp": 1700000030}',
    b'{"32": -87, "512": -60, "4": 51234, "timestamp": 1700000031}',
    b'{"bridge_id": null, "branch": "release", "sha_full": "0123456789abcdef"}',
]


def main() -> None:
    rng = random.Random(20261129)
    vectors = []
    lengths = [1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 100, 255, 1000]
    messages = [rng.randbytes(n) for n in lengths] + FLUME_MESSAGES
    for index, message in enumerate(messages):
        key = rng.randbytes(32)
        context = "12345678" if index % 3 else "ctxtest1"
        msg_id = 0 if index % 2 == 0 else rng.choice([1, 42, 2**32, 2**64 - 1])
        box = SecretBox(SecretBoxKey(key), ctx=Context(context))
        vectors.append(
            {
                "key": key.hex(),
                "context": context,
                "msg_id": msg_id,
                "plaintext": message.hex(),
                "ciphertext": bytes(box.encrypt(message, msg_id=msg_id)).hex(),
            }
        )
    print(json.dumps({"made_with": "cydrogen 0.0.10 (libhydrogen)", "vectors": vectors}, indent=1))


if __name__ == "__main__":
    main()
