"""BatchNormalization: a teaching layer (its Keras equality is in test_keras_equality.py)."""
import numpy as np
import pytest

import minicnn
from minicnn import Sequential, load_model
from minicnn.gradcheck import check_layer
from minicnn.layers import BatchNormalization, Conv2D, Dense, Flatten
from minicnn.optimizers import SGD
from minicnn.parallel import halves


def test_training_uses_the_batch_and_inference_the_running_statistics(rng):
    layer = BatchNormalization(momentum=0.5)
    layer.build((3, 3, 2), np.float64)
    x = rng.normal(4.0, 3.0, (5, 3, 3, 2))
    y = layer(x, training=True)
    # each channel of the output has mean 0 and variance var / (var + epsilon) over the batch
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-12)
    var = x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), var / (var + 1e-3), rtol=1e-12)
    # the running statistics moved half way (momentum 0.5) from (0, 1) toward the batch's
    np.testing.assert_allclose(layer.state["moving_mean"], 0.5 * x.mean(axis=(0, 1, 2)))
    np.testing.assert_allclose(layer.state["moving_variance"], 0.5 + 0.5 * var)  # biased var
    expected = (x - layer.state["moving_mean"]) / np.sqrt(layer.state["moving_variance"] + 1e-3)
    np.testing.assert_allclose(layer(x, training=False), expected, rtol=1e-12)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12)  # a direct call is inference


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("options,shape", [({}, (4, 5, 3)), ({"momentum": 0.9}, (6,)),
                                           ({"center": False}, (3, 4, 2)),
                                           ({"scale": False, "epsilon": 0.1}, (5,)),
                                           ({"axis": 1}, (3, 4, 2))])
def test_gradients_in_both_modes(options, shape, training, ops_mode):
    errors = check_layer(BatchNormalization(**options), shape, batch_size=4, training=training,
                         seed=3, verbose=False)
    assert set(errors) == {"x"} | ({"gamma"} if options.get("scale", True) else set()) | (
        {"beta"} if options.get("center", True) else set())
    assert max(errors.values()) < 1e-6, errors


def test_the_training_forward_leaves_the_state_to_the_step(rng):
    """forward(training=True) computes the new running statistics; the training
    step writes them, with the weights: a refused step leaves both unchanged."""
    minicnn.set_seed(0)
    model = Sequential([Flatten(), BatchNormalization(), Dense(2, activation="softmax")],
                       input_shape=(2, 2, 1))
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    bn = model.layers[1]
    x, y = rng.standard_normal((8, 2, 2, 1)), rng.integers(0, 2, 8)
    bn.forward(x.reshape(8, -1), training=True)
    np.testing.assert_array_equal(bn.state["moving_mean"], 0)  # computed, not written
    assert set(bn.state_updates()) == {"moving_mean", "moving_variance"}
    model.train_on_batch(x, y)
    assert not np.allclose(bn.state["moving_mean"], 0)
    before = model.get_weights()
    with pytest.raises(FloatingPointError):
        model.train_on_batch(np.where(np.arange(32).reshape(8, 2, 2, 1) == 5, np.nan, x), y)
    for a, b in zip(before, model.get_weights()):  # weights and running statistics alike
        np.testing.assert_array_equal(a, b)


def test_a_batch_is_never_split_for_it(monkeypatch, rng):
    """independent_samples = False: the two-half step computes such a model whole,
    whatever the batch size, and so gives the textbook step's numbers."""
    monkeypatch.setattr(halves, "MIN_MULTIPLY_ADDS", 0)
    models = []
    for _ in range(2):
        minicnn.set_seed(5)
        model = Sequential([Conv2D(4, 3), BatchNormalization(), Flatten(), Dense(3)],
                           input_shape=(6, 6, 1))
        model.compile(SGD(0.1), "sparse_categorical_crossentropy")
        models.append(model)
    assert BatchNormalization.independent_samples is False
    assert halves.split_point(models[0], 64) is None
    x, y = rng.standard_normal((64, 6, 6, 1)), rng.integers(0, 3, 64)
    assert halves.train_step(models[0], x, y)[0] == models[1].train_step(x, y)[0]
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    without = Sequential([Conv2D(4, 3), Flatten(), Dense(3)], input_shape=(6, 6, 1))
    assert halves.split_point(without, 64) == 32  # the rule itself would split


def test_weights_order_summary_and_file(tmp_path, rng):
    minicnn.set_seed(1)
    model = Sequential([Conv2D(4, 3), BatchNormalization(name="bn"), Flatten(), Dense(2)],
                       input_shape=(5, 5, 1))
    bn = model.get_layer("bn")
    assert [w.shape for w in bn.get_weights()] == [(4,)] * 4
    gamma, beta, mean, variance = bn.get_weights()  # Keras's order
    assert (gamma == 1).all() and (beta == 0).all() and (mean == 0).all() and (variance == 1).all()
    assert list(bn.params) == ["gamma", "beta"] and list(bn.state) == ["moving_mean",
                                                                       "moving_variance"]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 130" in lines[0] and "Trainable params: 122" in lines[0]
    assert "Non-trainable params: 8" in lines[0]  # the running statistics, as Keras counts
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    model.fit(rng.standard_normal((6, 5, 5, 1)), [0, 1] * 3, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = rng.standard_normal((3, 5, 5, 1))
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))


@pytest.mark.parametrize("make,words", [
    (lambda: BatchNormalization(axis=0), ["axis", "batch"]),
    (lambda: BatchNormalization(momentum=1.5), ["momentum", "1.5"]),
    (lambda: BatchNormalization(epsilon=0), ["epsilon"]),
    (lambda: BatchNormalization(gamma_initializer="nope"), ["gamma_initializer", "nope"]),
])
def test_bad_arguments_name_themselves(make, words):
    with pytest.raises(ValueError) as error:
        make()
    for word in words:
        assert word in str(error.value)
