"""Process memory: large allocations go back to the operating system when they are freed.

glibc serves a block above the mmap threshold (128 KiB at start) with its own mapping, but it raises that threshold
to the size of every such block freed (up to 32 MiB). After a few Argon2 hashes (19 MiB each, on the password
threads) and rendered product pages (~300 KiB), those sizes come from the heap arenas instead, which keep the
memory: the server's RSS grew by 40-60 MB on the first checkouts and never came down. Setting the threshold
explicitly turns that adjustment off: blocks of 1 MiB or more are mapped and unmapped, smaller ones (pages,
buffers) are still reused from the heap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
MMAP_THRESHOLD_BYTES = 1024 * 1024


def return_large_allocations_to_os() -> bool:
    """Fix glibc's mmap threshold at 1 MiB (no-op elsewhere); True when it was set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other libcs: nothing to tune
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
