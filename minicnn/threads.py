"""How many threads minicnn's kernels and NumPy's matrix products use.

    minicnn.set_num_threads(2)

The numba kernels run their parallel loops on numba's thread pool (one thread
per core by default). NumPy's matrix products run on its BLAS library's pool
(OpenBLAS in NumPy's wheels), whose idle threads spin: with other programs
busy on a 2-core laptop, the galaxy model's training step took 24-42 ms with
OpenBLAS's default threads against 6-13 ms with one BLAS thread (and 5-9 ms
with everything on one thread). minicnn's matrices are small, so inside
minicnn's own calls (fit, evaluate, predict, the training step) BLAS runs on
one thread by default; the rest of your program keeps NumPy's setting.
set_num_threads(n) sets both numba's count and the BLAS count used inside
minicnn. NUMBA_NUM_THREADS (read at start-up) caps numba's pool.
"""
import contextlib
import ctypes
import functools
import os

import numba

_blas_threads = 1  # BLAS threads inside minicnn's calls


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


def set_num_threads(n):
    """Use ``n`` threads for the numba kernels (capped at NUMBA_NUM_THREADS) and
    for the BLAS matrix products inside minicnn's calls."""
    global _blas_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _blas_threads = n


def get_num_threads():
    return numba.get_num_threads()


@contextlib.contextmanager
def blas_threads(n=None):
    """OpenBLAS on ``n`` threads (default: minicnn's setting) inside the block,
    NumPy's own setting restored after it."""
    blas = _openblas()
    if blas is None:
        yield
        return
    get, set_ = blas
    before = get()
    set_(ctypes.c_int(_blas_threads if n is None else n))
    try:
        yield
    finally:
        set_(ctypes.c_int(before))


def limits_blas(method):
    """Run ``method`` under blas_threads(): for minicnn's entry points."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with blas_threads():
            return method(*args, **kwargs)
    return wrapper
