"""Run a real Home Assistant as a child process with this checkout's LAN Meter (demo, bench)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import os
from pathlib import Path
import sys

REPO = Path(__file__).resolve().parent.parent


def bench_configuration(http_port: int) -> str:
    """A bare Home Assistant for benchmarks: HTTP API only, errors only in the log."""
    return (
        "homeassistant:\n  name: bench\n  unit_system: metric\n  time_zone: UTC\n"
        "  latitude: 0\n  longitude: 0\n  elevation: 0\n"
        f"http:\n  server_port: {http_port}\napi:\nlogger:\n  default: error\n"
    )


def link_integration(config_dir: Path, configuration_yaml: str) -> None:
    """A config directory whose custom_components/lanmeter is this checkout's integration."""
    config_dir.mkdir(parents=True, exist_ok=True)
    yaml_path = config_dir / "configuration.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(configuration_yaml)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "lanmeter"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "lanmeter")


@contextlib.asynccontextmanager
async def home_assistant(
    config_dir: Path, *extra_args: str, quiet: bool = False
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start `python -m homeassistant`; stop it (SIGTERM, then SIGKILL after 60 s) on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "homeassistant",
        "--config",
        str(config_dir),
        *extra_args,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.DEVNULL if quiet else None,
        stderr=asyncio.subprocess.DEVNULL if quiet else None,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                await process.wait()


async def pin_to_cpu(pid: int, cpu: int = 0) -> None:
    """Keep a process on one CPU (benchmarks measure "on one core")."""
    pin = await asyncio.create_subprocess_exec(
        "taskset", "-pc", str(cpu), str(pid), stdout=asyncio.subprocess.DEVNULL
    )
    await pin.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
