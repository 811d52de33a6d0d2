"""The training step on two halves of the batch (minicnn/parallel/halves.py)."""
import numpy as np
import pytest

import minicnn
from minicnn.layers import Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D
from minicnn.parallel import halves, pool


@pytest.fixture(autouse=True)
def split_small_models(monkeypatch):
    """The models here are tiny: split them anyway (split_point's work threshold off)."""
    monkeypatch.setattr(halves, "MIN_MULTIPLY_ADDS", 0)


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
    monkeypatch.setattr(pool, "_others_running", lambda: others)
    monkeypatch.setattr(pool, "_cores", lambda: 2)
    before = pool.get_num_threads()
    pool.set_num_threads(threads_n)
    try:
        net = model(**kwargs)
        x, y, w = data()
        losses = [net.train_on_batch(x, y, sample_weight=w) for _ in range(3)]
        return losses, [p.copy() for layer in net.layers for p in layer.params.values()]
    finally:
        pool.set_num_threads(before)


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
    whole, split = model(seed=3), model(seed=3)
    loss_whole, _ = whole.train_step(x, y, w)  # the textbook step never splits
    assert halves.split_point(split, len(x)) == 18
    together = []
    monkeypatch.setattr(pool, "run_together", lambda a, b, f=pool.run_together:
                        together.append(1) or f(a, b))
    loss_halves, probabilities = halves.train_step(split, x, y, w)
    assert together == [1]  # it did split
    assert probabilities.shape == (37, 3)
    assert loss_halves == pytest.approx(loss_whole, rel=1e-6)
    for a, b in zip(whole.layers, split.layers):
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


def params_after(step, net, x, y, w=None):
    loss, _ = step(x, y, w)
    return loss, [p.copy() for layer in net.layers for p in layer.params.values()]


def test_multiply_adds_count_each_weight_at_each_output_position():
    net = model()  # Conv2D(4, 3) on 10x10x2 -> 8x8x4, pool, Dropout, Flatten, Dense(3) on 64
    assert [halves.multiply_adds(layer) for layer in net.layers] == [
        8 * 8 * (3 * 3 * 2 * 4), 0, 0, 0, 4 * 4 * 4 * 3]


def test_small_batches_are_computed_whole(monkeypatch):
    """Below the batch size worth splitting, the step is not split: the whole batch
    through the fast step's view of the model (its fused ops), the textbook step's
    numbers up to rounding."""
    x, y, w = data(halves.MIN_BATCH - 1)
    a, b = model(seed=4), model(seed=4)
    monkeypatch.setattr(halves, "gradients_in_halves", None)  # calling it would fail
    loss_a, params_a = params_after(a.train_step, a, x, y, w)
    loss_b, params_b = params_after(lambda *args: halves.train_step(b, *args), b, x, y, w)
    assert loss_a == pytest.approx(loss_b, rel=1e-6)
    for p, q in zip(params_a, params_b):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-7)


class BatchCentering(Layer):
    """A batch-statistics layer: y = x - mean of x over the batch. Its output for one
    sample depends on the others, so a batch must not be split for it."""
    independent_samples = False

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x - x.mean(axis=0)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return grad_y - grad_y.mean(axis=0)


def centered_model(seed):
    minicnn.set_seed(seed)
    net = minicnn.Sequential([Conv2D(4, 3, activation="relu"), BatchCentering(), Flatten(),
                              Dense(3, activation="softmax")], input_shape=(10, 10, 2))
    net.compile(minicnn.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=[])
    return net


def test_a_model_with_a_batch_statistics_layer_is_computed_whole(monkeypatch):
    x, y, _ = data()
    a, b = centered_model(7), centered_model(7)
    assert halves.split_point(b, len(x)) is None
    loss_a, params_a = params_after(a.train_step, a, x, y)
    loss_b, params_b = params_after(lambda *args: halves.train_step(b, *args), b, x, y)
    assert loss_a == loss_b
    for p, q in zip(params_a, params_b):
        np.testing.assert_array_equal(p, q)
    # the rule matters: split anyway, the half-batch means give other numbers
    monkeypatch.setattr(BatchCentering, "independent_samples", True)
    c = centered_model(7)
    loss_c, params_c = params_after(lambda *args: halves.train_step(c, *args), c, x, y)
    assert not np.allclose(params_c[-2], params_a[-2], rtol=1e-3, atol=1e-4)


def test_textbook_mode_and_plugged_ops_never_split():
    from minicnn import ops, parallel
    net = model()
    try:
        minicnn.set_ops("numpy")
        assert parallel.train_step_for(net) == net.train_step
        ops.plug("student", {})
        assert parallel.train_step_for(net) == net.train_step
    finally:
        minicnn.set_ops("numba")
    assert parallel.train_step_for(net) != net.train_step


def test_errors_speak_of_the_users_batch():
    """A batch of 32 RGB images for a grayscale model: the message names the
    user's batch of 32 (not a half of 16) and says how to load grayscale images."""
    net = minicnn.Sequential([Conv2D(4, 3, activation="relu"), Flatten(),
                              Dense(3, activation="softmax")], input_shape=(12, 12, 1))
    net.compile("adam", "sparse_categorical_crossentropy")
    x, y = np.zeros((32, 12, 12, 3), np.float32), np.zeros(32, int)
    rgb = [lambda: net.train_on_batch(x, y), lambda: net.fit(x, y, verbose=0),
           lambda: net.predict(x), lambda: net.evaluate(x, y)]
    gray = np.zeros((32, 12, 12, 1), np.float32)
    for call, words in [(lambda: net.train_on_batch(gray, y[:31]), ["32 samples", "31 targets"]),
                        (lambda: net.train_on_batch(gray, np.eye(3)[y][:, :2]), ["2 classes"]),
                        (lambda: net.train_on_batch(gray, y, np.ones(31)), ["31 values",
                                                                           "32 samples"])]:
        with pytest.raises(ValueError) as error:
            call()
        assert all(word in str(error.value) for word in words), str(error.value)
        assert "(16" not in str(error.value) and " 16 " not in str(error.value), str(error.value)
    for call in rgb:
        with pytest.raises(ValueError) as error:
            call()
        message = str(error.value)
        assert "(16," not in message, message  # never a half of the batch
        assert ("(32, 12, 12, 3)" in message and "(batch, 12, 12, 1)" in message) or (
            "(12, 12, 1)" in message and "(12, 12, 3)" in message), message  # fit: per sample
        assert 'color_mode="grayscale"' in message, message


def test_an_error_in_a_half_leaves_no_drawn_dropout_mask(monkeypatch):
    net = model()
    x, y, _ = data()
    net.train_on_batch(x, y)  # builds
    dropout = next(layer for layer in net.layers if isinstance(layer, Dropout))
    dense = net.layers[-1]  # after the Dropout; a layer the fast step runs itself
    original = type(dense).forward

    def broken(self, inputs, training=False):
        raise RuntimeError("broken layer")
    monkeypatch.setattr(type(dense), "forward", broken)
    with pytest.raises(RuntimeError, match="broken layer"):
        net.train_on_batch(x, y)
    assert "draw_randomness" not in vars(dropout)  # draws its own masks again
    monkeypatch.setattr(type(dense), "forward", original)
    net.train_on_batch(x[:20], y[:20])  # a different batch size trains normally
