"""A strip or plug that stops answering the way it was set up: after a few failed polls, ask it
by discovery (UDP 20002, no account needed) how it talks now. A firmware update that moved it to
KLAP or AES is followed: the entry takes the new connection and Home Assistant asks for the
TP-Link account (reauth), and a repair issue says what happened. An encryption nobody speaks
yet (TPAP) gets a repair issue that says what the user can do. The ledger's totals are the
entry's, so nothing is lost across the change."""

from __future__ import annotations

import logging

from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..repair_issue import RepairIssue
from ..runtime import LanMeterConfigEntry
from .client import (
    KasaNewEncryptionError,
    KasaStripClient,
    KasaUnsupportedError,
    find_connection,
)
from .const import CONF_CONNECTION

_LOGGER = logging.getLogger(__name__)

# Failed polls in a row before the device is asked how it talks now (once per outage).
FAILURES_BEFORE_ASKING = 3
# Discovery answers over HTTP on port 80 unless it names another.
HTTP_PORT = 80
MOVED, UNSPEAKABLE = "kasa_protocol_moved", "kasa_firmware_unsupported"


class AccessWatch:
    """Notices a changed way of talking after a run of failed polls."""

    def __init__(
        self, hass: HomeAssistant, entry: LanMeterConfigEntry, client: KasaStripClient
    ) -> None:
        self.hass, self.entry, self.client = hass, entry, client
        self._failures = 0
        self._asked = False
        self._moved = RepairIssue(hass, MOVED, entry.entry_id)
        self._unspeakable = RepairIssue(hass, UNSPEAKABLE, entry.entry_id)
        self._reached_once = False

    def reachable(self) -> None:
        """A poll went through: whatever was raised for this entry is over."""
        self._failures, self._asked = 0, False
        if not self._reached_once:
            # Raised before a reload (the entry followed the device): cleared once it answers.
            self._reached_once = True
            for key in (MOVED, UNSPEAKABLE):
                ir.async_delete_issue(self.hass, DOMAIN, f"{key}_{self.entry.entry_id}")
        self._moved.async_clear()
        self._unspeakable.async_clear()

    def unreachable(self) -> None:
        self._failures += 1
        if self._failures >= FAILURES_BEFORE_ASKING and not self._asked:
            self._asked = True
            self.entry.async_create_background_task(
                self.hass, self._async_ask(), f"lanmeter access {self.entry.title}"
            )

    async def _async_ask(self) -> None:
        try:
            connection = await find_connection(self.client.host)
        except KasaNewEncryptionError as err:
            _LOGGER.warning("%s: %s", self.entry.title, err)
            self._unspeakable.async_raise(
                {"name": self.entry.title, "model": err.model, "encryption": err.encryption}
            )
            return
        except KasaUnsupportedError:
            return
        current = self.client.connection
        if connection is None or (connection.device_family, connection.encryption_type) == (
            current.device_family,
            current.encryption_type,
        ):
            return  # simply away (unplugged, Wi-Fi down): it comes back by itself
        encryption = connection.encryption_type.value
        _LOGGER.warning(
            "%s: the device now talks %s over HTTP (a firmware update?); "
            "following it, and asking for the TP-Link account",
            self.entry.title,
            encryption,
        )
        self._moved.async_raise({"name": self.entry.title, "encryption": encryption})
        # The update listener reloads the entry with the new connection; with no account for
        # it, setup asks for one (reauth).
        self.hass.config_entries.async_update_entry(
            self.entry,
            data={
                **self.entry.data,
                CONF_PORT: connection.http_port or HTTP_PORT,
                CONF_CONNECTION: connection.to_dict(),
            },
        )
