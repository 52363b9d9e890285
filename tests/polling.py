"""Waiting for something to happen, instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Poll `condition` until it holds; fail (TimeoutError) after `seconds`."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - other threads and peers do the work
            await asyncio.sleep(0.05)
