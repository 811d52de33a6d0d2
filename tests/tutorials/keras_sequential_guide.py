# Follows: keras.io developer guide "The Sequential model" (F. Chollet): naming layers,
#   model.layers, get_layer, summary, feature extraction with a Sequential model:
#   https://keras.io/guides/sequential_model/
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Exercises: layers named with name=..., model.layers (no InputLayer for a Sequential),
#   model.get_layer(name) and its ValueError for an unknown name, calling a model on a NumPy
#   batch, per-layer get_weights() ([kernel, bias]) and set_weights() with new values, the
#   weight-shape check of set_weights (ValueError), model.summary(), a feature extractor
#   keras.Model(inputs=initial_model.inputs, outputs=initial_model.get_layer(name=...).output).
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(5)
model = keras.Sequential([
    keras.Input(shape=(3,)),
    layers.Dense(2, activation="relu", name="layer1"),
    layers.Dense(3, activation="relu", name="layer2"),
    layers.Dense(4, name="layer3"),
])
x = np.ones((3, 3), dtype="float32")
y = np.asarray(model(x))
print("model(x):", y.shape)
assert y.shape == (3, 4)
print("layers:", [layer.name for layer in model.layers])
assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]
model.summary()

layer2 = model.get_layer("layer2")
assert layer2 is model.layers[1]
kernel, bias = layer2.get_weights()
print("layer2 weights:", kernel.shape, bias.shape, "bias starts at", bias.tolist())
assert kernel.shape == (2, 3) and bias.shape == (3,)
np.testing.assert_array_equal(bias, 0.0)
try:
    model.get_layer("layer4")
except ValueError as error:
    print("get_layer('layer4') raised ValueError:", error)
else:
    raise AssertionError("get_layer of an unknown name should raise ValueError")

# set a layer's weights by hand and check the arithmetic of the whole model
for layer in model.layers:
    n_in, n_out = layer.get_weights()[0].shape
    layer.set_weights([np.full((n_in, n_out), 0.5, dtype="float32"),
                       np.arange(n_out, dtype="float32")])
y = np.asarray(model(x))
# layer1: 3 * 0.5 + [0, 1] = [1.5, 2.5]; layer2: 0.5 * 4 + [0, 1, 2] = [2, 3, 4];
# layer3: 0.5 * 9 + [0, 1, 2, 3] = [4.5, 5.5, 6.5, 7.5]
print("with weights set by hand, model(x)[0] =", y[0].tolist())
np.testing.assert_allclose(y, np.tile([4.5, 5.5, 6.5, 7.5], (3, 1)))
try:
    layer2.set_weights([np.zeros((5, 5), dtype="float32"), np.zeros(3, dtype="float32")])
except ValueError as error:
    print("set_weights with a wrong shape raised ValueError:", str(error)[:80])
else:
    raise AssertionError("set_weights with a wrong shape should raise ValueError")

# feature extraction
initial_model = keras.Sequential([
    keras.Input(shape=(40, 40, 3)),
    layers.Conv2D(8, 5, strides=2, activation="relu"),
    layers.Conv2D(8, 3, activation="relu", name="my_intermediate_layer"),
    layers.Conv2D(8, 3, activation="relu"),
])
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
image = np.ones((1, 40, 40, 3), dtype="float32")
features = np.asarray(feature_extractor(image))
print("features:", features.shape)
assert features.shape == (1, 16, 16, 8)
predicted = feature_extractor.predict(image, verbose=0)
np.testing.assert_allclose(predicted, features, rtol=1e-6)
