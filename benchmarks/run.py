"""Benchmark runner (issue 7): real `euryale start` server + worker on their own PostgreSQL database and Redis
prefix, the dataset of `seed_dataset.py`, each scenario driven for `--duration` seconds, a markdown table written to
`benchmarks/results/<date>-<commit>.md`.

    .venv/bin/python -m benchmarks.run                  # 200 products × 6 variants, 20 s per scenario
    .venv/bin/python -m benchmarks.run --scale 10       # the 10× dataset
    .venv/bin/python -m benchmarks.run --duration 5 --scenarios regions,products_list

HTTP scenarios use `wrk` (installed with apt-get when absent, with a message) or, with `--tool python` or when wrk
cannot be installed, an asyncio + httpx load generator (slower client: numbers are a lower bound). The checkout flow
(18 dependent requests) always uses a Python generator (aiohttp + orjson; its own CPU per flow is reported). A scenario whose route does not answer 2xx yet is reported
as such instead of measured.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import httpx
import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.seed_dataset import seed_url  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.servers import EuryaleProcess, free_port, process_env, run_cli  # noqa: E402

TARGETS = {
    "health": "—",
    "regions": "—",
    "products_list": "≥ 300 req/s, p99 < 150 ms",
    "product_detail": "≥ 1,000 req/s",
    "create_cart": "—",
    "add_line_item": "≥ 500 req/s",
    "checkout_flow": "≥ 30 flows/s, p99 < 1 s",
    "admin_orders": "≥ 200 req/s",
    "event_bus": "≥ 5,000 events/s",
}
MEDUSA = {
    "regions": "125–175 req/s",
    "products_list": "6–7 req/s, p50 2.1 s",
    "product_detail": "25–29 req/s",
    "create_cart": "10–12 req/s",
    "checkout_flow": "0.5 flows/s, p50 15 s",
}


@dataclass
class Result:
    name: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    cpu_pct: float | None = None
    rss_mb: float | None = None
    note: str = ""
    unit: str = "req/s"


@dataclass
class Ctx:
    url: str
    key: str
    data: dict[str, Any]
    server: EuryaleProcess
    tool: str
    duration: float
    concurrency: int
    carts: list[str] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    worker_pid: int | None = None  # the worker process (subscribers): its CPU is reported for the checkout flow

    @property
    def headers(self) -> dict[str, str]:
        return {"x-publishable-api-key": self.key, "content-type": "application/json", **self.extra_headers}


# ---------- process sampling (server CPU and RSS from /proc) ----------

def _stat_fields(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _tree(pid: int) -> list[int]:
    """`pid` and its live children: `euryale start -w N` forks N serving processes whose CPU and memory count too
    (a child's CPU reaches the parent's counters only once it has been reaped)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    pids.append(int(entry.name))
            except (OSError, IndexError, ValueError):  # exited while we looked
                continue
    return pids


def _cpu_ticks(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            fields = _stat_fields(p)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _rss_mb(pid: int) -> float:
    total = 0.0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


class Sampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.hz = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Sampler:
        self.t0, self.c0 = time.monotonic(), _cpu_ticks(self.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        elapsed = time.monotonic() - self.t0
        self.cpu_pct = 100.0 * (_cpu_ticks(self.pid) - self.c0) / self.hz / max(elapsed, 1e-6)
        self.rss_mb = _rss_mb(self.pid)


# ---------- load generators ----------

def ensure_wrk() -> str | None:
    """wrk's path; installs it with apt-get (printing why) when absent and possible."""
    path = shutil.which("wrk")
    if path:
        return path
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("wrk is not installed: installing it with `apt-get install -y wrk` (used to drive HTTP load)...")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        return shutil.which("wrk")
    print("wrk is not installed and cannot be installed here: using the Python load generator (lower bound)")
    return None


_LUA = """
local headers = {headers}
local method = "{method}"
local bodies = {bodies}
local paths = {paths}
local i = 0
request = function()
  i = i + 1
  local p = paths[(i % #paths) + 1]
  local b = nil
  if #bodies > 0 then b = bodies[(i % #bodies) + 1] end
  return wrk.format(method, p, headers, b)
end
done = function(summary, latency, requests)
  io.write(string.format("JSON{{\\"requests\\":%d,\\"rps\\":%f,\\"p50\\":%f,\\"p99\\":%f,\\"non2xx\\":%d,\\"errors\\":%d}}\\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
"""


def _lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(x) for x in items) + "}"


def _wrk_script(ctx: Ctx, method: str, paths: list[str], bodies: list[str] | None = None) -> str:
    """A temporary wrk Lua script cycling over `paths` (and `bodies`); the caller deletes it."""
    headers = "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in ctx.headers.items()) + "}"
    script = _LUA.format(headers=headers, method=method, bodies=_lua_list(bodies or []), paths=_lua_list(paths))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    return f.name


def _wrk_json(out: str) -> dict[str, Any] | None:
    m = re.search(r"JSON(\{.*\})", out)
    return json.loads(m.group(1)) if m else None


def run_wrk(ctx: Ctx, wrk: str, method: str, paths: list[str], bodies: list[str] | None = None) -> Result:
    script = _wrk_script(ctx, method, paths, bodies)
    try:
        threads = min(2, ctx.concurrency)
        with Sampler(ctx.server.pid) as s:
            out = subprocess.run([wrk, f"-t{threads}", f"-c{ctx.concurrency}", f"-d{int(ctx.duration)}s", "--timeout", "15s",
                                  "-s", script, ctx.url], capture_output=True, text=True, check=False).stdout
    finally:
        os.unlink(script)
    d = _wrk_json(out)
    if d is None:
        return Result("?", note=f"wrk output not understood: {out[-300:]}")
    return Result("?", rps=d["rps"], p50_ms=d["p50"], p99_ms=d["p99"], requests=d["requests"],
                  errors=d["non2xx"] + d["errors"], cpu_pct=s.cpu_pct, rss_mb=s.rss_mb)


async def run_python(ctx: Ctx, method: str, paths: list[str], bodies: list[str] | None = None) -> Result:
    lat: list[float] = []
    errors = 0
    deadline = time.monotonic() + ctx.duration
    limits = httpx.Limits(max_connections=ctx.concurrency, max_keepalive_connections=ctx.concurrency)
    async with httpx.AsyncClient(base_url=ctx.url, headers=ctx.headers, limits=limits, timeout=30) as client:
        async def worker(n: int) -> None:
            nonlocal errors
            i = n
            while time.monotonic() < deadline:
                i += ctx.concurrency
                body = bodies[i % len(bodies)] if bodies else None
                t0 = time.perf_counter()
                try:
                    r = await client.request(method, paths[i % len(paths)], content=body)
                    ok = r.status_code < 400
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t0)
                errors += 0 if ok else 1

        with Sampler(ctx.server.pid) as s:
            started = time.monotonic()
            await asyncio.gather(*(worker(n) for n in range(ctx.concurrency)))
            elapsed = time.monotonic() - started
    return _summary(lat, errors, elapsed, s)


def _summary(lat: list[float], errors: int, elapsed: float, s: Sampler, unit: str = "req/s") -> Result:
    if not lat:
        return Result("?", errors=errors, note="no request completed")
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
    return Result("?", rps=len(lat) / elapsed, p50_ms=q[49] * 1000, p99_ms=q[98] * 1000, requests=len(lat),
                  errors=errors, cpu_pct=s.cpu_pct, rss_mb=s.rss_mb, unit=unit)


# ---------- scenarios ----------

async def probe(ctx: Ctx, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with httpx.AsyncClient(base_url=ctx.url, headers=ctx.headers, timeout=30) as c:
        r = await c.request(method, path, json=body)
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text[:200]


async def http_scenario(ctx: Ctx, wrk: str | None, name: str, method: str, paths: list[str],
                        bodies: list[dict[str, Any]] | None = None, path_probe: str | None = None,
                        headers: dict[str, str] | None = None) -> Result:
    if headers:
        ctx = dataclasses.replace(ctx, extra_headers={**ctx.extra_headers, **headers})
    status, payload = await probe(ctx, method, path_probe or paths[0], bodies[0] if bodies else None)
    if status >= 400:
        msg = payload.get("message") if isinstance(payload, dict) else payload
        return Result(name, note=f"not measured: route answers HTTP {status} ({str(msg)[:80]})")
    raw = [json.dumps(b) for b in bodies] if bodies else None
    if wrk and ctx.tool == "wrk":
        res = run_wrk(ctx, wrk, method, paths, raw)
    else:
        res = await run_python(ctx, method, paths, raw)
    res.name = name
    if name == "products_list" and isinstance(payload, dict):
        res.note = f"{len(json.dumps(payload)) // 1024} KB per response"
    return res


class FlowError(RuntimeError):
    """A request of the checkout flow answered 4xx/5xx or could not be sent."""


class Send(Protocol):
    """One request of the flow: the parsed answer, or FlowError."""

    def __call__(self, method: str, path: str, body: dict[str, Any] | None = None,
                 params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Awaitable[Any]: ...


def httpx_sender(client: httpx.AsyncClient) -> Send:
    """`Send` over an httpx client (the in-process ASGI transport of `benchmarks.checkout_profile`)."""
    async def send(method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Any:
        r = await client.request(method, path, json=body, params=params, headers=headers)
        if r.status_code >= 400:
            raise FlowError(f"{method} {path}: HTTP {r.status_code} {r.text[:120]}")
        return orjson.loads(r.content)
    return send


def aiohttp_sender(session: aiohttp.ClientSession, base_url: str) -> Send:
    """`Send` over aiohttp, parsing with orjson: the load generator shares the two cores with what it measures, and
    httpx + json cost 26 ms of CPU per flow there (the 323 KB product page included), aiohttp + orjson about a third
    of that."""
    async def send(method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Any:
        try:
            async with session.request(method, base_url + path, data=None if body is None else orjson.dumps(body),
                                       params=params, headers=headers) as r:
                raw = await r.read()
        except aiohttp.ClientError as exc:
            raise FlowError(f"{method} {path}: {exc!r}") from exc
        if r.status >= 400:
            raise FlowError(f"{method} {path}: HTTP {r.status} {raw[:120]!r}")
        return orjson.loads(raw)
    return send


def aiohttp_session(ctx: Ctx, connections: int) -> aiohttp.ClientSession:
    """A keep-alive session with the store headers for `aiohttp_sender`."""
    return aiohttp.ClientSession(headers=ctx.headers, timeout=aiohttp.ClientTimeout(total=60),
                                 connector=aiohttp.TCPConnector(limit=connections))


async def checkout_flow(send: Send, ctx: Ctx, n: int) -> None:
    """The 18 requests of Medusa's measured flow (regions → products → cart → ... → orders)."""
    region = ctx.data["regions"]["eur"]
    await send("GET", "/store/regions")
    products = await send("GET", "/store/products", None, {"limit": 20, "offset": 0, "region_id": region})
    prod = products["products"][n % len(products["products"])]
    await send("GET", f"/store/products/{prod['id']}", None, {"region_id": region})
    cart = (await send("POST", "/store/carts", {"region_id": region}))["cart"]
    v1, v2 = prod["variants"][0]["id"], prod["variants"][1]["id"]
    cart = (await send("POST", f"/store/carts/{cart['id']}/line-items", {"variant_id": v1, "quantity": 1}))["cart"]
    cart = (await send("POST", f"/store/carts/{cart['id']}/line-items", {"variant_id": v2, "quantity": 1}))["cart"]
    line = cart["items"][0]["id"]
    await send("POST", f"/store/carts/{cart['id']}/line-items/{line}", {"quantity": 3})
    email = f"bench-{n}-{time.monotonic_ns()}@example.com"
    addr = {"first_name": "Ada", "last_name": "Lovelace", "address_1": "1 Main St", "city": "Berlin",
            "postal_code": "10115", "country_code": "de"}
    await send("POST", f"/store/carts/{cart['id']}", {"email": email, "shipping_address": addr,
                                                     "billing_address": addr})
    options = (await send("GET", "/store/shipping-options", None, {"cart_id": cart["id"]}))["shipping_options"]
    await send("POST", f"/store/carts/{cart['id']}/shipping-methods", {"option_id": options[0]["id"]})
    pc = (await send("POST", "/store/payment-collections", {"cart_id": cart["id"]}))["payment_collection"]
    await send("POST", f"/store/payment-collections/{pc['id']}/payment-sessions",
               {"provider_id": "pp_system_default"})
    done = await send("POST", f"/store/carts/{cart['id']}/complete")
    if done.get("type") != "order":
        raise FlowError(f"complete answered {str(done)[:120]}")
    token = await send("POST", "/auth/customer/emailpass/register", {"email": email, "password": "pw-bench-1"})
    auth = {"authorization": f"Bearer {token['token']}"}
    await send("POST", "/store/customers", {"email": email, "first_name": "Ada"}, None, auth)
    token = await send("POST", "/auth/customer/emailpass", {"email": email, "password": "pw-bench-1"})
    auth = {"authorization": f"Bearer {token['token']}"}
    await send("GET", "/store/customers/me", None, None, auth)
    await send("GET", "/store/orders", None, None, auth)


async def checkout_scenario(ctx: Ctx, concurrency: int = 8) -> Result:
    async with aiohttp_session(ctx, concurrency) as session:
        client = aiohttp_sender(session, ctx.url)
        try:
            await checkout_flow(client, ctx, 0)
        except (FlowError, KeyError, IndexError) as exc:
            return Result("checkout_flow", note=f"not measured: {str(exc)[:110]}", unit="flows/s")
        lat: list[float] = []
        errors = 0
        first_error = ""
        deadline = time.monotonic() + ctx.duration

        async def worker(n: int) -> None:
            nonlocal errors, first_error
            i = n
            while time.monotonic() < deadline:
                i += concurrency
                t0 = time.perf_counter()
                try:
                    await checkout_flow(client, ctx, i)
                    lat.append(time.perf_counter() - t0)
                except (FlowError, KeyError, IndexError) as exc:
                    errors += 1
                    first_error = first_error or str(exc)[:100]

        hz = os.sysconf("SC_CLK_TCK")
        w0 = _cpu_ticks(ctx.worker_pid) if ctx.worker_pid else 0
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        with Sampler(ctx.server.pid) as s:
            started = time.monotonic()
            await asyncio.gather(*(worker(n) for n in range(concurrency)))
            elapsed = time.monotonic() - started
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        # the load generator shares the two cores with the server, PostgreSQL and the worker
        client_cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
        # the worker runs the subscribers of the events each flow emits, on the same cores as the server
        worker_cpu = (_cpu_ticks(ctx.worker_pid) - w0) / hz if ctx.worker_pid else None
    res = _summary(lat, errors, elapsed, s, unit="flows/s")
    res.name = "checkout_flow"
    flows = len(lat)
    per_flow = ""
    if flows and s.cpu_pct is not None:
        per_flow = f"; server {s.cpu_pct / 100 * elapsed / flows * 1000:.0f} ms CPU/flow"
        if worker_cpu is not None:
            per_flow += (f", worker {worker_cpu / elapsed * 100:.0f}% CPU ({worker_cpu / flows * 1000:.1f} ms/flow, "
                         "sampled until the last flow ended)")
        per_flow += f"; load generator {client_cpu / flows * 1000:.1f} ms CPU/flow"
    res.note = (f"concurrency {concurrency}, 18 requests per flow{per_flow}"
                + (f"; first error: {first_error}" if first_error else ""))
    return res


async def event_bus_scenario(prefix: str, total: int = 20_000) -> Result:
    """Events end to end through Redis Streams with one consuming process (this one): emit in batches of 500,
    a subscriber counts them; throughput = events / (last handled - first emitted), latency per event."""
    from euryale.events import Event
    from euryale.modules.event_bus_redis import RedisEventBus

    bus = RedisEventBus(services.redis_url(), prefix=prefix + "evbench:", mode="worker", batch=500, concurrency=50)
    lat: list[float] = []
    done = asyncio.Event()

    async def handler(event: Event) -> None:
        lat.append(time.time() - float(event.data["t"]))
        if len(lat) >= total:
            done.set()

    bus.subscribe("bench.event", handler, subscriber_id="bench-counter")
    await bus.start_consumers()
    started = time.monotonic()
    with Sampler(os.getpid()) as s:
        for i in range(0, total, 500):
            await bus.emit([Event("bench.event", {"i": j, "t": time.time()}) for j in range(i, min(total, i + 500))])
        try:
            await asyncio.wait_for(done.wait(), timeout=120)
        except TimeoutError:
            pass
        elapsed = time.monotonic() - started
    await bus.stop()
    res = _summary(lat, total - len(lat), elapsed, s, unit="events/s")
    res.name = "event_bus"
    res.note = f"{total} events, 1 consumer process (CPU/RSS columns: that process)"
    return res


ADMIN_EMAIL = "bench-admin@euryale.dev"
ADMIN_PASSWORD = "bench-Admin-Passw0rd!"
ADMIN_SCRIPT = """
async def main(container, args):
    from euryale.modules.user.commands import create_admin_user
    await create_admin_user(container, email=args[0], password=args[1])
"""
ORDER_FIELDS = "id,display_id,status,email,currency_code,created_at,total,subtotal,tax_total,shipping_total,*items"


async def analyze(ctx: Ctx) -> None:
    """ANALYZE the server's database, as autovacuum does in a live one once a table has changed by 50 rows + 10%.

    This machine's PostgreSQL runs with autovacuum off, so the orders placed just above would otherwise be planned
    from the statistics of the seed (order tables empty): nested loops comparing each of ~100 line items with each
    of ~100 order items, ~17 ms of PostgreSQL per order page instead of ~3, which measures the planner, not the
    server (as `seed_url` explains for the catalog)."""
    import asyncpg

    conn = await asyncpg.connect(ctx.server.env["DATABASE_URL"].replace("+asyncpg", ""))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def admin_orders_scenario(ctx: Ctx, wrk: str | None) -> Result:
    """GET /admin/orders (50 orders with items and totals) as a logged-in admin."""
    async with httpx.AsyncClient(base_url=ctx.url, timeout=30) as c:
        r = await c.post("/auth/user/emailpass", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        if r.status_code != 200:
            return Result("admin_orders", note=f"not measured: admin login answers HTTP {r.status_code}")
        auth = {"authorization": f"Bearer {r.json()['token']}"}
        count = (await c.get("/admin/orders", params={"limit": 1}, headers=auth)).json().get("count", 0)
        # at least 50 orders to list: place the missing ones through the store API
        flows = max(0, 50 - int(count))
        async with aiohttp_session(ctx, 8) as session:
            store = aiohttp_sender(session, ctx.url)
            for start in range(0, flows, 8):
                await asyncio.gather(*(checkout_flow(store, ctx, 10_000 + i) for i in range(start, min(flows, start + 8))))
    # always: in a full run the orders come from checkout_flow (no missing ones to place), and the order tables
    # still carry the seed's statistics (empty) unless analysed here
    await analyze(ctx)
    return await http_scenario(ctx, wrk, "admin_orders", "GET", [f"/admin/orders?limit=50&fields={ORDER_FIELDS}"],
                               headers=auth)


# ---------- soak: a mixed load for minutes, server and worker RSS sampled ----------

SOAK_SAMPLE_S = 10.0


@dataclass
class SoakSample:
    t: float
    server_rss: float
    worker_rss: float
    server_cpu_pct: float
    requests: int
    errors: int


async def _soak_wrk(ctx: Ctx, wrk: str, paths: list[str], connections: int, seconds: float) -> dict[str, Any] | None:
    """wrk GETs over `paths` for `seconds` in the background of the soak; its summary (None if not understood)."""
    script = _wrk_script(ctx, "GET", paths)
    try:
        proc = await asyncio.create_subprocess_exec(
            wrk, "-t1", f"-c{connections}", f"-d{int(seconds)}s", "--timeout", "15s", "-s", script, ctx.url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        out, _ = await proc.communicate()
    finally:
        os.unlink(script)
    return _wrk_json(out.decode())


async def soak_scenario(ctx: Ctx, seconds: float, worker_pid: int,
                        wrk: str | None) -> tuple[list[SoakSample], dict[str, int]]:
    """`seconds` of a mix: catalog reads (regions, product list, product detail) and the admin order list (with
    wrk when there is one: a Python client would be the bottleneck), cart writes (a new cart, three line items)
    and checkout flows (Python), all at once; server and worker RSS (and the server's CPU since the previous
    sample) every SOAK_SAMPLE_S seconds."""
    region = ctx.data["regions"]["eur"]
    pids = ctx.data["product_ids"]
    variants = ctx.data["variant_ids"]
    counts: dict[str, int] = {"catalog": 0, "cart": 0, "checkout": 0, "admin": 0, "errors": 0}
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=ctx.url, timeout=30) as c:
        r = await c.post("/auth/user/emailpass", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        admin = {"authorization": f"Bearer {r.json()['token']}"} if r.status_code == 200 else None

    async def catalog(client: httpx.AsyncClient, n: int) -> None:
        paths = ["/store/regions", f"/store/products?limit=20&region_id={region}",
                 *[f"/store/products/{p}?region_id={region}" for p in pids[n::4][:25]]]
        i = 0
        while time.monotonic() < deadline:
            i += 1
            r = await client.get(paths[i % len(paths)])
            counts["catalog" if r.status_code < 400 else "errors"] += 1

    async def carts(client: httpx.AsyncClient, n: int) -> None:
        i = n
        while time.monotonic() < deadline:
            r = await client.post("/store/carts", json={"region_id": region})
            if r.status_code >= 400:
                counts["errors"] += 1
                continue
            cart = r.json()["cart"]["id"]
            for k in range(3):
                i += 1
                r = await client.post(f"/store/carts/{cart}/line-items",
                                      json={"variant_id": variants[i % len(variants)], "quantity": 1 + k})
                counts["cart" if r.status_code < 400 else "errors"] += 1

    async def checkouts(send: Send, n: int) -> None:
        i = n
        while time.monotonic() < deadline:
            i += 2
            try:
                await checkout_flow(send, ctx, 50_000 + i)
                counts["checkout"] += 1
            except (FlowError, KeyError, IndexError):
                counts["errors"] += 1

    async def admin_list(client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            r = await client.get(f"/admin/orders?limit=50&fields={ORDER_FIELDS}", headers=admin)
            counts["admin" if r.status_code < 400 else "errors"] += 1

    samples: list[SoakSample] = []
    hz = os.sysconf("SC_CLK_TCK")

    async def sampler() -> None:
        started = time.monotonic()
        last_t, last_ticks = started, _cpu_ticks(ctx.server.pid)
        while True:
            now = time.monotonic()
            ticks = _cpu_ticks(ctx.server.pid)
            cpu = 100.0 * (ticks - last_ticks) / hz / max(now - last_t, 1e-6)
            last_t, last_ticks = now, ticks
            samples.append(SoakSample(now - started, _rss_mb(ctx.server.pid), _rss_mb(worker_pid), cpu,
                                      sum(v for k, v in counts.items() if k != "errors"), counts["errors"]))
            print(f"    {samples[-1].t:6.0f}s server RSS {samples[-1].server_rss:6.1f} MB, worker RSS "
                  f"{samples[-1].worker_rss:6.1f} MB, server CPU {cpu:4.0f}%, {samples[-1].requests} ok / "
                  f"{samples[-1].errors} errors", flush=True)
            if now >= deadline:
                return
            await asyncio.sleep(min(SOAK_SAMPLE_S, max(0.0, deadline - now)))

    async def wrk_load(key: str, wctx: Ctx, paths: list[str], connections: int) -> None:
        assert wrk is not None
        d = await _soak_wrk(wctx, wrk, paths, connections, seconds)
        if d is not None:
            counts[key] += d["requests"] - d["non2xx"] - d["errors"]
            counts["errors"] += d["non2xx"] + d["errors"]

    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=ctx.url, headers=ctx.headers, limits=limits, timeout=60) as client, \
            aiohttp_session(ctx, 2) as session:
        send = aiohttp_sender(session, ctx.url)
        tasks = [*(carts(client, n) for n in range(2)), *(checkouts(send, n) for n in range(2))]
        if wrk:
            catalog_paths = ["/store/regions", f"/store/products?limit=20&region_id={region}",
                             *[f"/store/products/{p}?region_id={region}" for p in pids[:50]]]
            tasks.append(wrk_load("catalog", ctx, catalog_paths, 4))
        else:
            tasks += [catalog(client, n) for n in range(4)]
        if admin is not None and wrk:
            admin_ctx = dataclasses.replace(ctx, extra_headers={**ctx.extra_headers, **admin})
            tasks.append(wrk_load("admin", admin_ctx, [f"/admin/orders?limit=50&fields={ORDER_FIELDS}"], 2))
        elif admin is not None:
            tasks += [admin_list(client) for _ in range(2)]
        await asyncio.gather(sampler(), *tasks)
    return samples, counts


def write_soak_report(args: argparse.Namespace, tool: str, startup: float, idle_rss: float,
                      samples: list[SoakSample], counts: dict[str, int]) -> Path:
    commit = git_commit()
    now = dt.datetime.now(dt.UTC)
    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _unused(out_dir, f"{now:%Y-%m-%d}-{commit}-soak{args.soak:g}")
    peak = max((s.server_rss for s in samples), default=0.0)
    lines = [
        f"# Soak {args.soak:g} s, {now:%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"- dataset: scale {args.scale}; one `euryale start` server + one worker, PostgreSQL and Redis local, "
        f"{os.cpu_count()} CPUs",
        f"- load ({tool}: 4 connections of catalog reads (regions, product list, product detail) and 2 of the admin "
        "order list (50 orders with items and totals); Python: 2 cart writers (a cart, 3 line items) and 2 checkout "
        "flows (18 requests)), all at once; wrk's requests are counted at the end",
        f"- start to first `/health` 200: {startup:.2f} s; server RSS idle {idle_rss:.0f} MB, peak {peak:.0f} MB, "
        f"at the end {samples[-1].server_rss if samples else 0:.0f} MB (target ≤ 150 MB)",
        f"- completed: {counts['catalog']} catalog reads, {counts['cart']} line items added, {counts['checkout']} "
        f"checkouts, {counts['admin']} admin order lists; {counts['errors']} errors",
        f"- machine load average at the end (1/5/15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"- command: `.venv/bin/python -m benchmarks.run --soak {args.soak:g} --scale {args.scale}"
        f"{' --config ' + args.config if args.config else ''}`",
        "",
        "| t s | server RSS MB | worker RSS MB | server CPU % | requests ok so far (Python client) | errors so far (Python client) |",
        "|---|---|---|---|---|---|",
        *[f"| {s.t:.0f} | {s.server_rss:.1f} | {s.worker_rss:.1f} | {s.server_cpu_pct:.0f} | {s.requests} | "
          f"{s.errors} |" for s in samples],
        "",
    ]
    return _write(args, path, lines)


async def scenarios(ctx: Ctx, wanted: list[str], wrk: str | None) -> list[Result]:
    region = ctx.data["regions"]["eur"]
    pids = ctx.data["product_ids"]
    variants = ctx.data["variant_ids"]
    results: list[Result] = []
    for name in wanted:
        print(f"  {name} ...", flush=True)
        if name == "health":
            r = await http_scenario(ctx, wrk, name, "GET", ["/health"])
        elif name == "regions":
            r = await http_scenario(ctx, wrk, name, "GET", ["/store/regions"])
        elif name == "products_list":
            r = await http_scenario(ctx, wrk, name, "GET", [f"/store/products?limit=20&region_id={region}"])
        elif name == "product_detail":
            r = await http_scenario(ctx, wrk, name, "GET", [f"/store/products/{p}?region_id={region}" for p in pids])
        elif name == "create_cart":
            r = await http_scenario(ctx, wrk, name, "POST", ["/store/carts"], [{"region_id": region}])
        elif name == "add_line_item":
            status, payload = await probe(ctx, "POST", "/store/carts", {"region_id": region})
            if status >= 400:
                r = Result(name, note=f"not measured: POST /store/carts answers HTTP {status}")
            else:
                carts = [payload["cart"]["id"]]
                for _ in range(ctx.concurrency - 1):
                    carts.append((await probe(ctx, "POST", "/store/carts", {"region_id": region}))[1]["cart"]["id"])
                paths = [f"/store/carts/{c}/line-items" for c in carts]
                bodies = [{"variant_id": v, "quantity": 1} for v in variants[:6]]
                r = await http_scenario(ctx, wrk, name, "POST", paths, bodies)
        elif name == "checkout_flow":
            r = await checkout_scenario(ctx)
        elif name == "admin_orders":
            try:
                r = await admin_orders_scenario(ctx, wrk)
            except (RuntimeError, httpx.HTTPError) as exc:  # placing its orders failed: report, keep the table
                r = Result(name, note=f"not measured: {type(exc).__name__} {exc}"[:160])
        elif name == "event_bus":
            r = await event_bus_scenario(ctx.server.env.get("REDIS_PREFIX", "euryale_bench:"))
        else:
            r = Result(name, note="unknown scenario")
        results.append(r)
        print(f"    {fmt_row(r)}", flush=True)
    return results


def fmt(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def fmt_row(r: Result) -> str:
    return (f"| {r.name} | {fmt(r.rps)} {r.unit if r.rps is not None else ''} | {fmt(r.p50_ms)} | {fmt(r.p99_ms)} | "
            f"{r.errors}/{r.requests} | {fmt(r.cpu_pct, 0)} | {fmt(r.rss_mb, 0)} | {TARGETS.get(r.name, '—')} | "
            f"{MEDUSA.get(r.name, '—')} | {r.note} |")


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def precompile() -> None:
    """Bytecode for the package, as the image ships it (pip compiles what it installs): with
    PYTHONDONTWRITEBYTECODE set an editable checkout is otherwise compiled from source at every start (~0.3 s CPU of
    the start-to-first-answer figure that a deployed server never pays)."""
    import compileall

    compileall.compile_dir(str(REPO / "euryale"), quiet=1)


async def main_async(args: argparse.Namespace) -> Path:
    wanted = [s for s in args.scenarios.split(",") if s]
    wrk = ensure_wrk() if args.tool == "wrk" else None
    tool = "wrk" if wrk else "python"
    db = await services.create_database("bench")
    prefix = f"euryale_bench:{db.name}:"
    project = Path(tempfile.mkdtemp(prefix="euryale-bench-"))
    shutil.copy(Path(args.config) if args.config else UNCACHED_CONFIG if args.uncached
                else REPO / "deploy" / "euryale_config.py", project / "euryale_config.py")
    procs: list[EuryaleProcess] = []
    try:
        env = process_env(db.dsn, REDIS_URL=services.redis_url(), REDIS_PREFIX=prefix, EURYALE_ROOT=str(project))
        res = run_cli(["db:migrate"], env, cwd=project, timeout=300)
        if res.returncode != 0:
            raise SystemExit(f"db:migrate failed:\n{res.stdout}\n{res.stderr}")
        (project / "create_admin.py").write_text(ADMIN_SCRIPT)
        res = run_cli(["exec", "create_admin.py", ADMIN_EMAIL, ADMIN_PASSWORD], env, cwd=project, timeout=120)
        if res.returncode != 0:
            print(f"admin user not created (admin_orders will not be measured): {res.stderr[-300:]}")
        t0 = time.monotonic()
        data = await seed_url(db.dsn, scale=args.scale)
        print(f"seeded {data['products']} products / {data['variants']} variants in {time.monotonic() - t0:.1f}s")
        port = free_port()
        server = EuryaleProcess("bench-server", {**env, "WORKER_MODE": "server", "PORT": str(port)},
                                args=["start", "--workers", str(args.server_processes)], cwd=str(project))
        worker = EuryaleProcess("bench-worker", {**env, "WORKER_MODE": "worker", "WORKER_HEALTH_PORT": str(free_port())},
                                cwd=str(project))
        precompile()
        procs += [server.start(), worker.start()]
        url = f"http://127.0.0.1:{port}"
        startup = server.wait_http(f"{url}/health", timeout=60)
        idle_rss = _rss_mb(server.pid)
        ctx = Ctx(url=url, key=data["publishable_key"], data=data, server=server, tool=tool,
                  duration=args.duration, concurrency=args.concurrency, worker_pid=worker.pid)
        print(f"server up in {startup:.2f}s (RSS {idle_rss:.0f} MB); load tool: {tool}")
        if args.soak:
            samples, counts = await soak_scenario(ctx, args.soak, worker.pid, wrk)
            return write_soak_report(args, tool, startup, idle_rss, samples, counts)
        results = await scenarios(ctx, wanted, wrk)
        final_rss = _rss_mb(server.pid)
        return write_report(args, data, tool, startup, idle_rss, final_rss, results)
    finally:
        for p in procs:
            p.stop()
            if not args.keep_logs:
                p.cleanup()
            else:
                print(f"{p.name} log: {p.log_path}")
        shutil.rmtree(project, ignore_errors=True)
        await services.drop_database(db)
        import redis.asyncio as aioredis

        r = aioredis.from_url(services.redis_url())
        keys = [k async for k in r.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await r.delete(*keys)
        await r.aclose()


def _servers(args: argparse.Namespace) -> str:
    n = args.server_processes
    return ("one `euryale start` server" if n == 1 else
            f"one `euryale start --workers {n}` server ({n} serving processes; CPU % and RSS summed over them)")


def write_report(args: argparse.Namespace, data: dict[str, Any], tool: str, startup: float, idle_rss: float,
                 final_rss: float, results: list[Result]) -> Path:
    commit = git_commit()
    now = dt.datetime.now(dt.UTC)
    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _unused(out_dir, f"{now:%Y-%m-%d}-{commit}{'-x' + str(args.scale) if args.scale != 1 else ''}"
                            f"{'-w' + str(args.server_processes) if args.server_processes != 1 else ''}"
                            f"{'-uncached' if args.uncached else ''}")
    lines = [
        f"# Benchmark {now:%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"- dataset: {data['products']} products × 6 variants (scale {args.scale}), prices in EUR and USD",
        f"- {_servers(args)} (WORKER_MODE=server) + one worker, PostgreSQL and Redis local, "
        f"{os.cpu_count()} CPUs",
        f"- load: {tool}, concurrency {args.concurrency}{' (8 for the checkout flow)' if 'checkout_flow' in args.scenarios else ''}, "
        f"{args.duration:g} s per scenario",
        f"- start to first `/health` 200: {startup:.2f} s; server RSS idle {idle_rss:.0f} MB, after load {final_rss:.0f} MB",
        f"- machine load average at the end (1/5/15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())} "
        "(anything near or above the CPU count means other work shared the machine: figures are lower bounds)",
        f"- command: `.venv/bin/python -m benchmarks.run --scale {args.scale} --duration {args.duration:g} "
        f"--concurrency {args.concurrency} --tool {args.tool} --scenarios {args.scenarios}"
        f"{' --config ' + args.config if args.config else ''}{' --uncached' if args.uncached else ''}"
        f"{' --server-processes ' + str(args.server_processes) if args.server_processes != 1 else ''}`",
        "",
        "| scenario | throughput | p50 ms | p99 ms | errors/requests | server CPU % | server RSS MB | target | Medusa 2.21.2 | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *[fmt_row(r) for r in results],
        "",
    ]
    return _write(args, path, lines)


def _unused(out_dir: Path, stem: str) -> Path:
    """`<stem>.md`, or `<stem>-2.md`, `-3`... when an earlier run of the same commit and options wrote it (a
    later run, of a subset of scenarios say, must not replace a full run's table)."""
    path, n = out_dir / f"{stem}.md", 1
    while path.exists():
        n += 1
        path = out_dir / f"{stem}-{n}.md"
    return path


def _write(args: argparse.Namespace, path: Path, lines: list[str]) -> Path:
    if args.no_write:
        print("\n".join(lines))
        return path
    path.write_text("\n".join(lines))
    print(f"\nwrote {path.relative_to(REPO)}\n")
    print("\n".join(lines))
    return path


UNCACHED_CONFIG = REPO / "benchmarks" / "configs" / "uncached_euryale_config.py"


def main() -> None:
    parser = argparse.ArgumentParser(description="Euryale benchmarks (issue 7)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--tool", choices=("wrk", "python"), default="wrk")
    parser.add_argument("--scenarios", default=",".join(TARGETS))
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table only, write no results file (the runs of an A/B comparison)")
    parser.add_argument("--server-processes", type=int, default=1, metavar="N",
                        help="`euryale start --workers N` (the issue's targets are for N=1)")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS",
                        help="instead of the scenarios: a mixed load (catalog, carts, checkouts, admin order list) "
                             "for SECONDS, server and worker RSS sampled every 10 s into the results file")
    parser.add_argument("--config", help="euryale_config.py to run with (default: deploy/euryale_config.py, Redis "
                                         "modules including the cache)")
    parser.add_argument("--uncached", action="store_true",
                        help="the image's config without the cache module (benchmarks/configs/"
                             "uncached_euryale_config.py): every catalog answer computed; results file -uncached")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
