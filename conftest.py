"""Root conftest: import custom_components before pytest-homeassistant-custom-component's hass
fixture puts its own testing_config first on sys.path and shadows this repository's package."""

import custom_components
import custom_components.lanmeter  # noqa: F401

# Each kind's fixtures (tests/kinds/) and the real Mosquitto broker (tests/mosquitto.py), for
# every test module: fixtures are never imported from another test module.
pytest_plugins = [
    "tests.mosquitto",
    "tests.kinds.kasa",
    "tests.kinds.kasa_smart",
    "tests.kinds.wemo",
    "tests.kinds.flume",
    "tests.kinds.glow",
    "tests.kinds.home",
    "tests.kinds.cycles",
]
