"""Root conftest: import custom_components before pytest-homeassistant-custom-component's hass
fixture puts its own testing_config first on sys.path and shadows this repository's package."""

import custom_components
import custom_components.lanmeter  # noqa: F401
