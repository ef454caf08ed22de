"""Start-up cost of `euryale start` (server mode, the image's config: Redis cache, event bus, locking).

Wall time from spawn to the first `/health` 200 is noisy on a shared machine; the CPU time the server process
had used by then (`/proc/<pid>/stat`, user + system) is not, so both are printed (the least of `--repeat` runs).

    python -m benchmarks.startup --database-url postgresql://.../db   # a migrated database (benchmarks.cpu --keep)

The package is byte-compiled first, as in the image (see `benchmarks.run.precompile`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from benchmarks.run import precompile
from tests.support import services
from tests.support.servers import REPO, EuryaleProcess, free_port, process_env


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _drop_keys(prefix: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(services.redis_url())
    keys = [k async for k in client.scan_iter(match=prefix + "*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="euryale-startup-"))
    shutil.copy(REPO / "deploy" / "euryale_config.py", project / "euryale_config.py")
    prefix = f"euryale_startup:{services.RUN_ID}:"
    walls, cpus = [], []
    precompile()
    try:
        for _ in range(args.repeat):
            port = free_port()
            env = process_env(args.database_url, REDIS_URL=services.redis_url(), REDIS_PREFIX=prefix,
                              EURYALE_ROOT=str(project), WORKER_MODE="server", PORT=str(port))
            server = EuryaleProcess("startup", env, cwd=str(project)).start()
            try:
                walls.append(server.wait_http(f"http://127.0.0.1:{port}/health", timeout=60))
                cpus.append(_cpu_seconds(server.pid))
            finally:
                server.cleanup()
    finally:
        shutil.rmtree(project, ignore_errors=True)
        asyncio.run(_drop_keys(prefix))
    print(f"start to first /health 200: {min(walls):.2f} s wall (min of {len(walls)}; all {sorted(round(w, 2) for w in walls)}), "
          f"{min(cpus):.2f} s CPU of the server process")


if __name__ == "__main__":
    main()
