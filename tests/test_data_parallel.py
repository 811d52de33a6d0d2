"""The training step on two halves of the batch (minicnn/data_parallel.py)."""
import numpy as np
import pytest

import minicnn
from minicnn import data_parallel, threads
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D


@pytest.fixture(autouse=True)
def split_small_models(monkeypatch):
    """The models here are tiny: split them anyway (first_half's work threshold off)."""
    monkeypatch.setattr(data_parallel, "MIN_MULTIPLY_ADDS", 0)


def model(seed=0, dropout=0.3):
    minicnn.set_seed(seed)
    net = minicnn.Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Dropout(dropout),
                              Flatten(), Dense(3, activation="softmax")], input_shape=(10, 10, 2))
    net.compile(minicnn.optimizers.SGD(0.1, momentum=0.9), "sparse_categorical_crossentropy",
                metrics=["accuracy"])
    return net


def data(n=37):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, 10, 10, 2)).astype(np.float32)
    return x, rng.integers(0, 3, n), rng.random(n).astype(np.float32)


def weights_after_steps(threads_n, others, monkeypatch, **kwargs):
    monkeypatch.setattr(threads, "_others_running", lambda: others)
    monkeypatch.setattr(threads, "_cores", lambda: 2)
    before = threads.get_num_threads()
    threads.set_num_threads(threads_n)
    try:
        net = model(**kwargs)
        x, y, w = data()
        losses = [net.train_on_batch(x, y, sample_weight=w) for _ in range(3)]
        return losses, [p.copy() for layer in net.layers for p in layer.params.values()]
    finally:
        threads.set_num_threads(before)


def test_two_threads_one_thread_and_a_busy_machine_give_the_same_numbers(monkeypatch):
    reference = weights_after_steps(1, 0, monkeypatch)
    for threads_n, others in [(2, 0), (2, 1)]:
        losses, params = weights_after_steps(threads_n, others, monkeypatch)
        assert losses == reference[0]
        for a, b in zip(params, reference[1]):
            np.testing.assert_array_equal(a, b)


def test_halves_equal_the_unsplit_step(monkeypatch):
    """Same loss and gradients as the whole batch at once (float rounding aside),
    Dropout masks included: they are drawn for the whole batch before the split."""
    x, y, w = data()
    whole, halves = model(seed=3), model(seed=3)
    monkeypatch.setattr(data_parallel, "MIN_BATCH", 10**9)
    loss_whole, _ = whole.train_step(x, y, w)
    monkeypatch.setattr(data_parallel, "MIN_BATCH", 16)
    assert data_parallel.first_half(halves, len(x)) == 18
    loss_halves, probabilities = halves.train_step(x, y, w)
    assert probabilities.shape == (37, 3)
    assert loss_halves == pytest.approx(loss_whole, rel=1e-6)
    for a, b in zip(whole.layers, halves.layers):
        for key in a.params:
            np.testing.assert_allclose(b.grads[key], a.grads[key], rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(b.params[key], a.params[key], rtol=1e-5, atol=1e-6)


def test_a_non_finite_loss_in_one_half_changes_no_weight():
    net = model(dropout=0)
    x, y, _ = data()
    x[30] = np.nan  # in the second half
    before = [p.copy() for layer in net.layers for p in layer.params.values()]
    with pytest.raises(FloatingPointError):
        net.train_on_batch(x, y)
    after = [p for layer in net.layers for p in layer.params.values()]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_small_batches_and_small_models_are_computed_whole(monkeypatch):
    net = model()
    per_sample = sum(layer.multiply_adds() for layer in net.layers)
    assert per_sample == 8 * 8 * 3 * 3 * 2 * 4 + 4 * 4 * 4 * 3  # conv, then dense
    monkeypatch.setattr(data_parallel, "MIN_MULTIPLY_ADDS", per_sample * 20)
    assert data_parallel.first_half(net, 19) is None  # too little work
    assert data_parallel.first_half(net, 20) == 10
    monkeypatch.setattr(data_parallel, "MIN_MULTIPLY_ADDS", 0)
    assert data_parallel.first_half(net, data_parallel.MIN_BATCH - 1) is None
    assert data_parallel.first_half(net, data_parallel.MIN_BATCH) == data_parallel.MIN_BATCH // 2


def test_an_error_in_a_half_leaves_no_drawn_dropout_mask(monkeypatch):
    net = model()
    x, y, _ = data()
    net.train_on_batch(x, y)  # builds
    dropout = next(layer for layer in net.layers if isinstance(layer, Dropout))
    conv = net.layers[0]
    original = type(conv).forward

    def broken(self, inputs, training=False):
        raise RuntimeError("broken layer")
    monkeypatch.setattr(type(conv), "forward", broken)
    with pytest.raises(RuntimeError, match="broken layer"):
        net.train_on_batch(x, y)
    assert dropout.drawn is None
    monkeypatch.setattr(type(conv), "forward", original)
    net.train_on_batch(x[:20], y[:20])  # a different batch size trains normally
