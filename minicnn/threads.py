"""How many threads minicnn's kernels and NumPy's matrix products use.

    minicnn.set_num_threads(1)      # e.g. when other programs share the machine

The numba kernels run their parallel loops on numba's thread pool; NumPy's
matrix products run on its BLAS library's pool (OpenBLAS in NumPy's wheels).
Both default to one thread per core. set_num_threads sets both; the
environment variables NUMBA_NUM_THREADS and OPENBLAS_NUM_THREADS (read at
start-up) do the same for a whole process.
"""
import ctypes
import os

import numba


def _blas_setters():
    """OpenBLAS's set_num_threads functions in the libraries this process has loaded."""
    setters = []
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return setters
    for path in sorted(paths):
        if not os.path.exists(path):
            continue
        library = ctypes.CDLL(path)
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(library, name):
                setters.append(getattr(library, name))
                break
    return setters


def set_num_threads(n):
    """Use ``n`` threads for the numba kernels and for NumPy's BLAS (when it is
    OpenBLAS, as in NumPy's wheels; other BLAS libraries keep their setting).
    n is capped at the thread count numba started with (NUMBA_NUM_THREADS)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    import numpy  # noqa: F401  (its BLAS is loaded with it)
    for setter in _blas_setters():
        setter(ctypes.c_int(n))


def get_num_threads():
    return numba.get_num_threads()
