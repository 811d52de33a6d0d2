"""The Keras a student meets after the first lesson (issue 23, part A): the Functional
API for chains, models inside models, get_layer and per-layer weights, compile's
metrics and evaluate's result, the from_logits warning, initializers, regularizers,
the learning-rate callbacks, the augmentation layers, TensorFlow's tf.* names, and
the messages for what minicnn lacks. Keras's own numbers come from
tests/fixtures/keras_round3 (its README) and tests/fixtures/keras_augmentation.npz
(RandomRotation and RandomZoom at fixed factors, made once with Keras 3.15 by
a scratch script)."""
import json
import os
import warnings

import numpy as np
import pytest

import minicnn
import minicnn as tf  # the lessons' spelling, imports rewritten
from minicnn import Sequential, initializers, regularizers
from minicnn.training.callbacks import LearningRateScheduler, ReduceLROnPlateau
from minicnn.gradcheck import check_layer, check_model
from minicnn.layers import (BatchNormalization, Conv2D, Dense, Dropout, Flatten, InputLayer, MaxPool2D, SeparableConv2D, Softmax)
from minicnn.preprocessing.layers import RandomFlip, RandomRotation, RandomZoom, Rescaling
from minicnn.ops import fast, naive, reference
from minicnn.optimizers import SGD
from minicnn.parallel import halves

keras = tf.keras
layers = keras.layers
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
ROUND3 = os.path.join(FIXTURES, "keras_round3")


def quiet(function, *args, **kwargs):
    """Call without the compile-time from_logits warning (tested on its own below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


# -- the Functional API, for chains ---------------------------------------------------------------
def chain(name="digits"):
    inputs = keras.Input(shape=(8, 8, 1), name=name)
    x = layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax", name="scores")(x)
    return inputs, x, outputs


def test_a_functional_chain_is_a_sequential_with_its_input_layer_first(rng):
    inputs, flat, outputs = chain()
    assert inputs.shape == (None, 8, 8, 1) and inputs.dtype == "float32"
    assert flat.shape == (None, 36) and outputs.shape == (None, 3)
    minicnn.set_seed(0)
    model = keras.Model(inputs=inputs, outputs=outputs)
    assert isinstance(model, Sequential) and model.name == "functional"
    assert [layer.name for layer in model.layers] == ["digits", "conv", "max_pooling2d",
                                                      "flatten", "scores"]
    assert isinstance(model.get_layer(index=0), InputLayer)  # Keras: index 0 is the InputLayer
    assert model.get_layer("conv").output.shape == (None, 6, 6, 4)
    lines = []
    model.summary(print_fn=lines.append)
    assert "digits (InputLayer)" in lines[0] and "(None, 8, 8, 1)" in lines[0]
    # the same layers as a Sequential compute the same, and train the same
    twin = Sequential([Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten(),
                       Dense(3, activation="softmax")], input_shape=(8, 8, 1))
    twin.set_weights(model.get_weights())
    x, y = rng.standard_normal((6, 8, 8, 1)), rng.integers(0, 3, 6)
    np.testing.assert_array_equal(model.predict(x), twin.predict(x))
    for net in (model, twin):
        net.compile(SGD(0.1), "sparse_categorical_crossentropy", ["accuracy"])
        net.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.evaluate(x, y) == twin.evaluate(x, y)


def test_feature_maps_of_a_functional_chain_and_of_a_sequential(rng):
    inputs, _, outputs = chain()
    model = keras.Model(inputs, outputs)
    x = rng.standard_normal((2, 8, 8, 1))
    # Keras's two spellings of a feature extractor: model.inputs, or the Input tensor itself
    for source in (model.inputs, inputs):
        extractor = keras.Model(inputs=source, outputs=model.get_layer("conv").output)
        np.testing.assert_array_equal(extractor.predict(x), model.layers[1](x))
    both = keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers[1:3]])
    maps = both.predict(x)
    assert [m.shape for m in maps] == [(2, 6, 6, 4), (2, 3, 3, 4)]


@pytest.mark.parametrize("build,words", [
    (lambda i: keras.Model(keras.Input((3,)), layers.Dense(2)(i)), ["not among the model's inputs"]),
    (lambda i: Sequential().add(layers.Dense(2)(i)), ["symbolic tensor", "keras.Model"]),
    (lambda i: layers.Dense(2)(np.zeros((1, 3)) if False else [i, np.zeros(3)]), ["a mix"]),
])
def test_graphs_that_cannot_be_built_say_why(build, words):
    inputs = keras.Input(shape=(3,))
    with pytest.raises((ValueError, TypeError)) as error:
        build(inputs)
    for word in words:
        assert word in str(error.value)


def test_a_wrong_shape_is_reported_at_the_call_that_makes_it():
    with pytest.raises(ValueError, match=r"conv2d \(Conv2D\) called on a tensor of shape \(None, 5\)"):
        layers.Conv2D(2, 3)(keras.Input(shape=(5,)))


# -- models inside models, get_layer, per-layer weights -------------------------------------------
def test_a_model_used_as_a_layer_shares_its_weights_and_trains(rng):
    minicnn.set_seed(2)
    base = Sequential([Flatten(), Dense(5, activation="relu", name="hidden")],
                      input_shape=(3, 3, 1), name="base")
    model = Sequential([base, Dense(2, activation="softmax", name="head")])
    assert model.layers == [base, model.layers[1]] and model.get_layer("base") is base
    # Keras's model.output_shape has the batch axis; minicnn's input_shape is per sample
    assert model.input_shape == (3, 3, 1) and model.output_shape == (None, 2)
    assert len(model.get_weights()) == 4 and model.count_params() == 9 * 5 + 5 + 5 * 2 + 2
    lines = []
    model.summary(print_fn=lines.append)
    assert "base (Sequential)" in lines[0]
    x, y = rng.standard_normal((8, 3, 3, 1)), rng.integers(0, 2, 8)
    before = base.get_layer("hidden").get_weights()[0].copy()
    model.compile(SGD(0.5), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    assert not np.allclose(base.get_layer("hidden").get_weights()[0], before)  # shared, trained
    np.testing.assert_allclose(model.predict(x), model.layers[1](base.predict(x)), rtol=1e-6)


def test_gradients_through_a_model_inside_a_model(rng):
    minicnn.set_seed(3)
    inner = Sequential([Conv2D(2, 3), BatchNormalization(), Flatten(), Dense(3)],
                       input_shape=(5, 5, 1), name="inner")
    model = Sequential([Rescaling(0.5), inner, Softmax()])
    model.build((5, 5, 1), np.float64)
    quiet(model.compile, SGD(0.1), "categorical_crossentropy")
    assert model.loss_is_fused()  # the Softmax layer ends the model
    errors = check_model(model, rng.standard_normal((3, 5, 5, 1)), np.eye(3)[[0, 2, 1]],
                         verbose=False, check_input=True)
    assert len(errors) == 7 and max(errors.values()) < 1e-6, errors


def test_softmax_of_an_inner_model_fuses_with_the_outer_loss():
    inner = Sequential([Dense(3, activation="softmax")], input_shape=(4,))
    model = Sequential([inner])
    quiet(model.compile, "sgd", "categorical_crossentropy")
    assert model.activation == "softmax" and model.loss_is_fused()


def test_a_model_inside_a_model_is_not_written_to_npz_but_its_weights_are(tmp_path):
    model = Sequential([Sequential([Dense(2)], input_shape=(3,), name="inner"), Dense(1)])
    with pytest.raises(ValueError, match="inner is a model inside this model"):
        model.save(tmp_path / "m.npz")
    model.save_weights(tmp_path / "w.npz")
    other = Sequential([Sequential([Dense(2)], input_shape=(3,), name="inner"), Dense(1)])
    other.load_weights(tmp_path / "w.npz")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_get_layer_by_name_or_index_and_its_errors():
    model = Sequential([Dense(2, name="layer1"), Dense(3, name="layer2")], input_shape=(3,))
    assert model.get_layer("layer2") is model.layers[1] is model.get_layer(index=1)
    assert model.get_layer(index=-1) is model.layers[1]
    with pytest.raises(ValueError, match=r"No such layer: layer4. Existing layers are: "
                                         r"\['layer1', 'layer2'\]"):
        model.get_layer("layer4")
    for kwargs in ({}, {"name": "layer1", "index": 0}, {"index": 5}):
        with pytest.raises(ValueError, match="get_layer"):
            model.get_layer(**kwargs)


@pytest.mark.parametrize("make,shape,names", [
    (lambda: Dense(3), (4,), [(4, 3), (3,)]),
    (lambda: Conv2D(2, 3), (5, 5, 1), [(3, 3, 1, 2), (2,)]),
    (lambda: SeparableConv2D(4, 3, depth_multiplier=2), (5, 5, 3), [(3, 3, 3, 2), (1, 1, 6, 4),
                                                                   (4,)]),
    (lambda: BatchNormalization(), (5, 5, 3), [(3,)] * 4),
    (lambda: BatchNormalization(center=False), (6,), [(6,)] * 3),
    (lambda: Flatten(), (2, 2, 1), []),
    (lambda: Softmax(), (3,), []),
    (lambda: Rescaling(2.0), (3,), []),
    (lambda: RandomFlip(), (4, 4, 1), []),
])
def test_per_layer_weights_in_keras_order(make, shape, names):
    """Keras's get_weights order (kernel, bias; depthwise, pointwise, bias; gamma,
    beta, moving_mean, moving_variance), and set_weights checking each shape."""
    layer = make()
    layer.build(shape)
    weights = layer.get_weights()
    assert [w.shape for w in weights] == names
    new = [np.full(w.shape, i + 1.0, np.float32) for i, w in enumerate(weights)]
    layer.set_weights(new)
    for a, b in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    if weights:
        with pytest.raises(ValueError, match="has shape"):
            layer.set_weights([np.zeros((5, 5))] + new[1:])
        with pytest.raises(ValueError, match="arrays"):
            layer.set_weights(new[:-1])


# -- layer names -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a/b", "a\\b", "optimizer:head", "../x", "", ".hidden", 3])
def test_names_that_could_break_a_model_file_are_refused_when_created_or_added(name):
    with pytest.raises(ValueError, match="cannot name a layer") as error:
        Dense(2, name=name)
    assert "Dense" in str(error.value)
    layer = Dense(2)
    layer.name = name
    with pytest.raises(ValueError, match="cannot name a layer") as error:
        Sequential([layer], input_shape=(3,))
    assert "Dense" in str(error.value)
    with pytest.raises(ValueError, match="cannot name a layer"):
        Sequential(name=name)


# -- compile, evaluate and the logs ------------------------------------------------------------------
def test_compile_without_metrics_logs_the_loss_only_and_evaluate_returns_a_float(rng):
    model = Sequential([Dense(2, activation="softmax")], input_shape=(3,))
    model.compile(loss="categorical_crossentropy")
    # Keras's defaults; Keras 3 lists its loss tracker as the one metric
    assert type(model.optimizer).__name__ == "RMSprop"
    assert [m.name for m in model.metrics] == ["loss"]
    x, y = rng.standard_normal((6, 3)), np.eye(2)[[0, 1] * 3]
    history = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]
    loss = model.evaluate(x, y)
    assert isinstance(loss, float) and f"{loss:.3f}"
    assert model.evaluate(x, y, return_dict=True) == {"loss": loss}


@pytest.mark.parametrize("metric", ["acc", "accuracy"])
def test_acc_is_logged_as_acc_and_accuracy_as_accuracy(metric, rng):
    model = Sequential([Dense(2, activation="softmax")], input_shape=(3,))
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=[metric])
    history = model.fit(rng.standard_normal((6, 3)), [0, 1] * 3, validation_split=0.5, verbose=0)
    assert sorted(history.history) == sorted(["loss", metric, "val_loss", "val_" + metric])


def test_history_params_and_the_order_of_callbacks(rng):
    """History.params as Keras's; History records after the user's callbacks, so it
    sees the learning rate they log."""
    model = Sequential([Dense(2, activation="softmax")], input_shape=(3,))
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    history = model.fit(rng.standard_normal((10, 3)), [0, 1] * 5, batch_size=4, epochs=2,
                        verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (1 + epoch))])
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 3}
    assert history.epoch == [0, 1] and history.history["learning_rate"] == [0.1, 0.05]
    assert model.fit(rng.standard_normal((4, 3)), [0, 1] * 2).params["verbose"] == "auto"


# -- from_logits: minicnn's rule, said at compile time ------------------------------------------------
def test_compile_warns_that_outputs_without_softmax_are_read_as_probabilities():
    model = Sequential([Dense(4, activation="relu"), Dense(3, name="scores")], input_shape=(2,))
    with pytest.warns(UserWarning) as caught:
        model.compile("adam", "categorical_crossentropy")
    message = str(caught[0].message)
    for words in ("scores (Dense)", "from_logits=False", "read as probabilities",
                  "as Keras reads them", 'activation="softmax"', "from_logits=True"):
        assert words in message, message
    binary = Sequential([Dense(1, name="logit")], input_shape=(2,))
    with pytest.warns(UserWarning, match="logit .* no sigmoid"):
        binary.compile("adam", "binary_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning where the output is what the loss expects
        model.compile("adam", tf.keras.losses.CategoricalCrossentropy(from_logits=True))
        Sequential([Dense(3, activation="softmax")], input_shape=(2,)).compile(
            "adam", "categorical_crossentropy")
        Sequential([Dense(3), Softmax()], input_shape=(2,)).compile("adam",
                                                                    "categorical_crossentropy")


@pytest.mark.parametrize("kind", ["categorical", "sparse"])
@pytest.mark.parametrize("outputs,from_logits,activation", [
    ("raw", True, None), ("raw", False, None), ("positive", False, None),
    ("positive", True, None), ("raw", False, "softmax")])
def test_the_losses_read_outputs_as_keras_does(kind, outputs, from_logits, activation):
    """The per-sample losses of tests/fixtures/keras_round3/losses.npz, through evaluate
    on an identity Dense model: logits with from_logits=True; with from_logits=False,
    a softmax layer's logits (the fused loss) or other outputs as probabilities (each
    row divided by its sum, clipped), as Keras reads them."""
    with np.load(os.path.join(ROUND3, "losses.npz")) as data:
        fixture = {k: data[k] for k in data.files}
    values = fixture[f"y_pred_{outputs}"].astype(np.float64)
    targets = fixture["y_true_onehot" if kind == "categorical" else "y_true_int"]
    model = Sequential([Dense(values.shape[1], use_bias=False, activation=activation)],
                       input_shape=(values.shape[1],))
    model.build((values.shape[1],), np.float64)
    model.layers[0].set_weights([np.eye(values.shape[1])])
    loss = (tf.keras.losses.CategoricalCrossentropy if kind == "categorical"
            else tf.keras.losses.SparseCategoricalCrossentropy)(from_logits=from_logits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.compile("sgd", loss)
    key = f"{kind}/{'softmax' if activation else outputs}/from_logits={from_logits}"
    np.testing.assert_allclose(model.evaluate(values, targets), fixture[key].mean(), rtol=1e-5)
    np.testing.assert_allclose(loss(targets, values if not activation else
                                    np.exp(values) / np.exp(values).sum(axis=1, keepdims=True)),
                               fixture[key].mean(), rtol=1e-5)


def test_the_probability_reading_has_the_gradient_of_its_loss(rng):
    """Backward of the from_logits=False reading (row sums, clip) against numerical
    gradients, clipped entries included (their gradient is 0, as Keras's clip)."""
    from minicnn.gradcheck import numerical_gradient, rel_error
    outputs = rng.uniform(0.05, 1, (5, 4))
    outputs[0, 1] = -0.3  # clipped (far from the clip's edge, for the finite differences)
    targets = rng.dirichlet(np.ones(4), 5)
    weights = rng.random(5)
    for loss in (minicnn.losses.CategoricalCrossentropy(),
                 minicnn.losses.SparseCategoricalCrossentropy()):
        value = loss.forward(outputs, targets, weights, from_logits=False)
        assert np.isfinite(value)
        analytic = loss.backward()
        numeric = numerical_gradient(
            lambda: loss.forward(outputs, targets, weights, from_logits=False), outputs, h=1e-6)
        assert rel_error(analytic, numeric) < 1e-5
        if loss.clip_first:  # the sparse loss clips before dividing: no gradient there
            assert analytic[0, 1] == 0
    binary = minicnn.losses.BinaryCrossentropy()
    probs, labels = rng.uniform(0.05, 0.95, (5, 3)), rng.integers(0, 2, (5, 3)).astype(float)
    binary.forward(probs, labels, weights, from_logits=False)
    analytic = binary.backward()
    numeric = numerical_gradient(lambda: binary.forward(probs, labels, weights, from_logits=False),
                                 probs, h=1e-7)
    assert rel_error(analytic, numeric) < 1e-6


# -- the targets against the last layer ---------------------------------------------------------------
@pytest.mark.parametrize("y,words", [(np.eye(4)[[0, 1, 2, 3]], ["4 classes", "give it 4 units"]),
                                     (np.array([0, 1, 2, 5]), ["class index 5", "6 classes"])])
def test_a_dense_layer_with_the_wrong_number_of_units_is_named(y, words, rng):
    model = Sequential([Flatten(), Dense(3, activation="softmax", name="out")],
                       input_shape=(2, 2, 1))
    model.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError) as error:
        model.fit(rng.standard_normal((4, 2, 2, 1)), y, verbose=0)
    message = str(error.value)
    assert "out (Dense), gives 3 outputs" in message
    for word in words:
        assert word in message, message


# -- initializers ------------------------------------------------------------------------------------
def keras_initializers():
    with open(os.path.join(ROUND3, "initializers.json")) as file:
        return json.load(file)


@pytest.mark.parametrize("name", ["he_normal", "he_uniform", "glorot_normal", "glorot_uniform",
                                  "lecun_normal", "lecun_uniform"])
def test_the_variance_scaling_family_is_keras(name):
    expected = keras_initializers()["initializers"][name]
    made = initializers.get(name)
    assert type(made).__name__ == expected["class"]
    assert (made.scale, made.mode, made.distribution) == (expected["scale"], expected["mode"],
                                                         expected["distribution"])
    shape = (400, 300)
    w = made(shape, np.float64, np.random.default_rng(0))
    n = {"fan_in": 400, "fan_out": 300, "fan_avg": 350}[made.mode]
    np.testing.assert_allclose(w.std(), np.sqrt(made.scale / n), rtol=0.02)  # the spread Keras aims at
    if made.distribution == "uniform":
        limit = np.sqrt(3 * made.scale / n)
        assert limit * 0.99 < np.abs(w).max() <= limit
    else:  # truncated at 2 of its own standard deviations
        bound = 2 * np.sqrt(made.scale / n) / keras_initializers()["truncated_normal_stddev_correction"]
        assert bound * 0.95 < np.abs(w).max() <= bound


def test_fans_as_keras_computes_them():
    for key, fans in keras_initializers()["fans"].items():
        shape = tuple(int(d) for d in key.split("_")[-1].split("x"))
        assert initializers.compute_fans(shape) == tuple(fans), key


def test_he_normal_over_a_million_weights_as_keras_measured_it():
    measured = keras_initializers()["he_normal_1000x1000"]
    w = initializers.HeNormal(seed=0)((1000, 1000), np.float64)
    np.testing.assert_allclose(w.std(), measured["std"], rtol=2e-3)
    assert np.abs(w).max() <= measured["bound_2_sigma"] * (1 + 1e-12)


def test_kernel_initializer_on_each_layer_by_name_class_object_and_config():
    seeded = initializers.HeNormal(seed=0)
    np.testing.assert_array_equal(seeded((30, 4)), seeded((30, 4)))  # Keras 3: same on every call
    assert not np.array_equal(initializers.HeNormal()((30, 4)), initializers.HeNormal()((30, 4)))
    for value in ("he_uniform", initializers.HeUniform, initializers.HeUniform(),
                  {"class_name": "HeUniform", "config": {"seed": None}}):
        for layer, shape, fan_in, key in ((Dense(50, kernel_initializer=value), (20,), 20, "W"),
                                          (Conv2D(50, 3, kernel_initializer=value), (6, 6, 4),
                                           36, "W"),
                                          (SeparableConv2D(50, 3, pointwise_initializer=value),
                                           (6, 6, 4), 4, "pointwise_kernel")):
            layer.build(shape)
            w = layer.params[key]
            assert type(getattr(layer, "kernel_initializer", None) or layer.pointwise_initializer
                        ).__name__ == "HeUniform"
            assert np.sqrt(6 / fan_in) * 0.9 < np.abs(w).max() <= np.sqrt(6 / fan_in)
    dense = Dense(3, bias_initializer=initializers.Constant(0.5))
    dense.build((2,))
    np.testing.assert_array_equal(dense.params["b"], 0.5)
    assert dense.get_config()["bias_initializer"] == {"class_name": "Constant",
                                                      "config": {"value": 0.5}}
    with pytest.raises(ValueError, match="kernel_initializer.*he_normall"):
        Dense(3, kernel_initializer="he_normall")


def test_the_default_kernels_are_the_ones_minicnn_always_drew():
    """glorot_uniform through the initializers draws exactly what the layers drew
    before (the lessons' seeded numbers do not move)."""
    layer = Conv2D(8, 3, seed=5)
    layer.build((10, 10, 4))
    limit = np.sqrt(6.0 / (3 * 3 * 4 + 3 * 3 * 8))
    expected = np.random.default_rng(5).uniform(-limit, limit, (3, 3, 4, 8)).astype(np.float32)
    np.testing.assert_array_equal(layer.params["W"], expected)


# -- regularizers ------------------------------------------------------------------------------------
def test_the_l2_penalty_is_in_the_loss_and_its_gradient(rng):
    minicnn.set_seed(0)
    model = Sequential([Flatten(), Dense(4, activation="relu",
                                         kernel_regularizer=regularizers.l2(0.01)),
                        Dense(2, activation="softmax", kernel_regularizer="l2",
                              bias_regularizer=regularizers.l1_l2(0.1, 0.2))],
                       input_shape=(3, 3, 1))
    model.build((3, 3, 1), np.float64)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = rng.standard_normal((5, 3, 3, 1)), rng.integers(0, 2, 5)
    probabilities = model.predict(x)
    cross_entropy = -np.mean(np.log(probabilities[np.arange(5), y]))
    w1, _, w2, b2 = model.get_weights()
    penalty = 0.01 * (w1 ** 2).sum() + 0.01 * (w2 ** 2).sum() + 0.1 * np.abs(b2).sum() + \
        0.2 * (b2 ** 2).sum()
    np.testing.assert_allclose(model.evaluate(x, y), cross_entropy + penalty, rtol=1e-12)
    errors = check_model(model, x, y, verbose=False)
    assert max(errors.values()) < 1e-6, errors
    logged = model.fit(x, y, batch_size=5, shuffle=False, verbose=0).history["loss"][0]
    np.testing.assert_allclose(logged, cross_entropy + penalty, rtol=1e-12)  # fit logs it too


def test_regularizer_formulas_and_names():
    w = np.array([[-2.0, 0.5], [1.0, 0.0]])
    assert regularizers.L1(0.1)(w) == pytest.approx(0.35)
    assert regularizers.L2(0.1)(w) == pytest.approx(0.525)
    assert regularizers.l1_l2()(w) == pytest.approx(0.01 * 3.5 + 0.01 * 5.25)
    np.testing.assert_allclose(regularizers.L1L2(0.1, 0.2).gradient(w),
                               0.1 * np.sign(w) + 0.4 * w)
    assert isinstance(regularizers.get("l2"), regularizers.L2) and regularizers.get("l2").l2 == 0.01
    with pytest.raises(ValueError, match="kernel_regularizer"):
        Dense(2, kernel_regularizer="l3")


# -- ReduceLROnPlateau and LearningRateScheduler ----------------------------------------------------
class _Model:
    def __init__(self, rate):
        self.optimizer = SGD(rate)


@pytest.mark.parametrize("case", ["val_loss_auto_f0.5_p2", "val_loss_auto_f0.1_p1_cooldown2_minlr1e-4",
                                  "val_loss_min_delta0.05_p2_cooldown1",
                                  "val_accuracy_max_p1_delta0.01", "val_accuracy_auto_p2",
                                  "defaults_val_loss"])
def test_reduce_lr_on_plateau_equals_keras(case):
    with open(os.path.join(ROUND3, "schedules.json")) as file:
        trace = json.load(file)["reduce_lr_on_plateau"][case]
    callback = ReduceLROnPlateau(**trace["kwargs"])
    callback.set_model(_Model(trace["initial_lr"]))
    callback.on_train_begin()
    logged, after = [], []
    for epoch, value in enumerate(trace["monitored"]):
        logs = {trace["kwargs"].get("monitor", "val_loss"): value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(callback.model.optimizer.learning_rate)
    # Keras's rates are float32 variables: equal to float32's rounding
    np.testing.assert_allclose(logged, trace["logs_learning_rate"], rtol=1e-6)
    np.testing.assert_allclose(after, trace["lr_after_epoch_end"], rtol=1e-6)
    assert (callback.wait, callback.cooldown_counter) == (trace["wait_at_end"],
                                                          trace["cooldown_counter_at_end"])


def test_reduce_lr_on_plateau_state_resumes_as_json():
    callback = ReduceLROnPlateau(patience=3)
    callback.set_model(_Model(0.1))
    for epoch, value in enumerate([1.0, 1.0, 1.0]):
        callback.on_epoch_end(epoch, {"val_loss": value})
    state = json.loads(json.dumps(callback.get_state()))
    resumed = ReduceLROnPlateau(patience=3)
    resumed.set_model(_Model(0.1))
    resumed.on_train_begin()
    resumed.set_state(state)
    for cb in (callback, resumed):
        cb.on_epoch_end(3, {"val_loss": 1.0})
    assert resumed.model.optimizer.learning_rate == callback.model.optimizer.learning_rate == \
        pytest.approx(0.01)
    with pytest.raises(ValueError, match="set_state"):
        resumed.set_state({"best": 1.0})


def test_reduce_lr_on_plateau_during_fit_logs_each_epochs_rate(rng):
    model = Sequential([Dense(2, activation="softmax")], input_shape=(3,))
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    x, y = rng.standard_normal((6, 3)), [0, 1] * 3
    history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0,
                                                     min_delta=10.0)])
    # each epoch logs the rate it trained with; the first epoch is an improvement by definition
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05])
    assert model.optimizer.learning_rate == pytest.approx(0.025)


def test_learning_rate_scheduler_one_and_two_arguments(rng):
    for schedule, expected in ((lambda epoch: 0.01 * 0.1 ** epoch, [0.01, 0.001]),
                               (lambda epoch, lr: lr if epoch == 0 else lr / 2, [0.2, 0.1])):
        model = Sequential([Dense(2, activation="softmax")], input_shape=(3,))
        model.compile(SGD(0.2), "sparse_categorical_crossentropy")
        history = model.fit(rng.standard_normal((4, 3)), [0, 1, 0, 1], epochs=2, verbose=0,
                            callbacks=[LearningRateScheduler(schedule)])
        np.testing.assert_allclose(history.history["learning_rate"], expected)
    with pytest.raises(ValueError, match="must return a number"):
        callback = LearningRateScheduler(lambda epoch: "0.1")
        callback.set_model(_Model(0.1))
        callback.on_epoch_begin(0)


# -- the augmentation layers ------------------------------------------------------------------------
def test_augmentation_acts_in_training_and_when_called_and_never_in_predict(rng):
    minicnn.set_seed(1)
    augment = Sequential([RandomFlip("horizontal"), RandomRotation(0.2), RandomZoom(0.2)])
    images = rng.uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    assert not np.allclose(augment(images), images)  # a direct call augments (Keras's default)
    np.testing.assert_array_equal(augment(images, training=False), images)
    np.testing.assert_array_equal(augment.predict(images), images)
    model = Sequential([Rescaling(1.0), augment, Flatten(), Dense(2, activation="softmax")])
    model.compile(SGD(0.1), "sparse_categorical_crossentropy")
    x, y = rng.standard_normal((8, 6, 6, 1)), [0, 1] * 4
    model.fit(x, y, epochs=1, verbose=0)  # no gradient goes back through the augmentation
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    first = model.layers[1].layers[1]
    first.forward(images, training=True)
    with pytest.raises(ValueError, match="random_rotation .*first in the model"):
        first.backward(np.ones_like(images))


@pytest.mark.parametrize("mode,kinds", [("horizontal", {"same", "mirrored"}),
                                        ("vertical", {"same", "upside down"}),
                                        ("horizontal_and_vertical", {"same", "turned"})])
def test_random_flip_mirrors_whole_images(mode, kinds, rng):
    image = rng.standard_normal((5, 6, 2)).astype(np.float32)
    flipped = RandomFlip(mode, seed=0)(np.repeat(image[None], 40, axis=0))
    names = {"same": image, "mirrored": image[:, ::-1], "upside down": image[::-1],
             "turned": image[::-1, ::-1]}
    seen = {next(k for k, v in names.items() if np.array_equal(f, v)) for f in flipped}
    assert seen == kinds  # Keras 3: both flips with one draw, never just one of them


def test_random_draws_stay_in_keras_ranges():
    rotation = RandomRotation(0.1, seed=0)
    rotation.build((4, 4, 1))
    angles = rotation.draw_randomness(2000)
    assert -36 <= angles.min() < -35 and 35 < angles.max() <= 36  # 0.1 of a full turn
    assert RandomRotation((-0.2, 0.1), seed=0).draw_randomness(500).min() >= -72
    zoom = RandomZoom(0.2, seed=0).draw_randomness(1000)
    assert 0.8 <= zoom.min() < 0.81 and 1.19 < zoom.max() <= 1.2
    np.testing.assert_array_equal(zoom[:, 0], zoom[:, 1])  # no width_factor: one zoom for both
    apart = RandomZoom((0.1, 0.2), width_factor=(-0.2, -0.1), seed=0).draw_randomness(500)
    assert apart[:, 0].min() >= 1.1 and apart[:, 1].max() <= 0.9
    with pytest.raises(ValueError, match="factor"):
        RandomRotation(1.5)
    with pytest.raises(ValueError, match="interpolation"):
        RandomZoom(0.1, interpolation="nearest")


def augmentation_fixture():
    with np.load(os.path.join(FIXTURES, "keras_augmentation.npz")) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(str(arrays.pop("config_json")))


@pytest.mark.parametrize("case", sorted(augmentation_fixture()[1]))
def test_rotation_and_zoom_equal_keras(case, ops_mode):
    """At a fixed angle or zoom (a range of one value), the same resampling as Keras
    3.15, within float32 rounding. One difference, at the border only: with
    fill_mode="wrap", where the map reads between the last and first pixel, Keras
    (TensorFlow's transform) blends with fill_value, minicnn with the wrapped pixel."""
    arrays, configs = augmentation_fixture()
    cls, kwargs = configs[case]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    y = getattr(layers, cls)(**kwargs)(arrays["x"], training=True)
    inside = slice(1, -1) if kwargs.get("fill_mode") == "wrap" else slice(None)
    np.testing.assert_allclose(y[:, :, inside], arrays[case][:, :, inside], atol=1e-6)


def test_augmented_halves_draw_what_the_whole_batch_draws(monkeypatch, rng):
    monkeypatch.setattr(halves, "MIN_MULTIPLY_ADDS", 0)
    results = []
    for split in (True, False):
        minicnn.set_seed(7)
        model = Sequential([RandomFlip(), RandomRotation(0.1), Conv2D(2, 3), Flatten(), Dense(2)],
                           input_shape=(6, 6, 1))
        quiet(model.compile, SGD(0.1), "sparse_categorical_crossentropy")
        x, y = np.random.default_rng(1).standard_normal((32, 6, 6, 1)), [0, 1] * 16
        step = halves.train_step if split else (lambda m, *a: m.train_step(*a))
        results.append((step(model, x, y)[0], model.get_weights()))
    assert halves.split_point(model, 32) == 16
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


# -- gradient checks of the new layers, both ops ------------------------------------------------------
@pytest.mark.parametrize("make,shape,training", [
    (lambda: Softmax(axis=1), (3, 4, 2), False),
    (lambda: Softmax(axis=(1, 2)), (3, 4, 2), False),
    (lambda: Rescaling(0.5, 2.0), (3, 4, 2), False),
    (lambda: RandomRotation(0.3), (5, 5, 2), False),
    (lambda: RandomZoom(0.3), (5, 5, 2), False),
])
def test_new_layers_gradients(make, shape, training, ops_mode):
    errors = check_layer(make(), shape, batch_size=3, training=training, verbose=False)
    assert max(errors.values()) < 1e-7, errors


def test_random_flip_gradient_with_its_draws_fixed(ops_mode, monkeypatch):
    layer = RandomFlip()
    monkeypatch.setattr(layer, "draw_randomness", lambda n: np.array([True, False, True])[:n])
    errors = check_layer(layer, (4, 5, 2), batch_size=3, training=True, verbose=False)
    assert errors["x"] < 1e-7, errors


# -- the depthwise op on its three rungs -----------------------------------------------------------
@pytest.mark.parametrize("strides,pads,multiplier", [((1, 1), (0, 0, 0, 0), 1),
                                                     ((2, 1), (1, 1, 0, 1), 2),
                                                     ((2, 2), (0, 1, 1, 1), 3)])
def test_depthwise_op_naive_textbook_and_fast_agree(strides, pads, multiplier, rng):
    x = rng.standard_normal((2, 7, 6, 3))
    w = rng.standard_normal((3, 2, 3, multiplier))
    y_naive, cache_naive = naive.depthwise2d_forward(x, w, strides, pads)
    y_ref, cache_ref = reference.depthwise2d_forward(x, w, strides, pads)
    np.testing.assert_allclose(y_ref, y_naive, rtol=1e-12)
    g = rng.standard_normal(y_ref.shape)
    for a, b in zip(reference.depthwise2d_backward(g, cache_ref),
                    naive.depthwise2d_backward(g, cache_naive)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert reference.depthwise2d_backward(g, cache_ref, input_grad=False)[0] is None


@pytest.mark.parametrize("rung", ["naive", "numpy", "numba"])
def test_separable_conv2d_calls_the_chosen_rungs_depthwise_op(rung, monkeypatch, rng):
    module = {"naive": naive, "numpy": reference, "numba": fast}[rung]
    calls = []
    for op in ("depthwise2d_forward", "depthwise2d_backward"):
        original = getattr(module, op)
        monkeypatch.setattr(module, op, lambda *a, _f=original, _op=op, **k:
                            calls.append(_op) or _f(*a, **k))
    try:
        minicnn.set_ops(rung)
        layer = SeparableConv2D(2, 3)
        y = layer(rng.standard_normal((1, 5, 5, 2)))
        layer.backward(np.ones_like(y))
    finally:
        minicnn.set_ops("numba")
    assert calls == ["depthwise2d_forward", "depthwise2d_backward"]


# -- TensorFlow's names and what minicnn lacks ---------------------------------------------------
def test_tf_random_nn_and_expand_dims():
    tf.random.set_seed(4)
    a = Dense(3)
    a.build((2,))
    tf.random.set_seed(4)
    b = Dense(3)
    b.build((2,))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1e4]])
    probabilities = tf.nn.softmax(logits)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_allclose(probabilities[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(tf.nn.softmax(logits, axis=0)[:, 0], [1 / (1 + np.e ** -1),
                                                                     1 / (1 + np.e)])
    assert tf.expand_dims(np.zeros((28, 28)), 0).shape == (1, 28, 28)
    assert tf.expand_dims([1, 2], -1).shape == (2, 1)


@pytest.mark.parametrize("where,name,words", [
    (layers, "LSTM", ["keras.layers.LSTM", "no recurrent layers"]),
    (layers, "RandAugment", ["RandomFlip"]),
    (keras.optimizers, "Lion", ["SGD", "RMSprop"]),
    (keras.callbacks, "BackupAndRestore", ["resume"]),
    (keras, "applications", ["pretrained"]),
    (layers, "NotAKerasName", ["no such name", "Conv2D", "BatchNormalization"]),
])
def test_missing_names_say_so_and_point_to_minicnns_way(where, name, words):
    with pytest.raises(AttributeError) as error:
        getattr(where, name)
    for word in words:
        assert word in str(error.value)
    assert not hasattr(where, name)


def test_only_a_softmax_over_each_samples_last_axis_is_the_losss_softmax():
    """A cross-entropy fuses with a last layer whose activation is softmax: a Softmax
    layer says so only when it normalises the last axis (a sample's classes)."""
    for axis, shape, fused in ((-1, (3,), True), (1, (3,), True), (1, (3, 4), False),
                               ((1, 2), (3, 4), False), (2, (3, 4), True)):
        layer = Softmax(axis=axis)
        layer.build(shape)
        assert (layer.activation == "softmax") is fused, (axis, shape)
