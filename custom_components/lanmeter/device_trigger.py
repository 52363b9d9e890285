"""Device triggers: every event LAN Meter produces, offered on its device in the automation editor.

The event entities stay the interface; a device trigger is one of them with its event type
chosen (and, for an appliance step, its size bounded), so nobody needs a template condition.
Each event type an event entity declares (its `event_types` capability) is one trigger type, in
the editor's words from `device_automation.trigger_type` in the translations.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_PLATFORM,
    CONF_TYPE,
    STATE_UNAVAILABLE,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HassJob,
    HomeAssistant,
    callback,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .const import DOMAIN

# Trigger types that differ from their event type: the WeMo long press keeps core's name, so
# people moving from core's WeMo integration find it where it was.
TRIGGER_TYPES = {"long_press": "LongPress"}
EVENT_TYPES = {trigger: event for event, trigger in TRIGGER_TYPES.items()}

# An appliance step's size (the event's `step_w`, either sign) can be bounded.
STEP_EVENTS = frozenset({"appliance_on", "appliance_off"})
CONF_MIN_STEP_W = "min_step_w"
CONF_MAX_STEP_W = "max_step_w"
STEP_FIELDS: dict[vol.Optional, Any] = {
    vol.Optional(CONF_MIN_STEP_W): vol.All(vol.Coerce(float), vol.Range(min=0)),
    vol.Optional(CONF_MAX_STEP_W): vol.All(vol.Coerce(float), vol.Range(min=0)),
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid, vol.Required(CONF_TYPE): cv.string}
).extend(STEP_FIELDS)


# State attributes of an event entity that are not the event's own data.
NOT_EVENT_DATA = frozenset(
    {ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, "friendly_name", "device_class", "icon"}
)


def trigger_type(event_type: str) -> str:
    return TRIGGER_TYPES.get(event_type, event_type)


def event_type(trigger: str) -> str:
    return EVENT_TYPES.get(trigger, trigger)


def _event_entities(hass: HomeAssistant, device_id: str) -> list[er.RegistryEntry]:
    return [
        entry
        for entry in er.async_entries_for_device(er.async_get(hass), device_id)
        if entry.domain == "event" and entry.platform == DOMAIN
    ]


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    config = TRIGGER_SCHEMA(config)
    if event_type(config[CONF_TYPE]) not in STEP_EVENTS and (
        CONF_MIN_STEP_W in config or CONF_MAX_STEP_W in config
    ):
        raise vol.Invalid(f"{config[CONF_TYPE]} has no step to bound")
    return config


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """One trigger per event type of each LAN Meter event entity on the device."""
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_ENTITY_ID: entry.id,
            CONF_TYPE: trigger_type(kind),
        }
        for entry in _event_entities(hass, device_id)
        for kind in (entry.capabilities or {}).get(ATTR_EVENT_TYPES, [])
    ]


async def async_get_trigger_capabilities(
    hass: HomeAssistant, config: ConfigType
) -> dict[str, vol.Schema]:
    """An appliance step can be bounded: smallest and largest size in W (both optional)."""
    if event_type(config[CONF_TYPE]) in STEP_EVENTS:
        return {"extra_fields": vol.Schema(STEP_FIELDS)}
    return {}


def _step_within(attributes: dict[str, Any], config: ConfigType) -> bool:
    if CONF_MIN_STEP_W not in config and CONF_MAX_STEP_W not in config:
        return True
    try:
        size = abs(float(attributes["step_w"]))
    except (KeyError, TypeError, ValueError):
        return False
    smallest = float(config.get(CONF_MIN_STEP_W, 0.0))
    largest = float(config.get(CONF_MAX_STEP_W, float("inf")))
    return smallest <= size <= largest


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Run the action each time the event entity shows an event of the chosen type."""
    entity_id = er.async_validate_entity_id(er.async_get(hass), config[CONF_ENTITY_ID])
    wanted = event_type(config[CONF_TYPE])
    job = HassJob(action, f"LAN Meter device trigger {config[CONF_TYPE]} of {entity_id}")
    trigger_data = trigger_info["trigger_data"]

    @callback
    def state_changed(event: Event[EventStateChangedData]) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        # An event entity's state is the time of its last event. A restored state (after a
        # restart or reload, coming from None or unavailable) is no new event.
        if new is None or old is None or old.state == STATE_UNAVAILABLE:
            return
        if new.state == old.state or new.attributes.get(ATTR_EVENT_TYPE) != wanted:
            return
        attributes = dict(new.attributes)
        if not _step_within(attributes, config):
            return
        hass.async_run_hass_job(
            job,
            {
                "trigger": {
                    **trigger_data,
                    CONF_PLATFORM: "device",
                    CONF_DOMAIN: DOMAIN,
                    CONF_DEVICE_ID: config[CONF_DEVICE_ID],
                    CONF_TYPE: config[CONF_TYPE],
                    CONF_ENTITY_ID: entity_id,
                    "event_type": wanted,
                    "event": {k: v for k, v in attributes.items() if k not in NOT_EVENT_DATA},
                    "from_state": old,
                    "to_state": new,
                    "description": f"{wanted} of {entity_id}",
                }
            },
            event.context,
        )

    return async_track_state_change_event(hass, [entity_id], state_changed)
