"""Where a coordinator announces events (appliance on/off, leaks, long presses).

Event entities subscribe when Home Assistant adds them and unsubscribe when it removes them, so
a coordinator never holds a reference to an entity, and nothing is assigned onto it from outside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback

type EventListener = Callable[[str, dict[str, Any]], None]


class EventSource:
    """A coordinator's events: `fire` them; event entities `async_subscribe`."""

    def __init__(self) -> None:
        self._listeners: list[EventListener] = []

    @callback
    def async_subscribe(self, listener: EventListener) -> CALLBACK_TYPE:
        self._listeners.append(listener)

        @callback
        def unsubscribe() -> None:
            self._listeners.remove(listener)

        return unsubscribe

    @callback
    def fire(self, event_type: str, attributes: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            listener(event_type, attributes)
