"""minicnn's threads: its own pool splits the fast ops' loops and matrix products;
OpenBLAS runs on one thread while minicnn computes, and its setting comes back after."""
import threading
import time

import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Flatten
from minicnn.ops import reference
from minicnn.ops.fast import im2col as fast
from minicnn.ops.fast import pooling
from minicnn.parallel import blas
from minicnn.parallel import pool as threads


@pytest.fixture
def two_threads_always(monkeypatch):
    """Two threads, and parallel even for tiny work (the tests' arrays are small)."""
    before = threads.get_num_threads()
    monkeypatch.setattr(threads, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(threads, "_others_running", lambda: 0)  # as if the machine were idle
    monkeypatch.setattr(threads, "_cores", lambda: 4)
    threads.set_num_threads(2)
    yield
    threads.set_num_threads(before)


def openblas_or_skip():
    found = blas._openblas()
    if found is None:
        pytest.skip("NumPy's BLAS here is not OpenBLAS")
    return found


def test_blas_on_one_thread_inside_the_fast_step_and_restored_after(monkeypatch):
    get, set_ = openblas_or_skip()
    seen = []
    model = Sequential([Conv2D(2, 3), Flatten(), Dense(2, activation="softmax")],
                       input_shape=(6, 6, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    original = model.train_step
    monkeypatch.setattr(model, "train_step", lambda *a: seen.append(get()) or original(*a))
    set_(2)
    x, y = np.zeros((8, 6, 6, 1), np.float32), np.zeros(8)
    before = threads.get_num_threads()
    try:
        model.fit(x, y, batch_size=4, verbose=0)
        assert seen == [1, 1] and get() == 2  # one BLAS thread inside, NumPy's setting after
        minicnn.set_num_threads(2)  # minicnn's own threads; BLAS stays on one (no nesting)
        seen.clear()
        model.fit(x, y, batch_size=4, verbose=0)
        assert seen == [1, 1] and get() == 2
        model.predict(x)
        assert get() == 2
    finally:
        threads.set_num_threads(before)
        set_(1)
    with pytest.raises(ValueError, match="positive int"):
        minicnn.set_num_threads(0)


def test_the_blas_setting_survives_calls_from_several_threads_at_once():
    """Each thread's guard saved and restored the setting on its own before: with two
    threads interleaved, one could save the other's 1 and restore it last, leaving
    OpenBLAS on one thread for the rest of the process."""
    get, set_ = openblas_or_skip()
    set_(2)
    model = Sequential([Conv2D(4, 3, activation="relu"), Flatten(), Dense(3)],
                       input_shape=(12, 12, 1))
    model.compile("sgd", minicnn.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = np.random.default_rng(0).random((16, 12, 12, 1), np.float32), np.zeros(16, int)
    errors = []

    def work(i):
        try:
            for _ in range(30):
                model.predict(x) if i % 2 else model.evaluate(x, y)
                with blas.one_blas_thread():
                    time.sleep(0.0005)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
    try:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert not errors
        assert get() == 2
    finally:
        set_(1)


def test_parallel_for_covers_the_range_once_on_several_threads(two_threads_always):
    seen, names = [], set()

    def body(start, stop):
        time.sleep(0.01)  # releases the GIL, as the kernels do: both threads take pieces
        seen.extend(range(start, stop))
        names.add(threading.current_thread().name)
    threads.parallel_for(11, body, work=1)
    assert sorted(seen) == list(range(11))
    assert len(names) == 2


def test_small_work_and_one_thread_stay_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    calls = []
    body = lambda start, stop: calls.append((start, stop, threading.current_thread().name))  # noqa: E731
    threads.parallel_for(10, body, work=threads.PARALLEL_MIN_WORK - 1)
    main = threading.current_thread().name
    assert calls == [(0, 10, main)]  # small: one piece
    before = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        calls.clear()
        threads.parallel_for(10, body, work=threads.PARALLEL_MIN_WORK)
    finally:
        threads.set_num_threads(before)
    # one thread: the pieces two threads would share, one after the other, here:
    # they cover the range once, in order, all on the calling thread
    assert len(calls) > 1 and all(name == main for *_, name in calls)
    assert calls[0][0] == 0 and calls[-1][1] == 10
    assert all(a[1] == b[0] for a, b in zip(calls, calls[1:]))


def test_pieces_and_results_do_not_depend_on_free_threads(monkeypatch, rng):
    """The weight-gradient product sums per piece; its numbers must not change
    with the number of threads free at the time (a busy machine)."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    a = rng.standard_normal((1001, 37)).astype(np.float32)
    b = rng.standard_normal((1001, 40)).astype(np.float32)
    results = []
    before = threads.get_num_threads()
    try:
        for n, others in [(1, 0), (2, 0), (2, 1)]:
            threads.set_num_threads(n)
            monkeypatch.setattr(threads, "_others_running", lambda k=others: k)
            results.append(fast.matmul_tn(a, b))
    finally:
        threads.set_num_threads(before)
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])


def test_run_together_uses_two_threads_when_free_and_raises_after_both(two_threads_always):
    names = []

    def half(tag):
        def run():
            time.sleep(0.01)
            names.append(threading.current_thread().name)
            return tag
        return run
    assert threads.run_together(half("a"), half("b")) == ("a", "b")
    assert len(set(names)) == 2
    finished = []

    def slow():
        time.sleep(0.05)
        finished.append(True)
    with pytest.raises(RuntimeError, match="first"):
        threads.run_together(lambda: (_ for _ in ()).throw(RuntimeError("first")), slow)
    assert finished == [True]  # the other half was waited for


def test_an_error_in_a_piece_is_raised_to_the_caller(two_threads_always):
    def body(start, stop):
        if start > 0:
            raise RuntimeError(f"piece {start}")
    with pytest.raises(RuntimeError, match="piece"):
        threads.parallel_for(8, body, work=1)


def test_split_kernels_equal_their_numpy_definitions(two_threads_always, rng):
    x = rng.standard_normal((5, 9, 8, 3)).astype(np.float32)
    cols = fast.im2col(x, 3, 2, 2, 1, 4, 7)
    np.testing.assert_array_equal(cols, reference.im2col(x, 3, 2, 2, 1, 4, 7))
    np.testing.assert_allclose(fast.col2im(cols, x.shape, 3, 2, 2, 1, 4, 7),
                               reference.col2im(cols, x.shape, 3, 2, 2, 1, 4, 7), rtol=1e-6)
    y, argmax = pooling.maxpool_forward(x, 2, 2, 2, 2, 4, 4)
    y_ref, cache = reference.maxpool2d_forward(x, (2, 2), (2, 2), (0, 0, 0, 0))
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(argmax, cache[1])
    np.testing.assert_array_equal(pooling.maxpool_backward(y, argmax, x.shape, 2, 2, 2, 2),
                                  reference.maxpool2d_backward(y, cache))
    a, b = rng.standard_normal((37, 6)), rng.standard_normal((37, 4))
    np.testing.assert_allclose(fast.matmul(a, a.T), a @ a.T, rtol=1e-12)
    np.testing.assert_allclose(fast.matmul_tn(a, b), a.T @ b, rtol=1e-12)


def test_set_num_threads_resizes_the_pool(two_threads_always):
    names = set()

    def body(start, stop):
        time.sleep(0.01)
        names.add(threading.current_thread().name)
    threads.set_num_threads(3)
    threads.parallel_for(12, body, work=1)
    assert len(names) == 3


def test_threads_go_only_to_cores_other_programs_leave_free(monkeypatch):
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    before = threads.get_num_threads()
    threads.set_num_threads(2)
    try:
        for others, expected in [(0, 2), (1, 1), (2, 1), (7, 1)]:
            monkeypatch.setattr(threads, "_others_running", lambda n=others: n)
            assert threads.free_threads() == expected, others
        threads.set_num_threads(1)
        monkeypatch.setattr(threads, "_others_running", lambda: 0)
        assert threads.free_threads() == 1  # never more than the setting
    finally:
        threads.set_num_threads(before)


def test_the_running_count_is_read_from_proc_loadavg(monkeypatch, tmp_path):
    monkeypatch.setattr(threads, "_load", {"when": -1.0, "recent": [], "others": 0})
    others = threads._others_running()
    assert isinstance(others, int) and others >= 0
    # and it is sampled, not read on every call
    monkeypatch.setattr(threads, "_load", {"when": threads.time.monotonic(), "recent": [5],
                                           "others": 5})
    assert threads._others_running() == 5


def test_one_quiet_reading_on_a_busy_machine_frees_no_core(monkeypatch, tmp_path):
    """The count is the largest of the last few readings: a program between two time
    slices does not make its core look free."""
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(threads, "_load", {"when": -1.0, "recent": [], "others": 0})
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(
        loadavg if path == "/proc/loadavg" else path, *a, **k))
    seen = []
    for running in (3, 3, 1, 3, 1, 1, 1, 1):  # this thread and two busy programs, or alone
        loadavg.write_text(f"2.00 2.00 2.00 {running}/300 12345\n")
        threads._load["when"] = -1.0  # a new reading each time
        seen.append(threads._others_running())
    assert seen == [2, 2, 2, 2, 2, 2, 2, 0]


STEP_RUN = """
import ctypes, numpy as np, sys, minicnn
from minicnn.layers import Conv2D, Dense, Flatten, MaxPool2D
from minicnn.parallel import halves, plan, pool
halves.MIN_MULTIPLY_ADDS = 0
pool._others_running = lambda: 0
pool._cores = lambda: 2
minicnn.set_num_threads(int(sys.argv[1]))
model = minicnn.Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(), Flatten(), Dense(2)],
                           input_shape=(10, 10, 1))
model.compile("sgd", minicnn.losses.SparseCategoricalCrossentropy(from_logits=True))
x, y = np.zeros((32, 10, 10, 1), np.float32), np.zeros(32, int)
model.train_on_batch(x, y)
pooled = [s.buffers.get("pooled", (16, 4, 4, 4), np.float32)
          for s in plan.for_model(model)._stand_ins.values()]
for _ in range(3):
    model.train_on_batch(x, y)
again = [s.buffers.get("pooled", (16, 4, 4, 4), np.float32)
         for s in plan.for_model(model)._stand_ins.values()]
print(len(pooled), all(a is b for a, b in zip(pooled, again)))
"""


@pytest.mark.parametrize("threads", [1, 2])
def test_the_fast_step_reuses_its_arrays_and_changes_no_process_setting(threads):
    """The fused ops keep their large arrays from step to step (allocated once per
    shape: one set per half of the batch), so the fast step needs no allocator setting
    for the whole process, and says nothing on stderr."""
    import os
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-c", STEP_RUN, str(threads)],
                            capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.split() == ["2", "True"]


@pytest.mark.parametrize("when", ["before holding", "after holding"])
def test_ctrl_c_inside_the_blas_guard_leaves_no_stale_state(monkeypatch, when):
    """An interrupt landing inside the guard's own __enter__ (Ctrl-C at a random time did
    this in the suite) must not leave a nesting count that skips the next hold, nor a
    hold that is never released."""
    get, set_ = openblas_or_skip()
    real_hold = blas._hold

    def interrupted():
        if when == "after holding":
            real_hold()
        raise KeyboardInterrupt
    set_(2)
    try:
        monkeypatch.setattr(blas, "_hold", interrupted)
        with pytest.raises(KeyboardInterrupt):
            with blas.one_blas_thread():
                pass
        monkeypatch.setattr(blas, "_hold", real_hold)
        for _ in range(2):
            with blas.one_blas_thread():
                with blas.one_blas_thread():
                    assert get() == 1
            assert get() == 2
    finally:
        set_(1)
