"""A small client for the Home Assistant APIs the demo uses: onboarding, login, flows, dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from devkit.demo_dashboard import lanmeter_dashboard
from devkit.demo_history import import_demo_history
from devkit.energy_prefs import energy_prefs

DASHBOARD_URL_PATH = "lanmeter-demo"


class HomeAssistantClient:
    """Talks to one Home Assistant over HTTP and its websocket API."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.client_id = f"{base_url}/"
        self.token: str | None = None
        self._ids = itertools.count(1)
        self.last_entry_id: str | None = None

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def wait_until_up(self, limit_s: float = 600) -> None:
        """Poll until the HTTP server answers (the first start installs nothing but is slow)."""
        async with asyncio.timeout(limit_s):
            while True:
                try:
                    async with self.session.get(f"{self.base_url}/api/onboarding") as response:
                        if response.status in (200, 401, 404):
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(1)

    async def _post(self, path: str, json: dict[str, Any] | None = None) -> Any:
        async with self.session.post(
            f"{self.base_url}{path}", json=json or {}, headers=self._auth if self.token else None
        ) as response:
            body = await response.json(content_type=None)
            if response.status >= 400:
                raise RuntimeError(f"POST {path}: HTTP {response.status}: {body}")
            return body

    async def _token_from_code(self, code: str) -> None:
        async with self.session.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            response.raise_for_status()
            self.token = (await response.json())["access_token"]

    async def onboard_or_login(self, username: str, password: str) -> None:
        """Create the owner on the first run (what the onboarding screens do), else log in."""
        async with self.session.get(f"{self.base_url}/api/onboarding") as response:
            steps = await response.json() if response.status == 200 else []
        pending = {step["step"] for step in steps if not step["done"]}
        if "user" in pending:
            created = await self._post(
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": "Demo",
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            await self._token_from_code(created["auth_code"])
        else:
            flow = await self._post(
                "/auth/login_flow",
                {
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": self.client_id,
                },
            )
            done = await self._post(
                f"/auth/login_flow/{flow['flow_id']}",
                {"client_id": self.client_id, "username": username, "password": password},
            )
            await self._token_from_code(done["result"])
        for step in ("core_config", "analytics"):
            if step in pending:
                await self._post(f"/api/onboarding/{step}")
        if "integration" in pending:
            await self._post(
                "/api/onboarding/integration",
                {"client_id": self.client_id, "redirect_uri": self.client_id},
            )

    async def add_device(self, handler: str, steps: list[dict[str, Any]]) -> str:
        """Walk an integration's config flow with the given answers; return how it ended."""
        result = await self._post("/api/config/config_entries/flow", {"handler": handler})
        for answer in steps:
            if result["type"] not in ("menu", "form"):
                break
            result = await self._post(
                f"/api/config/config_entries/flow/{result['flow_id']}", answer
            )
        if result["type"] == "create_entry":
            self.last_entry_id = result["result"]["entry_id"]
            return f"added as {result['title']!r}"
        if result["type"] == "abort":
            return f"not added ({result['reason']})"
        return f"flow stopped at {result.get('step_id')}: {result.get('errors')}"

    async def set_options(self, entry_id: str, answers: dict[str, Any]) -> None:
        """Submit an entry's options form (what Configure does in the UI)."""
        flow = await self._post("/api/config/config_entries/options/flow", {"handler": entry_id})
        result = await self._post(
            f"/api/config/config_entries/options/flow/{flow['flow_id']}", answers
        )
        if result["type"] != "create_entry":
            raise RuntimeError(f"options for {entry_id}: {result}")

    @contextlib.asynccontextmanager
    async def websocket(self) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """An authenticated websocket API connection."""
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise RuntimeError("websocket authentication failed")
            yield ws

    @contextlib.asynccontextmanager
    async def state_changes(self, entity_id: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """A websocket that receives one message per state change of the entity (benchmarks)."""
        async with self.websocket() as ws:
            await ws.send_json(
                {
                    "id": next(self._ids),
                    "type": "subscribe_trigger",
                    "trigger": {"platform": "state", "entity_id": entity_id},
                }
            )
            await ws.receive_json()  # the subscription's result
            yield ws

    async def _ws(self, *messages: dict[str, Any]) -> list[Any]:
        """Send websocket commands in order; return their results."""
        results = []
        async with self.websocket() as ws:
            for message in messages:
                message_id = next(self._ids)
                await ws.send_json({"id": message_id, **message})
                while (reply := await ws.receive_json())["id"] != message_id:
                    pass
                if not reply["success"]:
                    raise RuntimeError(f"{message['type']}: {reply['error']}")
                results.append(reply["result"])
        return results

    async def _lanmeter_entities(self) -> list[dict[str, Any]]:
        (entities,) = await self._ws({"type": "config/entity_registry/list"})
        return [e for e in entities if e["platform"] == "lanmeter" and not e["disabled_by"]]

    async def entity_ids(self) -> list[str]:
        """LAN Meter's enabled entities."""
        return [e["entity_id"] for e in await self._lanmeter_entities()]

    async def wait_for_lanmeter_entities(self, devices: int, limit_s: float = 60) -> None:
        """Wait until the new entries' entities stop appearing (push devices add theirs when
        they first report), so the dashboard is built with all of them."""
        if not devices:
            return
        seen, steady = -1, 0
        async with asyncio.timeout(limit_s):
            while steady < 8:
                count = len(await self._lanmeter_entities())
                steady = steady + 1 if count == seen and count else 0
                seen = count
                await asyncio.sleep(1)

    async def state(self, entity_id: str) -> dict[str, Any]:
        async with self.session.get(
            f"{self.base_url}/api/states/{entity_id}", headers=self._auth
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def has_statistics(self, statistic_id: str) -> bool:
        """Whether the recorder holds any hourly statistics for it (in the last 60 days)."""
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
        (found,) = await self._ws(
            {
                "type": "recorder/statistics_during_period",
                "start_time": start.isoformat(),
                "statistic_ids": [statistic_id],
                "period": "hour",
                "types": ["sum"],
            }
        )
        return bool(found.get(statistic_id))

    async def import_demo_history(self) -> list[str]:
        """The demo's generated month for the Glow meter and Flume water (scripts/demo_history)."""
        entities = await self.entity_ids()
        return await import_demo_history(
            entities,
            self.state,
            self.has_statistics,
            self._ws,
            dt.datetime.now(await self.time_zone()),  # the home's hours
        )

    async def time_zone(self) -> ZoneInfo:
        async with self.session.get(f"{self.base_url}/api/config", headers=self._auth) as reply:
            return ZoneInfo((await reply.json())["time_zone"])

    async def restore_while_disabled(self, entry_id: str, write: Callable[[], None]) -> None:
        """Disable an entry (it unloads and saves what it stores), `write` its storage, enable
        it again (it starts from what was written): as a backup restore would."""
        await self._ws(
            {"type": "config_entries/disable", "entry_id": entry_id, "disabled_by": "user"}
        )
        write()
        await self._ws(
            {"type": "config_entries/disable", "entry_id": entry_id, "disabled_by": None}
        )

    async def fill_energy_dashboard(self) -> None:
        """Energy dashboard: Glow grid and gas, Flume water, outlets and Insights as devices,
        each with its live power or flow for the *Now* tab (devkit/energy_prefs.py)."""
        ids = await self.entity_ids()
        async with self.session.get(f"{self.base_url}/api/config", headers=self._auth) as reply:
            version = (await reply.json())["version"]
        await self._ws({"type": "energy/save_prefs", **energy_prefs(ids, version)})

    async def energy_totals_added(self) -> AsyncIterator[str]:
        """Each LAN Meter energy total entity created from now on (a device added, an
        appliance named): a websocket subscription, which outlives the access token."""
        async with self.websocket() as ws:
            await ws.send_json(
                {"id": 1, "type": "subscribe_events", "event_type": "entity_registry_updated"}
            )
            async for message in ws:
                data = message.json().get("event", {}).get("data", {})
                entity_id = str(data.get("entity_id", ""))
                if data.get("action") == "create" and entity_id.endswith("_energy_total"):
                    yield entity_id

    async def automation_from_device_triggers(
        self, alias: str, wanted: dict[str, list[str]]
    ) -> str:
        """An automation as the editor saves one, triggered by devices' triggers as the editor
        lists them (`wanted`: device name -> trigger types); returns its id."""
        (devices,) = await self._ws({"type": "config/device_registry/list"})
        triggers: list[dict[str, Any]] = []
        for name, types in wanted.items():
            device_id = next(d["id"] for d in devices if (d["name_by_user"] or d["name"]) == name)
            (listed,) = await self._ws(
                {"type": "device_automation/trigger/list", "device_id": device_id}
            )
            triggers += [t for t in listed if t["domain"] == "lanmeter" and t["type"] in types]
        automation_id = "lanmeter_" + "_".join(alias.lower().split())
        await self._post(
            f"/api/config/automation/config/{automation_id}",
            {"id": automation_id, "alias": alias, "triggers": triggers, "actions": []},
        )
        return automation_id

    async def save_lanmeter_dashboard(self, note: str | None = None) -> None:
        """The "LAN Meter" dashboard (devkit/demo_dashboard.py), rebuilt on every start."""
        entities = await self._lanmeter_entities()
        (dashboards,) = await self._ws({"type": "lovelace/dashboards/list"})
        config = lanmeter_dashboard(((e["entity_id"], e["unique_id"]) for e in entities), note)
        messages: list[dict[str, Any]] = []
        if not any(d["url_path"] == DASHBOARD_URL_PATH for d in dashboards):
            messages.append(
                {
                    "type": "lovelace/dashboards/create",
                    "url_path": DASHBOARD_URL_PATH,
                    "title": "LAN Meter",
                    "icon": "mdi:meter-electric",
                    "show_in_sidebar": True,
                    "require_admin": False,
                    "mode": "storage",
                }
            )
        messages.append(
            {
                "type": "lovelace/config/save",
                "url_path": DASHBOARD_URL_PATH,
                "config": config,
            }
        )
        await self._ws(*messages)
