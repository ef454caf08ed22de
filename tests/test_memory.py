"""Large blocks freed on another thread go back to the OS (the password hashing threads' 19 MiB Argon2 blocks)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys, threading
from euryale.memory import return_large_allocations_to_os

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "tuned":
    assert return_large_allocations_to_os()
before = rss_mb()

def hash_like():
    for _ in range(4):  # what an Argon2 hash does: a 19 MiB block, written, freed
        block = bytearray(19 * 1024 * 1024)
        del block

t = threading.Thread(target=hash_like)
t.start()
t.join()
print(rss_mb() - before)
"""


def _growth(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mmap threshold")
def test_freed_large_blocks_do_not_stay_in_the_process() -> None:
    assert _growth("tuned") < 8
    # what it guards against: glibc's adaptive threshold keeps the second block on the thread's heap
    assert _growth("default") >= 15


def test_a_server_process_does_not_load_what_only_other_commands_use() -> None:
    """Alembic (the release step) and httpx (the file module's S3 provider, and the click its command line brings)
    stay out of a server's memory until used (~3 MB for httpx)."""
    script = (
        "import sys\n"
        "from euryale.config import define_config\n"
        "from euryale.boot import build_container\n"
        "from euryale.http.app import create_app\n"
        "cfg = define_config(project_config={'database_url': 'postgresql://u@127.0.0.1:1/x', 'worker_mode': 'server',"
        " 'http': {'jwt_secret': 'x' * 40, 'cookie_secret': 'y' * 40}})\n"
        "create_app(build_container(cfg))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'httpx', 'mako'}))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
