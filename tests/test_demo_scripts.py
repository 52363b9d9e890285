"""The demo's generated history and its home page (devkit/demo_history.py, demo_dashboard.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
import re
from zoneinfo import ZoneInfo

import pytest

from custom_components.lanmeter.home.appliances import OFFERED, ApplianceLearner
from custom_components.lanmeter.home.breakdown import steps_match
from devkit.demo_dashboard import README_EXAMPLE, lanmeter_dashboard, readme_yaml
from devkit.demo_history import DEMO_SERIES, WATER, demo_rows
from devkit.demo_household import appliance_watts, learned_week

README = Path(__file__).resolve().parent.parent / "README.md"


def test_generated_history_ends_at_the_sensors_value_with_a_daily_shape() -> None:
    london = ZoneInfo("Europe/London")
    now = dt.datetime(2026, 11, 29, 13, 25, tzinfo=london)
    rows = demo_rows(WATER, 15.0, current_state=0.0, now=now, seed="sensor.flume_water_total")
    starts = [dt.datetime.fromisoformat(r["start"]) for r in rows]
    assert len(rows) == 30 * 24
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(starts))
    assert starts[-1] == dt.datetime(2026, 11, 29, 12, tzinfo=london)  # the hour before this one
    assert rows[-1]["state"] == pytest.approx(0.0, abs=1e-3)  # joins the sensor's value
    use = [b["sum"] - a["sum"] for a, b in itertools.pairwise(rows)]
    assert min(use) > 0
    assert rows[-1]["sum"] / len(rows) == pytest.approx(15.0, rel=1e-3)
    by_hour = {
        h: sum(u for s, u in zip(starts[1:], use, strict=True) if s.hour == h) for h in (3, 7)
    }
    assert by_hour[7] > 10 * by_hour[3]  # showers in the morning, not at 3 am
    # The same sensor gets the same month on every fresh demo.
    assert demo_rows(WATER, 15.0, 0.0, now, seed="sensor.flume_water_total") == rows


def test_the_demo_fills_only_the_meter_and_water_totals() -> None:
    assert set(DEMO_SERIES) == {"_electricity_imported", "_gas_volume", "_water_total"}


def test_the_home_page_shows_every_kind_and_leaves_out_what_is_missing() -> None:
    view = lanmeter_dashboard(README_EXAMPLE)["views"][0]
    titles = [card.get("title") for column in view["cards"] for card in column["cards"]]
    every_kind = {"Power now", "Power by device, and Other", "Energy today by device", "Water",
                  "Smart meter today", "WeMo", "Appliances, water and buttons"}  # fmt: skip
    assert every_kind <= set(titles)
    stacked = next(
        c for col in view["cards"] for c in col["cards"] if c.get("chart_type") == "line-stack"
    )
    assert stacked["entities"][-1] == "sensor.home_other_power"  # Other on top of the devices

    kasa_only = [(e, u) for e, u in README_EXAMPLE if re.match(r"^[0-9A-F]{2}:", u)]
    view = lanmeter_dashboard(kasa_only)["views"][0]
    titles = [card.get("title") for column in view["cards"] for card in column["cards"]]
    assert "Water" not in titles and "Power now" not in titles
    assert "Power by device, and Other" in titles
    empty = lanmeter_dashboard([])["views"][0]["cards"]
    assert "No LAN Meter devices" in empty[-1]["content"]


@pytest.mark.repo_check
def test_readme_shows_the_dashboard_the_builder_makes() -> None:
    block = re.search(r"Dashboard view \(YAML\).*?```yaml\n(.*?)```", README.read_text(), re.S)
    assert block is not None, "README lost its dashboard YAML"
    assert block.group(1) == readme_yaml(), "update README: python -m devkit.demo_dashboard"


def test_the_demo_home_offers_its_kettle_oven_and_toaster_from_its_generated_week() -> None:
    """The demo's home entry starts with a week learned from household DEMO_HOUSEHOLD: its
    kettle, oven and toaster are offered (with the sizes the live CAD keeps drawing), the runs
    end now and their hours are the home's."""
    now = dt.datetime(2026, 12, 6, 18, 30, tzinfo=dt.UTC).timestamp()
    london = ZoneInfo("Europe/London")
    learned = ApplianceLearner.from_dict(learned_week(now, london))
    offered = [s for s in learned.signatures.values() if s.status == OFFERED]
    for appliance in ("kettle", "oven", "toaster"):
        watts = appliance_watts(appliance)
        assert any(steps_match(s.size_w, watts) for s in offered), (appliance, offered)
    assert now - 7 * 86400 <= min(r.started for r in learned.runs)
    assert max(r.started for r in learned.runs) <= now
    run = learned.runs[0]
    assert run.hour == dt.datetime.fromtimestamp(run.started, london).hour
