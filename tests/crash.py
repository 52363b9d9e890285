"""Home Assistant stopping the way a power cut stops it: no unload, its stores as it had
written them by then."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import copy
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.lanmeter.const import DOMAIN


async def crash_and_start(
    hass: HomeAssistant, hass_storage: dict[str, Any], while_down: Callable[[], Awaitable[None]]
) -> None:
    """Take what Home Assistant had written, let `while_down` happen (the devices' side of the
    cut, the time passing), then start every LAN Meter entry again from those stores. The entries
    are unloaded to free their ports and timers, but what the unload writes is thrown away: the
    process that would have written it was gone."""
    written = copy.deepcopy(hass_storage)
    entries = hass.config_entries.async_entries(DOMAIN)
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)
    hass_storage.clear()
    hass_storage.update(written)
    await while_down()
    for entry in entries:
        assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
