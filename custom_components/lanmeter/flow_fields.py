"""What every kind's config flow shares: its mixins' base, and form fields (one definition of
each)."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING

from homeassistant.helpers import selector

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlow

    FlowMixin = ConfigFlow
else:
    # A kind's steps are a mixin of LanMeterConfigFlow: typed as the ConfigFlow they run in,
    # without a second ConfigFlow base (which would register the flow twice).
    FlowMixin = object

_LOGGER = logging.getLogger(__name__)


def error_key(err: Exception, keys: Mapping[type[Exception], str], connecting_to: str) -> str:
    """The form error (or abort reason) for what connecting raised: the first of `keys` whose
    exception type it is, else "unknown", with its traceback logged."""
    for kind, key in keys.items():
        if isinstance(err, kind):
            return key
    _LOGGER.error("Unexpected error while connecting to %s", connecting_to, exc_info=err)
    return "unknown"


PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
)
PASSWORD_SELECTOR = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)


def number_box(
    minimum: float, maximum: float, step: float = 1, unit: str | None = None
) -> selector.NumberSelector:
    """A typed-in number (a slider cannot hit 0.0001 L per pulse or a port)."""
    config = selector.NumberSelectorConfig(
        min=minimum, max=maximum, step=step, mode=selector.NumberSelectorMode.BOX
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)
