"""Every kind's devices on their own wire format, on 127.0.0.1 (checked against ../shared/captures).

SIMULATOR_OF: each kind's simulator module (README's checklist for a new kind: a kind without
one fails tests/test_kind_checklist.py); the home view reads Home Assistant's own entities and
has no wire of its own.
"""

SIMULATOR_OF: dict[str, str | None] = {
    "kasa": "kasa_device",
    "wemo": "wemo_device",
    "flume": "flume_bridge",
    "glow": "glow_cad",
    "home": None,
}
