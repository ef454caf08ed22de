"""The production topology with real processes configured by env vars only (issue 6).

Three `euryale db:migrate` at once on a fresh database, then two `server` and two `worker` processes on PostgreSQL
and Redis (the Redis modules through the image's `deploy/euryale_config.py`, copied into a temporary project that
also holds a probe subscriber on `order.placed`, a probe job ticking every second and a slow route). A checkout runs
through the unmodified @medusajs/js-sdk spread round-robin over both servers. Checks:

- every migration applied exactly once across the three concurrent runs;
- the `order.placed` subscriber ran exactly once, in a worker process;
- the scheduled job ran once per tick (one `job_run` row and one handler run per tick, whatever the replicas);
- SIGTERM on a server with requests in flight: every in-flight request completes with 200, the process exits 0;
- with every worker stopped an order is placed; a restarted worker then handles its `order.placed`: no event lost;
- a publishable key revoked through one server is refused by the other on its very next request (the key lookup
  each server caches in Redis, and in its own process through the near cache, is dropped by the revocation).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import textwrap
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis

from benchmarks.seed_dataset import seed_url
from tests.support import services
from tests.support.servers import REPO, EuryaleProcess, euryale_bin, free_port, process_env, run_cli

E2E_DIR = REPO / "tests" / "e2e"

SUBSCRIBER = '''
"""Probe: records which process handled each order.placed (topology test)."""
import json, os
import redis.asyncio as aioredis

config = {"event": "order.placed", "subscriber_id": "topology-order-probe"}


async def handler(event, container):
    r = aioredis.from_url(os.environ["REDIS_URL"])
    try:
        await r.rpush(os.environ["TOPOLOGY_KEY"] + ":order_placed", json.dumps(
            {"order_id": event.data.get("id"), "event_id": event.id, "pid": os.getpid(), "mode": container.mode}))
    finally:
        await r.aclose()
'''

JOB = '''
"""Probe: one entry per run of a job that ticks every second (topology test)."""
import json, os, time
import redis.asyncio as aioredis

config = {"name": "topology-tick", "schedule": {"interval": 1000}}


async def handler(container):
    r = aioredis.from_url(os.environ["REDIS_URL"])
    try:
        await r.rpush(os.environ["TOPOLOGY_KEY"] + ":ticks", json.dumps({"pid": os.getpid(), "at": time.time()}))
    finally:
        await r.aclose()
'''

SLOW_ROUTE = '''
"""Probe: a request that stays in flight for `ms` milliseconds (graceful-shutdown check)."""
import asyncio, os
from fastapi import APIRouter

router = APIRouter()


@router.get("/topology/slow")
async def slow(ms: int = 1000) -> dict:
    await asyncio.sleep(ms / 1000)
    return {"ok": True, "pid": os.getpid()}
'''


@dataclass
class Topology:
    project: Path
    env: dict[str, str]
    db: services.TestDatabase
    servers: list[EuryaleProcess]
    workers: list[EuryaleProcess]
    urls: list[str]
    key: str
    redis: aioredis.Redis
    migrate_outputs: list[str]
    first_order: str = ""

    async def entries(self, suffix: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in await self.redis.lrange(self.env["TOPOLOGY_KEY"] + suffix, 0, -1)]


def _project(tmp: Path) -> Path:
    shutil.copy(REPO / "deploy" / "euryale_config.py", tmp / "euryale_config.py")
    for rel, body in (("src/subscribers/topology_order_probe.py", SUBSCRIBER), ("src/jobs/topology_tick.py", JOB),
                      ("src/api/topology_slow.py", SLOW_ROUTE)):
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return tmp


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the topology checkout drives @medusajs/js-sdk")
    if not (E2E_DIR / "node_modules" / "@medusajs" / "js-sdk").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=E2E_DIR, check=True,
                       timeout=300)
    return node


@pytest.fixture(scope="module")
async def topology(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Topology]:
    _node()
    project = _project(tmp_path_factory.mktemp("topology"))
    db = await services.create_database("topo")
    prefix = f"euryale_test:{services.RUN_ID}:topo:{db.name}:"
    env = process_env(db.dsn, REDIS_URL=services.redis_url(), REDIS_PREFIX=prefix, TOPOLOGY_KEY=prefix + "probe",
                      EURYALE_ROOT=str(project), LOG_LEVEL="INFO")
    redis = aioredis.from_url(services.redis_url())
    procs: list[EuryaleProcess] = []
    try:
        # three concurrent release steps, as three replicas or a retried deploy would run them
        runs = [subprocess.Popen([euryale_bin(), "db:migrate"], env=env, cwd=project, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True) for _ in range(3)]
        outputs = [await asyncio.to_thread(p.communicate, None, 180) for p in runs]
        for p, (out, _) in zip(runs, outputs, strict=True):
            assert p.returncode == 0, f"concurrent db:migrate failed:\n{out}"
        data = await seed_url(db.dsn)
        servers = [EuryaleProcess(f"topo-server-{i}", {**env, "WORKER_MODE": "server", "PORT": str(free_port())},
                                  cwd=str(project)) for i in range(2)]
        workers = [EuryaleProcess(f"topo-worker-{i}", {**env, "WORKER_MODE": "worker",
                                                         "WORKER_HEALTH_PORT": str(free_port())}, cwd=str(project))
                   for i in range(2)]
        for p in (*servers, *workers):
            procs.append(p.start())
        urls = [f"http://127.0.0.1:{s.env['PORT']}" for s in servers]
        for s, url in zip(servers, urls, strict=True):
            await asyncio.to_thread(s.wait_http, f"{url}/health", timeout=45)
        for w in workers:
            await asyncio.to_thread(w.wait_http, f"http://127.0.0.1:{w.env['WORKER_HEALTH_PORT']}/health", timeout=45)
        yield Topology(project, env, db, servers, workers, urls, data["publishable_key"], redis,
                       [o for o, _ in outputs])
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.cleanup) for p in procs))  # SIGTERM all at once, then wait
        keys = [k async for k in redis.scan_iter(match=prefix + "*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await services.drop_database(db)


def _storefront(topo: Topology, urls: list[str], until: str = "") -> dict[str, dict[str, Any]]:
    args = [_node(), "storefront.mjs"] + (["--until", until] if until else [])
    env = {**os.environ, "EURYALE_URLS": ",".join(urls), "EURYALE_PUBLISHABLE_KEY": topo.key}
    res = subprocess.run(args, cwd=E2E_DIR, env=env, capture_output=True, text=True, timeout=180, check=False)
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    failed = next((x for x in lines if x.get("ok") is False), None)
    assert res.returncode == 0, f"storefront failed at {failed}\n{res.stderr[-2000:]}"
    return {x.get("step", "_done" if x.get("done") else "_other"): x for x in lines}


async def _notifications(topology: Topology, order_id: str) -> int:
    """Order-confirmation notifications recorded for an order."""
    conn = await asyncpg.connect(topology.db.dsn)
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM notification WHERE resource_id = $1 AND trigger_type = 'order.placed'", order_id))
    finally:
        await conn.close()


async def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def test_concurrent_migrations_apply_each_revision_once(topology: Topology) -> None:
    applied = [line.split()[1] for out in topology.migrate_outputs for line in out.splitlines()
               if line.startswith("applied ")]
    assert applied, f"no run reported applying anything: {topology.migrate_outputs}"
    assert len(applied) == len(set(applied)), f"a revision was applied twice: {applied}"
    conn = await asyncpg.connect(topology.db.dsn)
    try:
        versions = [r[0] for r in await conn.fetch("SELECT version_num FROM alembic_version")]
    finally:
        await conn.close()
    assert len(versions) == len(set(versions)) and versions


async def test_checkout_round_robin_and_order_placed_handled_once_in_a_worker(topology: Topology) -> None:
    steps = await asyncio.to_thread(_storefront, topology, topology.urls, "complete")
    order_id = steps["complete"]["order"]
    hits = steps["_done"]["hits"]
    assert len(hits) == 2 and min(hits.values()) >= 5, f"requests were not spread over both servers: {hits}"

    async def handled() -> list[dict[str, Any]]:
        return [e for e in await topology.entries(":order_placed") if e["order_id"] == order_id]

    runs = await _wait_for(handled, 30, f"order.placed of {order_id} to reach a worker")
    topology.first_order = order_id  # re-checked at the end: a late duplicate delivery would show up there
    assert len(runs) == 1, f"order.placed handled {len(runs)} times: {runs}"
    assert runs[0]["mode"] == "worker"
    assert runs[0]["pid"] in {w.pid for w in topology.workers}
    # the built-in order-confirmation subscriber (notification module) sent exactly one e-mail: its own consumer
    # group, which may handle the event after the project's subscriber did
    sent = await _wait_for(lambda: _notifications(topology, order_id), 30, f"the confirmation of {order_id}")
    assert sent == 1
    # each server counted its share of the checkout under route templates, never raw ids
    async with httpx.AsyncClient(timeout=10) as client:
        texts = [(await client.get(f"{u}/metrics")).text for u in topology.urls]
    assert all('route="/store/carts' in t for t in texts), "both servers served cart requests"
    assert not any(f'route="/store/carts/{steps["create_cart"]["cart"]}' in t for t in texts)


async def test_scheduled_job_runs_once_per_tick_across_workers(topology: Topology) -> None:
    async def three_ticks() -> bool:
        return len(await topology.entries(":ticks")) >= 3

    await _wait_for(three_ticks, 20, "three ticks of the job")
    conn = await asyncpg.connect(topology.db.dsn)
    try:
        ticks = await conn.fetch("SELECT tick_at, worker, status FROM job_run WHERE name = 'topology-tick' "
                                 "ORDER BY tick_at")
    finally:
        await conn.close()
    runs = await topology.entries(":ticks")
    done = [t for t in ticks if t["status"] != "running"]
    assert len(ticks) >= 2, f"expected several ticks, got {ticks}"
    # one handler run per recorded tick (± the tick running right now), never one per replica
    assert len(done) <= len(runs) <= len(ticks), f"{len(runs)} handler runs for {len(ticks)} ticks"
    span = ticks[-1]["tick_at"].timestamp() - ticks[0]["tick_at"].timestamp()
    assert len(ticks) <= span + 1.5, f"{len(ticks)} ticks over {span:.1f}s of a 1 s interval: duplicated ticks"
    assert {r["pid"] for r in runs} <= {w.pid for w in topology.workers}, "jobs ran outside the workers"
    # the worker's /metrics reports them (read from job_run at scrape time) and the event bus state
    worker = topology.workers[0]
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"http://127.0.0.1:{worker.env['WORKER_HEALTH_PORT']}/metrics")).text
    assert re.search(r'euryale_job_runs_recorded\{job="topology-tick",status="[a-z]+"\} [1-9]', text), text[-1500:]
    assert "euryale_event_dead_letters 0.0" in text
    assert 'euryale_build_info{mode="worker"' in text


ADMIN_SCRIPT = """
async def main(container, args):
    from euryale.modules.user.commands import create_admin_user
    await create_admin_user(container, email=args[0], password=args[1])
"""


async def test_key_revoked_through_one_server_is_refused_by_the_other_at_once(topology: Topology) -> None:
    email, password = "topology-admin@euryale.dev", "topology-Admin-Passw0rd!"
    (topology.project / "create_admin.py").write_text(ADMIN_SCRIPT)
    res = await asyncio.to_thread(run_cli, ["exec", "create_admin.py", email, password], topology.env,
                                  cwd=topology.project, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    a, b = topology.urls
    async with httpx.AsyncClient(timeout=30) as client:
        login = await client.post(f"{a}/auth/user/emailpass", json={"email": email, "password": password})
        admin = {"authorization": f"Bearer {login.json()['token']}"}
        created = await client.post(f"{a}/admin/api-keys", json={"title": "revoked soon", "type": "publishable"},
                                    headers=admin)
        key = created.json()["api_key"]
        store = {"x-publishable-api-key": key["token"]}
        for url in (a, b, a, b):  # both servers have looked the key up (and cached the lookup)
            assert (await client.get(f"{url}/store/regions", headers=store)).status_code == 200

        async def near_hits(url: str) -> float:
            text = (await client.get(f"{url}/metrics")).text
            return float(re.search(r"^euryale_cache_near_hits_total (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]

        async def held_in_process(url: str) -> bool:
            """A store request to `url` answered the key's lookup from that process's near cache."""
            for _ in range(40):  # tracking starts with the process's first cache read
                before = await near_hits(url)
                assert (await client.get(f"{url}/store/regions", headers=store)).status_code == 200
                if await near_hits(url) > before:
                    return True
                await asyncio.sleep(0.05)
            return False

        # b holds the lookup in process, yet sees the revocation made through a on its very next request
        assert await held_in_process(b)
        revoked = await client.post(f"{a}/admin/api-keys/{key['id']}/revoke", json={}, headers=admin)
        assert revoked.status_code == 200 and revoked.json()["api_key"]["revoked_at"] is not None
        refused = await client.get(f"{b}/store/regions", headers=store)
        assert refused.status_code == 400 and refused.json()["type"] == "not_allowed", refused.text
        assert (await client.get(f"{a}/store/regions", headers=store)).status_code == 400


async def test_sigterm_on_a_server_fails_no_in_flight_request(topology: Topology) -> None:
    victim, other = topology.servers[1], topology.servers[0]
    url = topology.urls[1]
    async with httpx.AsyncClient(timeout=30) as client:
        inflight = [asyncio.create_task(client.get(f"{url}/topology/slow", params={"ms": 4000})) for _ in range(12)]

        async def all_in_flight() -> bool:
            # the server's own gauge: the 12 slow requests plus this scrape
            async with httpx.AsyncClient(timeout=5) as probe:
                text = (await probe.get(f"{url}/metrics")).text
            m = re.search(r"^euryale_http_requests_in_flight (\S+)$", text, re.M)
            return bool(m) and float(m.group(1)) >= 13

        await _wait_for(all_in_flight, 3.5, "the 12 slow requests to be in flight")
        victim.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        results = await asyncio.gather(*inflight, return_exceptions=True)
    bad = [r if isinstance(r, Exception) else r.status_code for r in results
           if isinstance(r, Exception) or r.status_code != 200]
    assert not bad, f"in-flight requests failed during graceful shutdown: {bad}"
    code = await asyncio.to_thread(victim.stop, timeout=30)
    assert code == 0, f"server exited {code} on SIGTERM:\n{victim.logs()}"
    # the other server keeps serving
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(f"{topology.urls[0]}/health")).status_code == 200
    assert other.alive()


async def test_worker_restart_loses_no_event(topology: Topology) -> None:
    codes = await asyncio.gather(*(asyncio.to_thread(w.stop, timeout=30) for w in topology.workers))
    assert codes == [0, 0], [w.logs() for w in topology.workers]
    live = [u for s, u in zip(topology.servers, topology.urls, strict=True) if s.alive()]
    steps = await asyncio.to_thread(_storefront, topology, live, "complete")
    order_id = steps["complete"]["order"]
    await asyncio.sleep(1)
    assert not [e for e in await topology.entries(":order_placed") if e["order_id"] == order_id], \
        "no worker runs, yet the event was handled"
    restarted = topology.workers[0]
    restarted.env["WORKER_HEALTH_PORT"] = str(free_port())
    restarted.start()
    await asyncio.to_thread(restarted.wait_http, f"http://127.0.0.1:{restarted.env['WORKER_HEALTH_PORT']}/health",
                            timeout=45)

    async def handled() -> list[dict[str, Any]]:
        return [e for e in await topology.entries(":order_placed") if e["order_id"] == order_id]

    runs = await _wait_for(handled, 45, f"the restarted worker to handle order.placed of {order_id}")
    assert len(runs) == 1 and runs[0]["pid"] == restarted.pid
    await _wait_for(lambda: _notifications(topology, order_id), 20, "the confirmation of the order placed offline")
    assert await _notifications(topology, order_id) == 1
    # still exactly once for the first order, after restarts and redeliveries
    if topology.first_order:
        first = [e for e in await topology.entries(":order_placed") if e["order_id"] == topology.first_order]
        assert len(first) == 1 and await _notifications(topology, topology.first_order) == 1
