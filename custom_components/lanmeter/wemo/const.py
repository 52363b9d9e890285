"""WeMo settings keys (one callback server serves every WeMo entry)."""

from __future__ import annotations

from typing import Final

from ..identity import DeviceIdentity

CONF_CALLBACK_PORT: Final = "callback_port"
CONF_CALLBACK_ADDRESS: Final = "callback_address"

# Its devices and entities: `wemo_<id>` (identity.py).
WEMO_IDENTITY: Final = DeviceIdentity("wemo")
