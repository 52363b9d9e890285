"""How a kind names its devices, declared once per kind (its const.py): the device registry's
identifier, the prefix of its entities' unique ids, and the way back from a device entry to the
kind's own id (a deleted device's coordinator must know which one it was)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.helpers.device_registry import DeviceEntry

from .const import DOMAIN


@dataclass(frozen=True)
class DeviceIdentity:
    """`<prefix>_<device id>`: a WeMo's serial, a Glow CAD's id, a Flume bridge's sensor id."""

    prefix: str

    def key(self, device_id: str) -> str:
        """The device's identifier and its entities' unique-id prefix."""
        return f"{self.prefix}_{device_id}"

    def identifier(self, device_id: str) -> tuple[str, str]:
        return (DOMAIN, self.key(device_id))

    def device_id_of(self, device: DeviceEntry) -> str | None:
        """The kind's own id of a registry device, or None when it is not one of this kind's."""
        for domain, identifier in device.identifiers:
            if domain == DOMAIN and identifier.startswith(f"{self.prefix}_"):
                return identifier.removeprefix(f"{self.prefix}_")
        return None
