"""Operations CLI: `jobs:list`, `workflows:stuck`, `workflows:skip-step` as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from euryale.subscribers import import_file
from tests.support import services
from tests.support.arch import REPO, SECRET, arch_config, started, write_project

OPS_WORKFLOW = """
from euryale.workflows import step, workflow

@step("ops-wait", is_async=True)
async def wait(ctx, inp):
    return None

@step("ops-after")
async def after(ctx, inp):
    return "finished"

workflow("ops-wf", steps=[wait, after])
"""

JOB = """
async def handler(container):
    pass

config = {"name": "nightly-sync", "schedule": "0 3 * * *"}
"""


def _cli(root: Path, db: services.TestDatabase, prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db.dsn, "REDIS_URL": services.redis_url(), "REDIS_PREFIX": prefix,
           "JWT_SECRET": SECRET, "COOKIE_SECRET": SECRET, "EURYALE_ROOT": str(root), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", "from euryale.cli.main import run; run()", *args], env=env,
                          cwd=str(root), capture_output=True, text=True, timeout=120)


async def test_jobs_list_stuck_workflows_and_skip_step(arch_db: services.TestDatabase, redis_prefix: str,
                                                       tmp_path: Path) -> None:
    prefix = f"{redis_prefix}{uuid.uuid4().hex[:6]}:"
    root = write_project(tmp_path / "proj", {"src/workflows/ops_wf.py": OPS_WORKFLOW, "src/jobs/nightly.py": JOB})
    listed = _cli(root, arch_db, prefix, "jobs:list")
    assert listed.returncode == 0, listed.stderr
    assert "nightly-sync\t0 3 * * *" in listed.stdout and "T03:00:00+00:00" in listed.stdout

    import_file(root / "src" / "workflows" / "ops_wf.py", "arch_test_project.workflows")
    container = await started(arch_config(arch_db, prefix=prefix, redis=True))
    tx = f"tx_{uuid.uuid4().hex[:8]}"
    try:
        pending = await container.resolve("workflows").run("ops-wf", transaction_id=tx)
        assert pending.state == "invoking"
        stuck = _cli(root, arch_db, prefix, "workflows:stuck", "--older-than", "0")
        assert stuck.returncode == 0, stuck.stderr
        assert f"ops-wf\t{tx}\tinvoking" in stuck.stdout and "ops-wait" in stuck.stdout
        skipped = _cli(root, arch_db, prefix, "workflows:skip-step", "ops-wf", tx, "ops-wait")
        assert skipped.returncode == 0, skipped.stderr
        assert f"ops-wf {tx}: done" in skipped.stdout
        row = await container.resolve("workflows").get("ops-wf", tx)
        assert row is not None and row["state"] == "done" and row["context"]["data"]["result"] == "finished"
    finally:
        await container.stop()
