import os

import numpy as np
import pytest

import minicnn
from minicnn import Sequential
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


@pytest.fixture(params=["numba", "numpy"])
def ops_mode(request):
    """Run a test with the fast ops and in textbook mode, and restore the default afterwards."""
    minicnn.set_ops(request.param)
    yield request.param
    minicnn.set_ops("numba")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def distinct_values(shape, rng, spacing=0.01):
    """Inputs whose values are all distinct and at least ``spacing`` apart:
    no max-pool ties and no value within a finite-difference step of another."""
    return (rng.permutation(int(np.prod(shape))) - np.prod(shape) / 2).reshape(shape) * spacing


def shared_data(*parts):
    """Path into ../shared/data, or skip the test when it is absent (a user's fresh clone)."""
    path = os.path.join(SHARED_DATA, *parts)
    if not os.path.exists(path):
        pytest.skip(f"shared data not available: {path}")
    return path


def small_cnn(num_classes=3, input_shape=(8, 8, 2), dtype=np.float32, softmax=True):
    model = Sequential([
        Conv2D(3, 3, padding="same", activation="relu"),
        MaxPool2D(2),
        Conv2D(4, 2, strides=1),
        ReLU(),
        Dropout(0.2),
        Flatten(),
        Dense(5, activation="relu"),
        Dense(num_classes, activation="softmax" if softmax else None),
    ])
    model.build(input_shape, dtype)
    return model


def bars(n, rng, size=12):
    """Horizontal (class 0) vs vertical (class 1) bars, with noise."""
    x = rng.normal(0, 0.1, (n, size, size, 1)).astype(np.float32)
    y = rng.integers(0, 2, n)
    for i in range(n):
        p = rng.integers(1, size - 1)
        if y[i]:
            x[i, :, p, 0] += 1
        else:
            x[i, p, :, 0] += 1
    return x, y


# -- one-step parity with the update equations, computed by hand ----------------
def dense_model(optimizer):
    minicnn.set_seed(2)
    model = Sequential([Dense(3)], input_shape=(4,))
    model.build((4,), np.float64)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=[])
    return model



@pytest.fixture
def sigint_raises():
    """SIGINT handled as Python's default (KeyboardInterrupt), whatever the runner
    set: a test run started in the background (CI, nohup) ignores SIGINT, and
    then nothing would interrupt."""
    import signal
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(params=["numba: im2col", "numba: image blocks", "numpy", "naive"])
def conv_ops(request, monkeypatch):
    """Run a test on every way minicnn convolves: the fast ops' two (whole-batch im2col,
    and a few images at a time, forced either way whatever the layer's size), the
    textbook's and the naive loops."""
    from minicnn.ops import fast
    monkeypatch.setattr(fast, "by_image_blocks", lambda filters, out_w: "blocks" in request.param)
    minicnn.set_ops(request.param.split(":")[0])
    yield request.param
    minicnn.set_ops("numba")
