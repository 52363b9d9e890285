"""Changing loads for simulated strips (the demo and benchmarks): appliances that cycle."""

from __future__ import annotations

import asyncio
import math
import random
import time

from devkit.simulators.kasa_device import SimulatedKasaDevice

# (name, watts when running, seconds on, seconds off); 0 seconds off means always on.
KITCHEN = [
    ("Fridge", 120.0, 40, 80),
    ("Kettle", 2200.0, 20, 100),
    ("Toaster", 900.0, 15, 120),
    ("Microwave", 1100.0, 30, 150),
    ("Radio", 6.0, 1, 0),
    ("Dishwasher", 1800.0, 60, 60),
]
LIVING_ROOM = [
    ("TV", 85.0, 1, 0),
    ("Games console", 140.0, 90, 60),
    ("Lamp", 9.0, 1, 0),
    ("Router", 11.0, 1, 0),
    ("Heater", 1500.0, 45, 90),
    ("Charger", 18.0, 60, 30),
]

OFFICE = [
    ("Desktop PC", 160.0, 120, 30),
    ("Monitor", 28.0, 1, 0),
    ("Printer", 450.0, 10, 170),
    ("Desk lamp", 8.0, 1, 0),
    ("Space heater", 1200.0, 50, 100),
    ("Phone charger", 5.0, 1, 0),
]


def name_outlets(sim: SimulatedKasaDevice, alias: str, appliances: list) -> None:
    sim.sysinfo["alias"] = alias
    for child, (name, *_rest) in zip(sim.sysinfo["children"], appliances, strict=True):
        child["alias"] = name
    for outlet in sim.outlets:
        outlet.on = True


async def drive(sim: SimulatedKasaDevice, appliances: list, period_s: float = 2.0) -> None:
    """Each appliance draws its power while 'running' (with a little noise), else standby."""
    # Strips start at different points of their cycles, the same ones every run.
    start = time.monotonic() - random.Random(sim.mac).uniform(0, 100)
    while True:
        now = time.monotonic() - start
        for slot, (_name, watts, on_s, off_s) in enumerate(appliances):
            running = off_s == 0 or (now % (on_s + off_s)) < on_s
            noise = 1 + 0.02 * math.sin(now / 3 + slot)
            sim.set_load(slot, round(watts * noise, 1) if running else 0.4)
        await asyncio.sleep(period_s)
