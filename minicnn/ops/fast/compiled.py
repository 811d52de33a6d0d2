"""How minicnn compiles its numba kernels: where the machine code is cached,
and the one decorator every loop kernel uses (``kernel``)."""
import os
import tempfile
import warnings

import numba
from numba import njit

# Keep the compiled kernels in the user's cache folder, not beside the
# installed sources: files written into site-packages outlive a reinstall (pip
# removes only what it installed) and turn the old package folder into an
# empty namespace package that shadows the new install. NUMBA_CACHE_DIR, when
# set, still wins. numba reads this when each @njit below is applied.
if not os.environ.get("NUMBA_CACHE_DIR"):
    _cache_home = (os.environ.get("XDG_CACHE_HOME")
                   or os.path.join(os.path.expanduser("~"), ".cache"))
    numba.config.CACHE_DIR = os.path.join(_cache_home, "minicnn", "numba")


def _writable(folder):
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as error:
        return error


# Where the cache cannot be written (a read-only home, another user's install),
# numba would fail at the first call ("no locator available"): compile in
# memory instead, and say so once.
_cache_error = _writable(numba.config.CACHE_DIR)
CACHE = _cache_error is None
if not CACHE:
    warnings.warn(f"minicnn: cannot write numba's cache folder {numba.config.CACHE_DIR} "
                  f"({_cache_error}); the kernels are compiled in memory, again in each new "
                  f"process. Set NUMBA_CACHE_DIR to a writable folder to keep them.")

# nogil: minicnn's threads run these kernels side by side (parallel/pool.py: parallel_for)
kernel = njit(cache=CACHE, nogil=True)
# For the loops of multiply-adds (the fused convolution, conv_pool.py): sums may be
# reordered and multiply-adds fused, so that LLVM vectorises them (a float sum in
# strict order is left scalar); NaN and infinity keep their meaning (no "nnan",
# "ninf"), so comparisons and the checks for them still hold.
vector_kernel = njit(cache=CACHE, nogil=True,
                     fastmath={"reassoc", "contract", "nsz", "arcp"})
