"""`/metrics`: Prometheus exposition with request counts by route template, DB pool usage and outbox lag."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from euryale import metrics
from euryale.container import Container
from euryale.http.metrics import MetricsMiddleware


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_counts_requests_by_route_and_reports_pool(client: httpx.AsyncClient, container: Container) -> None:
    before = _samples((await client.get("/metrics")).text)
    key = ("euryale_http_requests_total", (("method", "GET"), ("route", "/health"), ("status", "200")))
    for _ in range(3):
        assert (await client.get("/health")).status_code == 200
    res = await client.get("/metrics")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/plain")
    after = _samples(res.text)
    assert after[key] - before.get(key, 0.0) == 3
    # latency histogram for the same route
    assert after[("euryale_http_request_duration_seconds_count", (("method", "GET"), ("route", "/health")))] >= 3
    # pool of the process's database is visible, with a configured size
    assert after[("euryale_db_pool_connections", (("engine", "main:primary"), ("state", "size")))] >= 1
    # outbox backlog was measured from PostgreSQL (a number, possibly 0)
    assert ("euryale_outbox_pending_events", ()) in after
    assert after[("euryale_event_bus_lag_seconds", ())] >= 0
    assert after[("euryale_build_info", (("mode", "shared"), ("version", "0.1.0")))] == 1


async def test_unknown_paths_share_one_label_and_templates_not_raw_paths() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    app.add_middleware(MetricsMiddleware)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        for i in range(4):
            assert (await c.get(f"/things/t{i}")).status_code == 200
        assert (await c.get("/nowhere/at-all")).status_code == 404
    text = (await metrics.render(None)).decode()
    samples = _samples(text)
    assert samples[("euryale_http_requests_total",
                    (("method", "GET"), ("route", "/things/{thing_id}"), ("status", "200")))] >= 4
    assert samples[("euryale_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] >= 1
    assert "/things/t1" not in text


def test_hooks_for_other_modules_are_plain_prometheus_objects() -> None:
    metrics.JOB_RUNS.labels(job="metrics-test-job", outcome="success").inc()
    metrics.WORKFLOW_EXECUTIONS.labels(workflow="metrics-test-wf", state="done").inc(2)
    metrics.EVENT_DEAD_LETTERS.set(7)
    samples = _samples(__import__("prometheus_client").generate_latest(metrics.REGISTRY).decode())
    assert samples[("euryale_job_runs_total", (("job", "metrics-test-job"), ("outcome", "success")))] == 1
    assert samples[("euryale_workflow_executions_total", (("state", "done"), ("workflow", "metrics-test-wf")))] == 2
    assert samples[("euryale_event_dead_letters", ())] == 7
    metrics.EVENT_DEAD_LETTERS.set(0)


def test_multiprocess_mode_merges_every_process_into_one_scrape(tmp_path: object) -> None:
    """`euryale start --workers N` with PROMETHEUS_MULTIPROC_DIR: each process writes its values to the directory and
    one scrape sums them, with one family per metric (two processes here, then a third renders)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    prom = Path(str(tmp_path)) / "prom"
    prom.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(prom)}
    bump = ("from euryale import metrics; "
            "metrics.HTTP_REQUESTS.labels(method='GET', route='/store/regions', status='200').inc(5)")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", bump], env=env, check=True, timeout=60)
    render = "import asyncio; from euryale import metrics; print(asyncio.run(metrics.render(None)).decode())"
    text = subprocess.run([sys.executable, "-c", render], env=env, check=True, timeout=60, capture_output=True,
                          text=True).stdout
    samples = _samples(text)
    key = ("euryale_http_requests_total", (("method", "GET"), ("route", "/store/regions"), ("status", "200")))
    assert samples[key] == 10, text[-2000:]
    assert text.count("# HELP euryale_http_requests_total ") == 1, "one family, merged across processes"
    assert len(list(prom.glob("counter_*.db"))) == 2
