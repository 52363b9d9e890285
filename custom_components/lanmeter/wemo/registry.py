"""One pywemo SubscriptionRegistry (callback HTTP server) shared by every WeMo entry.

Started by the first WeMo entry, stopped with the last; kept in hass.data[WEMO_REGISTRY].
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
import logging
import os
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant
from homeassistant.util.hass_dict import HassKey
from pywemo import SubscriptionRegistry, WeMoDevice, ssdp

from ..const import DOMAIN
from .const import CONF_CALLBACK_PORT

_LOGGER = logging.getLogger(__name__)

WEMO_REGISTRY: HassKey[SharedRegistry] = HassKey(f"{DOMAIN}_wemo_registry")
WEMO_REGISTRY_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_wemo_registry_lock")
DEFAULT_CALLBACK_PORT = 8989


def callback_port(options: Mapping[str, Any]) -> int:
    """The port pywemo's callback server listens on: the entry's option, else 8989."""
    return int(options.get(CONF_CALLBACK_PORT, DEFAULT_CALLBACK_PORT))


class SharedRegistry:
    def __init__(self, hass: HomeAssistant, port: int, callback_address: str | None) -> None:
        self.hass = hass
        self.requested_port = port
        self.callback_address = callback_address
        self.users = 0
        self._registry: SubscriptionRegistry | None = None
        self._followed: dict[WeMoDevice, Callable[[WeMoDevice, str, str], None]] = {}
        # Every WeMo entry's options listener calls async_apply with the same settings.
        self._apply_lock = asyncio.Lock()
        self._responder: ssdp.DiscoveryResponder | None = None

    @property
    def port(self) -> int:
        return self._registry.port if self._registry else self.requested_port

    async def async_start(self) -> None:
        # pywemo reads the address devices should call back from its environment.
        if self.callback_address:
            os.environ["PYWEMO_CALLBACK_ADDRESS"] = f"{self.callback_address}:{self.requested_port}"
        else:
            os.environ.pop("PYWEMO_CALLBACK_ADDRESS", None)
        registry = SubscriptionRegistry(requested_port=self.requested_port)
        await self.hass.async_add_executor_job(registry.start)
        self._registry = registry

    async def async_enable_long_press(self) -> None:
        """Answer WeMo SSDP searches with pywemo's virtual device (served by the callback
        server): a Light Switch finds it there and sends it its long presses. Only started
        once a switch with long press is set up."""
        if self._responder is None and self._registry is not None:
            self._responder = ssdp.DiscoveryResponder(self._registry.port)
            await self.hass.async_add_executor_job(self._responder.start)

    async def async_stop(self) -> None:
        responder, self._responder = self._responder, None
        if responder:
            try:
                await self.hass.async_add_executor_job(responder.stop)
            except OSError as err:  # its thread failed (port 1900 unusable): already logged
                _LOGGER.debug("WeMo discovery responder had stopped: %s", err)
        registry, self._registry = self._registry, None
        if registry:
            await self.hass.async_add_executor_job(registry.stop)

    async def async_apply(self, port: int, callback_address: str | None) -> None:
        """New push settings (options): restart the callback server there and subscribe every
        followed device again, without reloading any entry. If the new port cannot be opened,
        say so and keep the old settings."""
        async with self._apply_lock:
            if (port, callback_address) != (self.requested_port, self.callback_address):
                await self._restart(port, callback_address)

    async def _restart(self, port: int, callback_address: str | None) -> None:
        old = (self.requested_port, self.callback_address)
        long_press = self._responder is not None
        await self.async_stop()
        self.requested_port, self.callback_address = port, callback_address
        try:
            await self.async_start()
        except OSError as err:
            _LOGGER.error(
                "Cannot receive WeMo push updates on port %s (%s); still using port %s. "
                "Free the port or choose another one in the WeMo options",
                port,
                err,
                old[0],
            )
            self.requested_port, self.callback_address = old
            await self.async_start()
        for device, callback in list(self._followed.items()):
            await self.follow(device, callback)
        if long_press:
            await self.async_enable_long_press()

    async def follow(
        self, device: WeMoDevice, callback: Callable[[WeMoDevice, str, str], None]
    ) -> None:
        assert self._registry is not None
        self._followed[device] = callback
        self._registry.on(device, None, callback)
        await self.hass.async_add_executor_job(self._registry.register, device)

    async def forget(self, device: WeMoDevice) -> None:
        self._followed.pop(device, None)
        if self._registry:
            await self.hass.async_add_executor_job(self._registry.unregister, device)

    def is_subscribed(self, device: WeMoDevice) -> bool:
        return bool(self._registry and self._registry.is_subscribed(device))


async def async_acquire(
    hass: HomeAssistant, port: int, callback_address: str | None
) -> SharedRegistry:
    """The running registry, started now if this is the first WeMo entry.

    Entries set up concurrently (at Home Assistant start) must not each start a callback
    server on the same port: the lock makes the first one start it and the others wait.
    """
    async with hass.data.setdefault(WEMO_REGISTRY_LOCK, asyncio.Lock()):
        return await _acquire_locked(hass, port, callback_address)


async def _acquire_locked(
    hass: HomeAssistant, port: int, callback_address: str | None
) -> SharedRegistry:
    shared = hass.data.get(WEMO_REGISTRY)
    if shared is None:
        shared = SharedRegistry(hass, port, callback_address)
        await shared.async_start()
        hass.data[WEMO_REGISTRY] = shared

        async def stop(event: Event) -> None:
            # Unsubscribe as Home Assistant stops, so devices stop calling a closed port.
            if hass.data.get(WEMO_REGISTRY) is shared:
                hass.data.pop(WEMO_REGISTRY, None)
                await shared.async_stop()

        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)
    shared.users += 1
    return shared


async def async_release(hass: HomeAssistant, shared: SharedRegistry) -> None:
    shared.users -= 1
    if shared.users <= 0:
        hass.data.pop(WEMO_REGISTRY, None)
        await shared.async_stop()
