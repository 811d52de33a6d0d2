"""Functional models beyond chains and subclassed models: built from symbolic tensors,
trained through the tape (each layer's own backward), checked numerically."""
import numpy as np
import pytest

import minicnn
from minicnn import keras
from minicnn.compat.functional import Functional, Model
from minicnn.gradcheck import check_model
from minicnn.keras import layers


def residual(dtype="float32"):
    """Input -> conv -> (+ a 1x1 conv of the input) -> flatten -> dense: the input is
    read twice (two branches) and merged by arithmetic on symbolic tensors."""
    minicnn.set_seed(3)
    inputs = keras.Input(shape=(6, 6, 2), dtype=dtype)
    x = layers.Conv2D(3, 3, padding="same", activation="tanh")(inputs)
    shortcut = layers.Conv2D(3, 1)(inputs)
    y = x + shortcut
    outputs = layers.Dense(4, activation="softmax")(layers.Flatten()(y))
    return keras.Model(inputs, outputs)


def test_a_chain_is_a_sequential_and_a_graph_is_a_model():
    inputs = keras.Input(shape=(3,))
    chain = keras.Model(inputs, layers.Dense(2)(layers.Dense(4)(inputs)))
    assert isinstance(chain, Functional) and [l.name for l in chain.layers][1:] == ["dense", "dense_1"]
    graph = residual()
    assert type(graph) is Model
    assert [l.name for l in graph.layers] == ["input_layer", "conv2d", "conv2d_1", "add",
                                               "flatten", "dense"]


def test_a_graph_model_gradient_checks_in_float64(rng):
    model = residual("float64")
    model.compile("sgd", "sparse_categorical_crossentropy")
    errors = check_model(model, rng.standard_normal((3, 6, 6, 2)), [0, 2, 1])
    assert max(errors.values()) < 1e-6, errors


def test_a_layer_used_twice_gets_the_sum_of_both_gradients(rng):
    """Keras's shared layer: one Dense applied to two inputs; its gradient is the sum
    over both uses (the tape keeps each call's cache)."""
    minicnn.set_seed(1)
    a, b = keras.Input(shape=(3,), dtype="float64"), keras.Input(shape=(3,), dtype="float64")
    shared = layers.Dense(2, activation="tanh")
    merged = shared(a) * shared(b)
    model = keras.Model([a, b], layers.Dense(2)(merged))
    xa, xb = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    with minicnn.GradientTape() as tape:
        loss = minicnn.reduce_sum(minicnn.square(model([xa, xb])))
    grad_w = tape.gradient(loss, shared.trainable_variables[0]).numpy()

    def loss_at(w):
        saved = shared.params["W"].copy()
        shared.params["W"][...] = w
        value = float(minicnn.reduce_sum(minicnn.square(model([xa, xb]))))
        shared.params["W"][...] = saved
        return value
    w0, h = shared.params["W"].copy(), 1e-6
    numeric = np.zeros_like(w0)
    for index in np.ndindex(w0.shape):
        step = np.zeros_like(w0)
        step[index] = h
        numeric[index] = (loss_at(w0 + step) - loss_at(w0 - step)) / (2 * h)
    np.testing.assert_allclose(grad_w, numeric, rtol=1e-6, atol=1e-9)


def test_fit_on_a_graph_equals_a_tape_loop_written_as_keras_io_writes_it(rng):
    x, y = rng.standard_normal((8, 6, 6, 2)).astype(np.float32), rng.integers(0, 4, 8)
    by_fit, by_loop = residual(), residual()
    for model in (by_fit, by_loop):
        model.compile(minicnn.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    by_fit.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for epoch in range(2):
        for start in (0, 4):
            xb, yb = x[start:start + 4], y[start:start + 4]
            with minicnn.GradientTape() as tape:
                loss = loss_fn(yb, by_loop(xb, training=True))
            grads = tape.gradient(loss, by_loop.trainable_variables)
            by_loop.optimizer.apply_gradients(zip(grads, by_loop.trainable_variables))
    for a, b in zip(by_fit.get_weights(), by_loop.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_subclassed_model_with_its_own_call_trains_and_checks(rng):
    class TwoTowers(keras.Model):
        def __init__(self):
            super().__init__()
            self.left = layers.Dense(4, activation="relu")
            self.right = layers.Dense(4, activation="tanh")
            self.head = layers.Dense(3, activation="softmax")

        def call(self, inputs):
            return self.head(minicnn.concat([self.left(inputs), self.right(inputs)], axis=-1))

    minicnn.set_seed(5)
    model = TwoTowers()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = rng.standard_normal((12, 5)), rng.integers(0, 3, 12)
    history = model.fit(x.astype(np.float32), y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [l.name for l in model.layers] == ["dense", "dense_1", "dense_2"]
    assert len(model.trainable_variables) == 6
    float64 = minicnn.clone_model(model, np.float64)
    errors = check_model(float64, x, y)
    assert max(errors.values()) < 1e-6, errors


def test_a_train_step_of_ones_own_runs_under_fit(rng):
    calls = []

    class Counting(keras.Model):
        def train_step(self, data):
            x, y = data
            calls.append(len(x))
            with minicnn.GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            self.optimizer.apply(tape.gradient(loss, self.trainable_variables),
                                 self.trainable_variables)
            for metric in self.metrics:
                metric.update_state(loss) if metric.name == "loss" else metric.update_state(
                    y, self(x))
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(4,))
    model = Counting(inputs, layers.Dense(3, activation="softmax")(inputs))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(rng.standard_normal((10, 4)), rng.integers(0, 3, 10), batch_size=4,
                        epochs=2, verbose=0)
    assert calls == [4, 4, 2, 4, 4, 2]
    assert sorted(history.history) == ["accuracy", "loss"]
    assert model.metrics_names == ["loss", "compile_metrics"]  # Keras 3's


def test_sub_models_of_a_sequential_for_feature_maps_and_grad_cam(rng):
    model = minicnn.Sequential([layers.Conv2D(3, 3, activation="relu", name="conv"),
                                layers.Flatten(), layers.Dense(2, activation="softmax")],
                               input_shape=(6, 6, 1))
    grad_model = keras.Model(model.inputs, [model.get_layer("conv").output, model.output])
    x = rng.standard_normal((2, 6, 6, 1)).astype(np.float32)
    maps, predictions = grad_model.predict(x)
    np.testing.assert_allclose(predictions, model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(maps, model.layers[0](x), rtol=1e-6)
    with minicnn.GradientTape() as tape:
        conv_out, preds = grad_model(x)
        top = preds[:, 1]
    grads = tape.gradient(top, conv_out)
    assert grads.shape == (2, 4, 4, 3) and np.any(grads.numpy() != 0)


def test_a_layer_used_twice_with_another_shape_is_refused():
    dense = layers.Dense(2)
    dense(keras.Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"dense \(Dense\).*same shape"):
        dense(keras.Input(shape=(4,)))
