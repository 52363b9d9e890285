"""Waiting for something to happen, instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.core import HomeAssistant


async def until(
    condition: Callable[[], bool], seconds: float = 10, hass: HomeAssistant | None = None
) -> None:
    """Poll `condition` until it holds; fail (TimeoutError) after `seconds`. With `hass`, let
    Home Assistant finish what each wait started (state writes after a packet) before asking
    again."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.05)
            if hass is not None:
                await hass.async_block_till_done()
