"""A real Mosquitto broker on 127.0.0.1 for tests, the demo and benchmarks (Debian puts the
binary in sbin). No pytest here: the demo and benchmarks run without it."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import os
from pathlib import Path
import shutil
import socket
import subprocess
import time

SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def mosquitto_binary() -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    return shutil.which("mosquitto", path=path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_broker(
    directory: Path, users: dict[str, str] | None = None, port: int | None = None
) -> Iterator[int]:
    """Start mosquitto with its own config; yield its port; stop it. Fails if it cannot run."""
    binary = mosquitto_binary()
    assert binary, "mosquitto is not installed: run ./scripts/setup (Debian package mosquitto)"
    port = port or free_port()
    lines = [f"listener {port} 127.0.0.1", "persistence false"]
    if os.geteuid() == 0:
        # Started as root, mosquitto switches to the "mosquitto" user, which cannot read files
        # in the test's private temporary folder.
        lines.append("user root")
    if users:
        password_file = directory / "passwd"
        password_file.write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
        password_file.chmod(0o600)
        subprocess.run(
            [
                shutil.which("mosquitto_passwd", path=os.pathsep.join((*SBIN, "/usr/bin")))
                or "mosquitto_passwd",
                "-U",
                str(password_file),
            ],
            check=True,
        )
        lines += ["allow_anonymous false", f"password_file {password_file}"]
    else:
        lines.append("allow_anonymous true")
    config = directory / "mosquitto.conf"
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen(
        [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"mosquitto did not start: {error}")
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)
