# Follows: the Keras API page "Layer weight initializers" (kernel_initializer by string name or
#   by class, the variance-scaling family) and Géron HOML3 ch. 11 "Glorot and He Initialization":
#   https://keras.io/api/layers/initializers/
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
# Keras 3 spelling (`import keras`, `from keras import layers, initializers`).
# Exercises: kernel_initializer="he_normal" / "he_uniform" / "glorot_normal" / "lecun_normal"
#   (and the default glorot_uniform) on Dense and Conv2D, initializers.HeNormal(seed=...) objects,
#   the spread each one gives (truncated normal with stddev sqrt(scale / fan), cut at 2 stddev;
#   uniform in [-sqrt(3 * scale / fan), +sqrt(3 * scale / fan)]), fan_in of a Conv2D kernel =
#   kh * kw * in_channels, biases starting at zero, then a short fit.
import numpy as np
import keras
from keras import initializers, layers

keras.utils.set_random_seed(3)
fan_in, fan_out = 400, 300
model = keras.Sequential([
    keras.Input(shape=(fan_in,)),
    layers.Dense(fan_out, activation="relu", kernel_initializer="he_normal", name="he_normal"),
    layers.Dense(fan_out, activation="relu", kernel_initializer="he_uniform", name="he_uniform"),
    layers.Dense(fan_out, activation="tanh", kernel_initializer="glorot_normal", name="glorot_normal"),
    layers.Dense(fan_out, activation="tanh", kernel_initializer="lecun_normal", name="lecun_normal"),
    layers.Dense(fan_out, activation="relu", name="default"),
    layers.Dense(3, activation="softmax", kernel_initializer=initializers.HeNormal(seed=0),
                 name="head"),
])
# (scale, fan used, distribution) for each layer; layers after the first have fan_in = 300
expected = {
    "he_normal": (2.0, fan_in, "normal"),
    "he_uniform": (2.0, fan_out, "uniform"),
    "glorot_normal": (1.0, (fan_out + fan_out) / 2, "normal"),
    "lecun_normal": (1.0, fan_out, "normal"),
    "default": (1.0, (fan_out + fan_out) / 2, "uniform"),  # glorot_uniform
}
for name, (scale, fan, distribution) in expected.items():
    kernel, bias = model.get_layer(name).get_weights()
    np.testing.assert_array_equal(bias, 0.0)
    if distribution == "normal":
        # a normal truncated at 2 stddev, rescaled so that its stddev is sqrt(scale / fan)
        target_std = np.sqrt(scale / fan)
        bound = 2 * target_std / 0.87962566103423978
        assert np.abs(kernel).max() <= bound * (1 + 1e-6)
    else:
        limit = np.sqrt(3.0 * scale / fan)
        target_std = limit / np.sqrt(3.0)
        assert np.abs(kernel).max() <= limit
        assert np.abs(kernel).max() > 0.99 * limit
    print(f"{name:14s} kernel {kernel.shape}: std {kernel.std():.5f} (expected {target_std:.5f}), "
          f"max |w| {np.abs(kernel).max():.5f}")
    np.testing.assert_allclose(kernel.std(), target_std, rtol=0.02)
    assert abs(kernel.mean()) < 0.05 * target_std

# the same seed gives the same values; the initializer object is callable
a = initializers.HeNormal(seed=0)(shape=(300, 3))
b = initializers.HeNormal(seed=0)(shape=(300, 3))
np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
assert np.asarray(a).shape == (300, 3)

# Conv2D: fan_in = 3 * 3 * 16 = 144
conv = keras.Sequential([keras.Input(shape=(12, 12, 16)),
                         layers.Conv2D(256, 3, kernel_initializer="he_uniform")])
kernel = conv.layers[0].get_weights()[0]
limit = np.sqrt(6.0 / (3 * 3 * 16))
print(f"Conv2D he_uniform kernel {kernel.shape}: max |w| {np.abs(kernel).max():.5f} <= {limit:.5f}")
assert kernel.shape == (3, 3, 16, 256) and np.abs(kernel).max() <= limit
np.testing.assert_allclose(kernel.std(), limit / np.sqrt(3.0), rtol=0.02)

# and the network trains
rng = np.random.RandomState(0)
x = rng.normal(size=(256, fan_in)).astype("float32")
y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0).astype("int32")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=2, batch_size=32, verbose=2)
print("loss per epoch:", np.round(history.history["loss"], 4).tolist())
