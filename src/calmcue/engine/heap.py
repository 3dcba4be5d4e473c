"""Keeps the worker's freed block memory in the process instead of handing it back to the kernel (issue 15).

Every read allocates the same few arrays (a 0.6 s read of two channels: windows, spectra, FFT buffers of ~0.2-0.5 MB
each) and frees them when the block is done. glibc's defaults hand such memory back (munmap, or madvise on the
worker thread's arena once its free top passes the trim threshold), so the next block faults the same pages in
again: on the quiet room that cycle cost about a third of the worker's CPU (profiles/idle15.md). Raising both
thresholds keeps those pages mapped; the resident size stays what one block needs, which the process holds anyway
while it analyses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger("calmcue.heap")

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024  # blocks under this come from the heap (a live block's arrays are < 1 MB)
TRIM_THRESHOLD_BYTES = 16 * 1024 * 1024  # free memory at a heap's top kept up to this much


def keep_block_memory(*, mmap_threshold_bytes: int = MMAP_THRESHOLD_BYTES,
                      trim_threshold_bytes: int = TRIM_THRESHOLD_BYTES) -> bool:
    """Sets glibc's mmap and trim thresholds for the whole process; True if they were set (False elsewhere: other
    C libraries and systems keep their own defaults, which is only slower)."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = mallopt(M_MMAP_THRESHOLD, mmap_threshold_bytes) == 1 and mallopt(M_TRIM_THRESHOLD, trim_threshold_bytes) == 1
    if not done:
        log.info("mallopt refused the heap thresholds; freed block memory goes back to the system")
    return done
