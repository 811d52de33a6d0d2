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



# -- a step is all or nothing -----------------------------------------------------
def test_a_non_finite_update_changes_nothing(rng):
    """SGD(1e30) makes the weights overflow: the step is refused whole, weights and
    optimizer state stay those of the last good step, and predictions stay finite."""
    from minicnn import Sequential
    from minicnn.layers import Dense, Flatten
    x, y = rng.standard_normal((8, 4, 4, 1)).astype(np.float32) * 1e10, rng.integers(0, 2, 8)
    model = Sequential([Flatten(), Dense(3, activation="relu"), Dense(2, activation="softmax")],
                       input_shape=(4, 4, 1))
    model.compile(SGD(1e30, momentum=0.9), "sparse_categorical_crossentropy")
    before, state = model.get_weights(), dict(model.optimizer.state)
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1.*not updated"):
        model.fit(x, y, batch_size=8, verbose=0)
    for kept, old in zip(model.get_weights(), before):
        np.testing.assert_array_equal(kept, old)
    assert model.optimizer.state.keys() == state.keys() and model.optimizer.iterations == 0
    assert np.all(np.isfinite(model.predict(x)))


def test_interrupts_are_held_until_the_step_is_written(sigint_raises):
    import signal
    from minicnn.optimizers import interrupts_held
    written = []
    with pytest.raises(KeyboardInterrupt):
        with interrupts_held():
            signal.raise_signal(signal.SIGINT)
            written.append("after the signal")  # still runs: the block is whole
    assert written == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sgd_weight_decay_shrinks_the_weights_as_keras_does():
    """Keras 3: p <- p - lr * weight_decay * p, then the gradient step. Worked by
    hand: p = 1, g = 0.5, lr = 0.1, weight_decay = 0.2 -> 1 - 0.02 - 0.05 = 0.93
    (a flipped sign would give 0.97)."""
    optimizer = SGD(learning_rate=0.1, weight_decay=0.2)
    param, grad = np.array([1.0, -2.0]), np.array([0.5, 0.0])
    optimizer.apply_gradients([("w", param, grad)])
    np.testing.assert_allclose(param, [0.93, -2.0 + 0.04], rtol=1e-12)
    momentum = SGD(learning_rate=0.1, momentum=0.5, weight_decay=0.2)
    param = np.array([1.0])
    momentum.apply_gradients([("w", param, np.array([0.5]))])
    momentum.apply_gradients([("w", param, np.array([0.5]))])
    # step 1: 1 - 0.02 = 0.98, v = -0.05 -> 0.93; step 2: 0.93 - 0.0186 = 0.9114,
    # v = 0.5 * -0.05 - 0.05 = -0.075 -> 0.8364
    np.testing.assert_allclose(param, [0.8364], rtol=1e-12)
