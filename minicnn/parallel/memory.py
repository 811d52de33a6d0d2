"""glibc's malloc told to keep freed blocks for reuse: the one process-wide setting minicnn makes.

Why: a training step allocates large buffers (im2col matrices, feature maps) and
frees them at its end. glibc returns large freed blocks to the system at once (and
a second thread's arena is trimmed eagerly); the next step asks for them again
and the system zero-fills every page anew: on the MNIST workload about 1,150
page faults per step on one thread and the step 1.30x slower, 3,400 and 1.49x on
two threads (benchmarks/choices.py; the figures are in benchmarks/RESULTS.md).

What: ``mallopt(M_MMAP_THRESHOLD, 32 MiB)`` and ``mallopt(M_TRIM_THRESHOLD, 64 MiB)``.
It is process-wide and cannot be undone: every library in the process (in a
Jupyter kernel, everything the kernel runs) then keeps freed blocks of up to
32 MiB, so the process keeps up to its peak memory. minicnn applies it when its
fast training step first runs (the numba ops; one thread or two), never in
textbook mode, and says so once on stderr.
``MINICNN_MALLOC=system`` in the environment leaves malloc alone.
"""
import ctypes
import os
import sys
import threading

_applied = []
_lock = threading.Lock()


def keep_freed_memory():
    """Apply the setting above, once per process (not with MINICNN_MALLOC=system, not
    where the C library is not glibc); returns whether it is in effect."""
    with _lock:
        return _apply_once()


def _apply_once():
    if _applied:
        return _applied[0]
    if os.environ.get("MINICNN_MALLOC") == "system":
        _applied.append(False)
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
        ok = libc.mallopt(m_mmap_threshold, 32 << 20) == 1
        ok = libc.mallopt(m_trim_threshold, 64 << 20) == 1 and ok
    except (OSError, AttributeError):  # not glibc: nothing to tune
        ok = False
    _applied.append(ok)
    if ok:
        print("minicnn: the fast training step reuses its buffers: glibc's malloc now keeps "
              "freed blocks of up to 32 MiB for reuse, for the whole process "
              "(MINICNN_MALLOC=system to leave malloc alone)", file=sys.stderr)
    return ok
