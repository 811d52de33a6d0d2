"""minicnn's threads: one small pool of its own, for the fast ops and the two-half step.

    minicnn.set_num_threads(2)

Why not the pools numba and NumPy bring: OpenBLAS's idle threads spin and fight
other programs for the cores (blas.py); numba's fork-safe "workqueue" pool took
longer to start a parallel loop than a small kernel takes, and its OpenMP pool
spins too and breaks in a forked child (measurements in benchmarks/RESULTS.md).

So minicnn splits its own work, two ways, on this module's threads (which
sleep when idle): ``run_together`` runs the two halves of a training step
(halves.py), and ``parallel_for`` cuts a loop over images (or matrix rows)
into pieces. What runs on them are numba kernels compiled with ``nogil=True``
and NumPy matrix products on one BLAS thread, which run outside the GIL, so
the threads really run at once. Rules:
- work below ``PARALLEL_MIN_WORK`` runs on the calling thread: waking a
  thread costs more than it saves;
- threads go only to cores other programs leave free (``free_threads``);
- the pieces depend on the work, never on the free threads, so results are
  the same on one thread or two, busy or quiet;
- nothing nests: inside the halves, loops run whole.

The count: ``set_num_threads(n)``, else the environment variable
MINICNN_NUM_THREADS (or NUMBA_NUM_THREADS), else the cores this process may
use. After ``fork()`` the child starts a pool of its own when it needs one.
Textbook mode (``set_ops("numpy")``) never uses this pool.
"""
import functools
import operator
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from minicnn.parallel.blas import one_blas_thread

# below this much work (elements read and written, or multiply-adds for a
# matrix product) a loop runs on the calling thread: a piece must take about
# 0.2 ms to pay for waking a thread (benchmarks/RESULTS.md)
PARALLEL_MIN_WORK = 1 << 19
# Work is counted in elements of the input image for a loop kernel, and for
# a matrix product in multiply-adds divided by MULTIPLY_ADDS_PER_ELEMENT: a
# multiply-add in BLAS costs that many times less than an element through a
# loop kernel (RESULTS.md).
MULTIPLY_ADDS_PER_ELEMENT = 12
PIECES_PER_CORE = 2  # more pieces than cores: a thread the system pauses holds up less


def _cores():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _default_threads():
    for variable in ("MINICNN_NUM_THREADS", "NUMBA_NUM_THREADS"):
        value = os.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return _cores()


_threads = _default_threads()
_pool = None  # created on first parallel use, dropped in a forked child
_pool_lock = threading.Lock()


def set_num_threads(n):
    """Use ``n`` threads for the fast ops' loops and matrix products (1: all on
    the calling thread)."""
    global _threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    _threads = n


def get_num_threads():
    return _threads


def _forget_pool():
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()  # the parent's threads do not exist here


os.register_at_fork(after_in_child=_forget_pool)


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers != _threads - 1:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(_threads - 1, thread_name_prefix="minicnn")
        return _pool


# -- cores other programs leave free --------------------------------------------
# A parallel loop waits for its slowest piece. When other programs keep the
# cores busy, a piece handed to a second thread waits for a core of its own,
# and the step takes longer than on one thread (RESULTS.md: the galaxy step
# with two busy programs on 2 cores). So parallel_for uses only the cores nobody
# else is running on: /proc/loadavg's fourth field counts the threads that
# are running or ready to run on the whole machine right now. It is read at
# most every LOAD_SAMPLE_SECONDS (reading it costs more than a small kernel), and
# the count used is the largest of the last LOAD_SAMPLES readings: a core that
# is free for one instant on a busy machine (a program between two time slices)
# is not taken for a free one.
LOAD_SAMPLE_SECONDS = 0.02
LOAD_SAMPLES = 4
_load = {"when": -1.0, "recent": [], "others": 0}


def _others_running():
    """Threads of other programs running or ready to run (0 where unknown): the
    largest count of the last LOAD_SAMPLES readings."""
    now = time.monotonic()
    if now - _load["when"] >= LOAD_SAMPLE_SECONDS:
        try:
            with open("/proc/loadavg") as f:
                running = int(f.read().split()[3].split("/")[0])
            count = max(0, running - 1)  # minus this thread, which reads
        except (OSError, ValueError, IndexError):
            count = 0
        _load["recent"] = (_load["recent"] + [count])[-LOAD_SAMPLES:]
        _load["others"] = max(_load["recent"])
        _load["when"] = now
    return _load["others"]


def free_threads():
    """How many threads a parallel loop would use now: minicnn's setting, capped
    by the cores other programs leave free (at least one)."""
    if _threads < 2:
        return _threads
    return max(1, min(_threads, _cores() - _others_running()))


# Inside run_together's two halves, parallel_for runs its loop whole on the
# calling thread: nothing nests (splitting a half further was slower: RESULTS.md).
_local = threading.local()


def _nested():
    return getattr(_local, "nested", False)


def _run_unnested(function):
    _local.nested = True
    try:
        return function()
    finally:
        _local.nested = False


def parallel_for(count, body, work):
    """Call ``body(start, stop)`` on pieces that cover range(count), in parallel
    when ``work`` is at least PARALLEL_MIN_WORK and there are threads to spare
    (free_threads()).

    The pieces depend on ``count`` and ``work`` only, never on how many
    threads are free: a body that sums per piece (a weight gradient) gives the
    same numbers on one thread as on two, busy machine or quiet. ``body`` must
    write only its own piece of the output (no two pieces add into the same
    number) and should release the GIL (a nogil numba kernel, a NumPy matrix
    product); errors raised in a piece are raised here.
    """
    if work < PARALLEL_MIN_WORK or count < 2 or _nested():
        body(0, count)  # inside run_together the two halves already share the cores
        return
    pieces = min(count, PIECES_PER_CORE * _cores())
    bounds = [count * i // pieces for i in range(pieces + 1)]
    spans = list(zip(bounds[:-1], bounds[1:]))
    threads = min(free_threads(), pieces)
    if threads < 2:
        for span in spans:
            body(*span)
        return
    queue = iter(spans)
    lock = threading.Lock()

    def take_pieces():  # until none is left; a piece starts no threads of its own
        while True:
            with lock:
                piece = next(queue, None)
            if piece is None:
                return
            body(*piece)

    with one_blas_thread():  # a matrix product in a piece must not start BLAS's threads too
        helpers = [_get_pool().submit(_run_unnested, take_pieces) for _ in range(threads - 1)]
        try:
            _run_unnested(take_pieces)
        finally:
            for helper in helpers:
                helper.result()


def parallel_sum(count, body, work):
    """The sum of ``body(start, stop)`` over parallel_for's pieces, added in the
    pieces' order: the same numbers whichever thread ran which piece."""
    results = {}

    def piece(start, stop):
        results[start] = body(start, stop)
    parallel_for(count, piece, work)
    return functools.reduce(operator.add, (results[start] for start in sorted(results)))


def run_together(first, second):
    """(first(), second()): at once, on two threads, when minicnn may use two
    and a second core is free; else one after the other on this thread. Both
    should release the GIL for most of their time. Inside them parallel_for
    runs each loop whole, on the calling thread. An error in either is raised
    here, after both have finished."""
    if _nested() or free_threads() < 2:
        return _run_unnested(first), _run_unnested(second)
    with one_blas_thread():
        other = _get_pool().submit(_run_unnested, second)
        try:
            result = _run_unnested(first)
        finally:
            wait([other])  # never leave the other half running, even on an error
        return result, other.result()


