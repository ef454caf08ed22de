"""Redis workflow engine: executions are claimed in Redis with a heartbeat, so several processes cooperate.

A process advancing an execution holds `<prefix>wf:claim:wf:<workflow>:<transaction>` (renewed every third of
`claim_ttl_ms`). If it dies, the claim expires and the sweeper of any worker/shared process resumes the
execution from its last checkpoint in `workflow_execution`, completing or compensating it. Async-step
continuations (`set_step_success/failure`) may come from any process: they take the same claim.
"""

from __future__ import annotations

from typing import Any

from euryale.config import ConfigError
from euryale.redis_claims import RedisClaims, redis_client
from euryale.workflows.engine import WorkflowEngine


class RedisWorkflowEngine(WorkflowEngine):
    """`WorkflowEngine` with Redis claims and a recovery sweeper."""

    def __init__(self, container: Any, client: Any, *, prefix: str, claim_ttl_ms: int, sweep_interval: float
                 ) -> None:
        super().__init__(container, RedisClaims(client, prefix + "wf:claim:"), claim_ttl_ms=claim_ttl_ms,
                         sweep_interval=sweep_interval)
        self.redis = client

    async def stop(self) -> None:
        await super().stop()
        await self.redis.aclose()


def load(container: Any, options: dict[str, Any]) -> RedisWorkflowEngine:
    pc = container.config.project_config
    redis_opts = options.get("redis") or {}
    url = options.get("redis_url") or redis_opts.get("url") or redis_opts.get("redisUrl") or pc.redis_url
    if not url:
        raise ConfigError("modules[workflows].options.redis_url", "REDIS_URL",
                          "the Redis workflow engine needs a Redis URL", "set REDIS_URL or options.redis_url")
    ttl = int(options.get("claim_ttl_ms", 10_000))
    return RedisWorkflowEngine(container, redis_client(url, redis_opts.get("options") or pc.redis_options or None),
                               prefix=options.get("prefix", pc.redis_prefix), claim_ttl_ms=ttl,
                               sweep_interval=float(options.get("sweep_interval", max(0.5, ttl / 2000))))
