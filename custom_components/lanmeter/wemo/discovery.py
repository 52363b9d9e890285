"""Finding a WeMo at an address: probe its ports and build the pywemo device. Protocol work only,
no Home Assistant import (the config flow and the entry setup both ask it)."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from pywemo import WeMoDevice, device_from_description, setup_url_for_address
from pywemo.exceptions import ActionException, PyWeMoException

# What pywemo raises when a device is gone or answers nonsense.
DEVICE_ERRORS = (PyWeMoException, ActionException, OSError, ValueError)


class NotAWemoError(Exception):
    """Something serves setup.xml there, but pywemo does not take it for a WeMo."""


def connect(host: str, port: int | None) -> WeMoDevice | None:
    """Blocking: probe the port (or ports 49151-49159) and build the pywemo device.

    None when nothing answers; NotAWemoError when something else does.
    """
    url = setup_url_for_address(host, port)
    if url is None:
        return None
    parsed = urlparse(url)
    try:
        # pywemo builds the URL for a given port without trying it: is anything there?
        socket.create_connection((parsed.hostname, parsed.port or 80), timeout=3).close()
    except OSError:
        return None
    try:
        device = device_from_description(url)
    except DEVICE_ERRORS as err:
        raise NotAWemoError(str(err)) from err
    if device is None:
        raise NotAWemoError(f"{url} does not describe a WeMo")
    return device
