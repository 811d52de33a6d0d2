"""With Keras's own weights, minicnn computes what Keras computes.

The fixture (tests/fixtures/keras_models.npz) was made once with Keras 3.15 on
TensorFlow 2.21: for the X-ray and galaxy lesson models and a model of the other
layer options ('same' padding, average pooling, global pooling, tanh, sigmoid),
the inputs, Keras's weights (glorot kernels, random biases), model.predict and
400 sampled values of each Conv2D feature map from
keras.Model(inputs=model.inputs, outputs=[l.output for l in model.layers if "conv2d" in l.name]).
Keras is not needed to run this test.
"""
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
