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
