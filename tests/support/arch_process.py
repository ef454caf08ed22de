"""A real Euryale background process for tests: config from `EURYALE_ROOT`, `start_background`, run until SIGTERM.

`ARCH_EMIT=<name>:<count>` stages that many events (one transaction each) after start-up, as a server would.
`ARCH_RUN_WORKFLOW=<workflow_id>:<transaction_id>` runs that workflow once after start-up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from euryale.background import start_background
from euryale.boot import build_container
from euryale.config import load_config
from euryale.events import Event
from euryale.events.outbox import stage_events


async def main() -> None:
    config = load_config(os.environ["EURYALE_ROOT"])
    container = build_container(config)
    await container.start()
    stop = await start_background(container)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    sys.stdout.write(f"ready {os.getpid()}\n")
    sys.stdout.flush()
    emit = os.environ.get("ARCH_EMIT")
    if emit:
        name, count = emit.rsplit(":", 1)
        for i in range(int(count)):
            async with container.database().transaction() as conn:
                await stage_events(conn, Event(name, {"i": i, "by": os.getpid()}))
    run = os.environ.get("ARCH_RUN_WORKFLOW")
    if run:
        wf_id, tx = run.split(":", 1)
        loop.create_task(container.resolve("workflows").run(wf_id, input={}, transaction_id=tx,
                                                             throw_on_error=False))
    await done.wait()
    await stop()
    await container.stop()


if __name__ == "__main__":
    asyncio.run(main())
