"""With Keras's own weights, minicnn computes what Keras computes.

The fixture (tests/fixtures/keras_models.npz) was made once with Keras 3.15 on
TensorFlow 2.21: for the X-ray and galaxy lesson models and a model of the other
layer options ('same' padding, average pooling, global pooling, tanh, sigmoid),
the inputs, Keras's weights (glorot kernels, random biases), model.predict and
400 sampled values of each Conv2D feature map from
keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers if "conv2d" in l.name]).
Keras is not needed to run this test.
"""
import json
import os

import numpy as np
import pytest

import minicnn as tf  # the lessons' spelling, imports rewritten

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_models.npz")
layers = tf.keras.layers

MODELS = {
    "xray": ((256, 256, 1), lambda: [layers.Conv2D(5, 5, strides=3, activation="relu"),
                                     layers.MaxPooling2D(2), layers.Dropout(0.1),
                                     layers.Conv2D(3, 3, activation="relu"), layers.MaxPooling2D(2),
                                     layers.Dropout(0.2), layers.Flatten(),
                                     layers.Dense(3, activation="softmax")]),
    "galaxy": ((128, 128, 3), lambda: [layers.Conv2D(8, 3, strides=2, activation="relu"),
                                       layers.MaxPooling2D(2),
                                       layers.Conv2D(8, 3, strides=2, activation="relu"),
                                       layers.MaxPooling2D(2), layers.Flatten(),
                                       layers.Dense(16, activation="relu"),
                                       layers.Dense(4, activation="softmax")]),
    "options": ((17, 15, 2), lambda: [layers.Conv2D(4, 3, strides=2, padding="same",
                                                    activation="tanh"),
                                      layers.AveragePooling2D(2, padding="same"),
                                      layers.MaxPooling2D(3, strides=2, padding="same"),
                                      layers.Conv2D(6, (3, 2), padding="same", activation="sigmoid"),
                                      layers.GlobalAveragePooling2D(),
                                      layers.Dense(1, activation="sigmoid")]),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_predict_and_feature_maps_equal_keras(name, ops_mode):
    shape, make = MODELS[name]
    with np.load(FIXTURE) as fixture:
        data = {k.split("/", 1)[1]: fixture[k] for k in fixture.files if k.startswith(name + "/")}
    model = tf.keras.Sequential([tf.keras.Input(shape=shape)] + make())
    weights = [data[f"weight{i}"] for i in range(sum(k.startswith("weight") for k in data))]
    model.set_weights(weights)  # Keras's layouts are minicnn's: kernels (kh, kw, in, out)
    x = data["pixels"].astype("float32") / np.float32(255)
    np.testing.assert_allclose(model.predict(x, verbose=0), data["predict"], rtol=1e-5, atol=1e-5)
    extractor = tf.keras.Model(inputs=model.inputs,
                               outputs=[l.output for l in model.layers if "conv2d" in l.name])
    maps = extractor.predict(x)
    assert len(maps) == sum(1 for k in data if k.endswith("/values"))
    for k, fmap in enumerate(maps):
        assert fmap.shape == tuple(data[f"fmap{k}/shape"])
        np.testing.assert_allclose(fmap.reshape(-1)[data[f"fmap{k}/index"]], data[f"fmap{k}/values"],
                                   rtol=1e-5, atol=1e-5)


# -- round 3: the layers of issue 23, against tests/fixtures/keras_round3 (its README) ----------
ROUND3 = os.path.join(os.path.dirname(__file__), "fixtures", "keras_round3")


def fixture(name):
    with np.load(os.path.join(ROUND3, name)) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(str(arrays.pop("config_json")))


BATCHNORM, BATCHNORM_CONFIG = fixture("batchnorm.npz")
LAYERS, LAYERS_CONFIG = fixture("layers.npz")


def built_batchnorm(case):
    config = BATCHNORM_CONFIG[case]
    layer = layers.BatchNormalization(**config["layer_config"])
    layer.build(config["input_shape"][1:], np.float64)
    layer.set_weights([BATCHNORM[f"{case}/init_{name}"] for name in config["weight_names"]])
    return layer


@pytest.mark.parametrize("case", sorted(BATCHNORM_CONFIG))
def test_batch_normalization_equals_keras(case, ops_mode):
    """Outputs in both modes, the running statistics after one and three training
    steps, and the gradients in both modes, each against Keras 3.15's."""
    data = {k.split("/", 2)[2]: v for k, v in BATCHNORM.items() if k.startswith(case + "/")}
    layer = built_batchnorm(case)
    np.testing.assert_allclose(layer(data["x"], training=False), data["y_infer"], rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(layer(data["x"], training=True), data["y_train"], rtol=1e-12,
                               atol=1e-12)
    state = layer.get_weights()[-2:]
    np.testing.assert_allclose(state[0], data["moving_mean_after1"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(state[1], data["moving_variance_after1"], rtol=1e-12)
    layer(data["x2"], training=True)
    layer(data["x3"], training=True)
    np.testing.assert_allclose(layer.state["moving_mean"], data["moving_mean_after3"],
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.state["moving_variance"], data["moving_variance_after3"],
                               rtol=1e-12)
    np.testing.assert_allclose(layer(data["x"], training=False), data["y_infer_after3"],
                               rtol=1e-12, atol=1e-12)
    for training, expected in ((True, "dx"), (False, "dx_inference")):
        fresh = built_batchnorm(case)
        fresh.forward(data["x"], training=training)
        np.testing.assert_allclose(fresh.backward(data["G"]), data[expected], rtol=1e-9,
                                   atol=1e-12)
        if training:
            for key in fresh.params:
                np.testing.assert_allclose(fresh.grads[key], data["d" + key], rtol=1e-10)


@pytest.mark.parametrize("axis", ["axis-1", "axis1", "axis2"])
def test_softmax_layer_equals_keras(axis, rng):
    layer = layers.Softmax(axis=LAYERS_CONFIG[f"softmax/{axis}"]["axis"])
    x = LAYERS["softmax/x"]
    layer.build(x.shape[1:], np.float64)
    np.testing.assert_allclose(layer(x), LAYERS[f"softmax/{axis}/y"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(layer.backward(LAYERS["softmax/G"]), LAYERS[f"softmax/{axis}/dx"],
                               rtol=1e-9, atol=1e-14)
    assert layers.Softmax().axis == int(LAYERS["softmax/default_axis"])


SEPARABLE = sorted(k for k in LAYERS_CONFIG if k.startswith("separable/"))


@pytest.mark.parametrize("case", SEPARABLE)
def test_separable_conv2d_equals_keras(case, ops_mode):
    config, data = LAYERS_CONFIG[case], {k[len(case) + 1:]: v for k, v in LAYERS.items()
                                         if k.startswith(case + "/")}
    layer = layers.SeparableConv2D(config["filters"], config["kernel_size"], config["strides"],
                                   config["padding"], depth_multiplier=config["depth_multiplier"],
                                   activation=config["activation"], use_bias=config["use_bias"])
    x = LAYERS["separable/x"]
    layer.build(x.shape[1:], np.float64)
    layer.set_weights([data[name] for name in config["weight_names"]])  # Keras's order and layouts
    y = layer(x)
    np.testing.assert_allclose(y, data["y"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(data["G"]), data["dx"], rtol=1e-9, atol=1e-12)
    keys = {"depthwise_kernel": "depthwise_kernel", "pointwise_kernel": "pointwise_kernel",
            "bias": "b"}
    for name in config["weight_names"]:
        np.testing.assert_allclose(layer.grads[keys[name]], data["d" + name], rtol=1e-9,
                                   atol=1e-12)


@pytest.mark.parametrize("name", ["s1_255", "s1_127.5_off-1"])
def test_rescaling_equals_keras(name):
    """float32: bit for bit. float64: Keras rounds the scale to float32 first
    (1/127.5 -> 0.0078431377...); minicnn keeps it exact, so the two differ by
    float32's rounding there."""
    config = LAYERS_CONFIG[f"rescaling/{name}"]
    x = LAYERS["rescaling/x"]
    for dtype, atol in (("float32", 0), ("float64", 1e-6)):
        layer = layers.Rescaling(config["scale"], config["offset"])
        layer.build(x.shape[1:], dtype)
        y = layer(x.astype(dtype))
        assert y.dtype == dtype
        np.testing.assert_allclose(y, LAYERS[f"rescaling/{name}/y_{dtype}"], rtol=0, atol=atol)
