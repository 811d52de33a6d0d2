"""OpenBLAS on one thread while minicnn's fast ops run.

OpenBLAS's idle threads spin, waiting for the next product: on a 2-core laptop
with other programs busy, they fight those programs for the cores, and
minicnn's own threads (pool.py) already share the work. So the fast ops, and
the training step fit runs with them, hold OpenBLAS to one thread with
``one_blas_thread()``; outside them NumPy keeps its own setting.

OpenBLAS's thread count is one number for the whole process, so the guard
keeps its holders: the first (on any thread) saves the setting and sets 1, the
last one to leave restores it; holders in between change nothing. Code that
sets OpenBLAS's threads itself while minicnn runs would still race with this.

OpenBLAS is found among the libraries this process loaded (/proc/self/maps)
and driven through its C functions (openblas_get_num_threads and
openblas_set_num_threads, with the prefixes NumPy's wheels use). Elsewhere (another
BLAS, not Linux) the guard does nothing.
"""
import ctypes
import functools
import os
import threading


@functools.lru_cache(maxsize=1)
def _openblas():
    """(get, set) for the OpenBLAS NumPy loaded, or None (another BLAS, or not Linux)."""
    import numpy  # noqa: F401  (its BLAS is loaded with it)
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None
    for path in paths:
        if not os.path.exists(path):
            continue
        library = ctypes.CDLL(path)
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                getter, setter = (getattr(library, f"{prefix}_{verb}_num_threads{suffix}", None)
                                  for verb in ("get", "set"))
                if getter is not None and setter is not None:
                    return getter, setter
    return None


_lock = threading.Lock()
_holding = set()  # the threads inside a one_blas_thread block (their idents)
_saved = None     # OpenBLAS's setting before the first of them
_depth = threading.local()  # this thread's nesting: an inner block costs a counter only


class one_blas_thread:
    """OpenBLAS on one thread inside the block; its setting restored when the
    last holder (of any thread) leaves. Blocks nest (the training step holds
    it, and so does each fast op inside it): only a thread's outermost block
    takes the lock. A class rather than a generator: it is entered ten times
    a training step.

    Ctrl-C can land inside __enter__ or __exit__ themselves (the tests send it at
    random times), leaving the nesting count and the holders apart. So the
    holders are a set of threads, not a count: holding twice or releasing
    without holding changes nothing, and a thread whose count says "nested"
    but which is not among the holders takes the block as its outermost."""
    __slots__ = ()

    def __enter__(self):
        depth = getattr(_depth, "value", 0)
        if depth == 0 or threading.get_ident() not in _holding:
            depth = 0
            _hold()
        _depth.value = depth + 1

    def __exit__(self, *exception):
        depth = getattr(_depth, "value", 0)
        if depth <= 0:  # a block a forked child inherited: the child holds nothing
            return
        _depth.value = depth - 1
        if depth == 1:
            _release()


def _hold():
    global _saved
    blas = _openblas()
    if blas is None:
        return
    with _lock:
        if threading.get_ident() in _holding:
            return
        if not _holding:
            _saved = blas[0]()
            blas[1](ctypes.c_int(1))
        _holding.add(threading.get_ident())


def _release():
    blas = _openblas()
    if blas is None:
        return
    with _lock:
        if threading.get_ident() not in _holding:
            return
        _holding.discard(threading.get_ident())
        if not _holding:
            blas[1](ctypes.c_int(_saved))


def _forget_holders():
    global _lock, _holding, _depth
    # a forked child holds nothing, whatever the parent did
    _lock, _holding, _depth = threading.Lock(), set(), threading.local()


os.register_at_fork(after_in_child=_forget_holders)
