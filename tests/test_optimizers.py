"""SGD (momentum, Nesterov) and Adam: steps equal the update equations computed by hand;
RMSprop and ExponentialDecay equal Keras's (tests/fixtures/keras_round3)."""
import json
import os

import numpy as np
import pytest

from minicnn import Sequential
from minicnn.layers import Dense
from minicnn.optimizers import SGD, Adam, RMSprop
from minicnn.schedules import ExponentialDecay
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
    from minicnn.interrupts import held
    written = []
    with pytest.raises(KeyboardInterrupt):
        with held():
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


# -- RMSprop, learning-rate schedules, argument checks (issue 23) ---------------------------------
ROUND3 = os.path.join(os.path.dirname(__file__), "fixtures", "keras_round3")


def rmsprop_cases():
    with np.load(os.path.join(ROUND3, "rmsprop.npz")) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(str(arrays["config_json"]))


@pytest.mark.parametrize("case", sorted(rmsprop_cases()[1]))
def test_rmsprop_steps_equal_keras(case):
    """Five steps on fixed gradients (one of them 10x larger), in float64, against
    Keras 3.15's parameters after each step (epsilon inside the root, momentum, centered)."""
    arrays, configs = rmsprop_cases()
    optimizer = RMSprop(**configs[case])
    param = arrays["rmsprop/p0"].copy()
    for step, grad in enumerate(arrays["rmsprop/grads"]):
        optimizer.apply_gradients([("p", param, grad)])
        np.testing.assert_allclose(param, arrays[f"{case}/params"][step], rtol=1e-12, atol=1e-15)


def test_rmsprop_by_name_and_its_slots():
    model = Sequential([Dense(2)], input_shape=(3,))
    model.compile("rmsprop", "sparse_categorical_crossentropy")
    assert type(model.optimizer) is RMSprop and model.optimizer.learning_rate == 0.001
    model.train_on_batch(np.ones((2, 3)), [0, 1])
    assert {slot for _, slot in model.optimizer.state} == {"velocity"}
    centered = RMSprop(momentum=0.5, centered=True)
    centered.apply_gradients([("p", np.zeros(2), np.ones(2))])
    assert {slot for _, slot in centered.state} == {"velocity", "momentum", "average_gradient"}


def schedules():
    with open(os.path.join(ROUND3, "schedules.json")) as file:
        return json.load(file)


@pytest.mark.parametrize("staircase", ["staircase=False", "staircase=True"])
def test_exponential_decay_equals_keras(staircase):
    case = schedules()["exponential_decay"][staircase]
    schedule = ExponentialDecay(case["initial_learning_rate"], case["decay_steps"],
                                case["decay_rate"], staircase=case["staircase"])
    values = [schedule(step) for step in case["steps"]]
    np.testing.assert_allclose(values, case["exact_float64"], rtol=1e-14)
    np.testing.assert_allclose(values, case["keras_values"], rtol=1e-6)  # Keras's are float32


def test_an_optimizer_asks_its_schedule_with_the_steps_taken_before():
    """SGD with gradient 1 moves by the rate of each step: schedule(0) first, as Keras."""
    case = schedules()["exponential_decay"]["sgd_steps"]
    optimizer = SGD(ExponentialDecay(case["initial_learning_rate"], case["decay_steps"],
                                     case["decay_rate"], staircase=case["staircase"]))
    param, moves = np.zeros(1), []
    for _ in range(5):
        before = param.copy()
        optimizer.apply_gradients([("p", param, np.ones(1))])
        moves.append(float(before[0] - param[0]))
    np.testing.assert_allclose(moves, case["lr_used_by_step_1_to_5"], rtol=1e-12)
    assert optimizer.learning_rate == pytest.approx(case["initial_learning_rate"] * 0.5 ** 2)
    with pytest.raises(TypeError, match="cannot be set"):
        optimizer.learning_rate = 0.1  # as Keras: a scheduled rate is not settable


def test_the_learning_rate_is_settable():
    optimizer = Adam(0.01)
    optimizer.learning_rate = 0.5
    param = np.zeros(2)
    optimizer.apply_gradients([("p", param, np.ones(2))])
    np.testing.assert_allclose(param, -0.5, rtol=1e-5)  # Adam's first step: about lr * sign(g)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizer.learning_rate = -1


@pytest.mark.parametrize("make,words", [
    (lambda: Adam("0.001"), ["Adam", "learning_rate", "'0.001'", "without quotes"]),
    (lambda: SGD(momentum="0.9"), ["SGD", "momentum", "'0.9'"]),
    (lambda: SGD(0.1, nesterov="yes"), ["SGD", "nesterov", "'yes'"]),
    (lambda: RMSprop(rho=None), ["RMSprop", "rho", "None"]),
    (lambda: Adam(beta_1=1.5), ["Adam", "beta_1", "1.5"]),
    (lambda: RMSprop(centered=1), ["RMSprop", "centered"]),
    (lambda: SGD(lr=0.1), ["lr", "learning_rate="]),
    (lambda: Adam(use_ema=True), ["use_ema", "Adam"]),
    (lambda: SGD(learning_rate=[0.1]), ["SGD", "learning_rate"]),
])
def test_hyperparameters_of_the_wrong_type_are_refused_by_name(make, words):
    with pytest.raises(ValueError) as error:
        make()
    for word in words:
        assert word in str(error.value)


def test_keras_2s_decay_is_ignored_with_a_warning_as_keras_3_ignores_it():
    with pytest.warns(UserWarning, match="decay"):
        optimizer = SGD(0.1, decay=1e-6)
    assert optimizer.learning_rate == 0.1
