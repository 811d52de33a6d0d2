"""SGD (momentum, Nesterov) and Adam: steps equal the update equations computed by hand."""
import numpy as np
import pytest

from minicnn.optimizers import SGD, Adam
from conftest import dense_model


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_steps_match_hand_computation(momentum, nesterov, rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model(SGD(learning_rate=0.1, momentum=momentum, nesterov=nesterov))
    w = model.layers[0].params["W"].copy()
    v = np.zeros_like(w)
    for _ in range(3):
        model.compute_gradients(x, y)
        g = model.layers[0].grads["W"].copy()
        model.layers[0].params["W"][...] = w  # restore, then let the optimizer step
        model.train_on_batch(x, y)
        v = momentum * v - 0.1 * g
        w = w + (momentum * v - 0.1 * g if nesterov else v)
        np.testing.assert_allclose(model.layers[0].params["W"], w, rtol=1e-12)


def test_adam_steps_match_hand_computation(rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model(Adam(learning_rate=0.01))
    w = model.layers[0].params["W"].copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, 4):
        model.compute_gradients(x, y)
        g = model.layers[0].grads["W"].copy()
        model.train_on_batch(x, y)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g ** 2
        w = w - 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-7)
        np.testing.assert_allclose(model.layers[0].params["W"], w, rtol=1e-12)


def test_gradients_stay_inspectable_after_a_step(rng):
    x, y = rng.standard_normal((5, 4)), rng.integers(0, 3, 5)
    model = dense_model("sgd")
    model.compute_gradients(x, y)
    before = model.layers[0].grads["W"].copy()
    model.train_on_batch(x, y)  # recomputes the same gradient, then updates
    np.testing.assert_allclose(model.layers[0].grads["W"], before)

