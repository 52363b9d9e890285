"""The lanmeter.calibrate_flume action: learn the liters per pulse from a known volume."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
import voluptuous as vol

from ..const import CONF_KIND, DOMAIN, KIND_FLUME
from . import FlumeRuntime
from .const import CONF_LITERS_PER_PULSE, SERVICE_CALIBRATE

ATTR_ENTRY = "config_entry_id"
ATTR_STEP = "step"
ATTR_VOLUME = "volume_l"

SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTRY): str,
        vol.Required(ATTR_STEP): vol.In(["start", "stop"]),
        vol.Optional(ATTR_VOLUME): vol.All(vol.Coerce(float), vol.Range(min=0.01)),
    }
)


def _error(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


async def _calibrate(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = hass.config_entries.async_get_entry(call.data[ATTR_ENTRY])
    if entry is None or entry.domain != DOMAIN or entry.data.get(CONF_KIND) != KIND_FLUME:
        raise _error("flume_not_found")
    if entry.state is not ConfigEntryState.LOADED:
        raise _error("flume_not_loaded")
    flume = entry.runtime_data.runtime
    if not isinstance(flume, FlumeRuntime):  # the kind was checked above: never false
        raise _error("flume_not_found")
    coordinator = flume.coordinator
    try:
        if call.data[ATTR_STEP] == "start":
            coordinator.calibration_start()
            return {"started_at_pulses": coordinator.state.calibration_start_pulses or 0}
        if ATTR_VOLUME not in call.data:
            raise _error("flume_volume_needed")
        liters = coordinator.calibration_stop(call.data[ATTR_VOLUME])
    except ValueError as err:
        raise _error("flume_calibration_failed", error=str(err)) from err
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_LITERS_PER_PULSE: round(liters, 6)}
    )
    return {"liters_per_pulse": round(liters, 6)}


def async_register(hass: HomeAssistant) -> None:
    hass.services.async_register(
        DOMAIN,
        SERVICE_CALIBRATE,
        _calibrate,
        schema=SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
