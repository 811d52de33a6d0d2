# Follows: Géron, Hands-On Machine Learning (3rd ed.), ch. 11 "Better Activation Functions" (LeakyReLU,
#   PReLU, ELU, SELU, GELU, Swish), "Batch Normalization" (BN before the activation), "Dropout",
#   "Monte Carlo (MC) Dropout" (np.stack of model(X, training=True), the MCDropout subclass) and
#   "Max-Norm Regularization"
#   https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb
# tf.keras spelling (`import tensorflow as tf`).
# Shrunk: the 600-image Fashion-MNIST slice, 100 -> 32 units, 2 epochs, 20 MC samples instead of 100.
# Exercises: tf.keras.layers.LeakyReLU(negative_slope=0.2), PReLU, ELU, activation="elu"/"selu"/"gelu"/
#   "swish", kernel_initializer="lecun_normal", tf.keras.activations.* on arrays, BatchNormalization before
#   Activation with use_bias=False, Dropout(rate=0.2), AlphaDropout, np.stack([model(X, training=True)
#   for sample in range(20)]) (tensors into NumPy), a Dropout subclass whose call() forces training=True,
#   kernel_constraint=tf.keras.constraints.max_norm(1.).
# Exact checks: LeakyReLU(0.2), ELU(alpha=1) and the selu/gelu/swish activations on fixed inputs equal
#   their formulas; PReLU starts as the identity for x >= 0 and 0 for x < 0 (alpha initialised to 0).
import math

import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)

x = np.array([[-10.0, -1.0, -0.1, 0.0, 0.5, 3.0]], dtype="float32")
leaky_relu = tf.keras.layers.LeakyReLU(negative_slope=0.2)  # defaults to negative_slope=0.3
print("LeakyReLU(0.2):", np.asarray(leaky_relu(x)).round(4).tolist())
assert np.allclose(np.asarray(leaky_relu(x)), np.where(x > 0, x, 0.2 * x))
elu = tf.keras.layers.ELU(alpha=1.0)
assert np.allclose(np.asarray(elu(x)), np.where(x > 0, x, np.exp(x) - 1), atol=1e-6)
prelu = tf.keras.layers.PReLU()
assert np.allclose(np.asarray(prelu(x)), np.maximum(x, 0))
scale, alpha = 1.0507009873554805, 1.6732632423543772
assert np.allclose(np.asarray(tf.keras.activations.selu(x)),
                   scale * np.where(x > 0, x, alpha * (np.exp(x) - 1)), atol=1e-5)
erf = np.vectorize(math.erf)
assert np.allclose(np.asarray(tf.keras.activations.gelu(x, approximate=False)),
                   0.5 * x * (1 + erf(x / np.sqrt(2))), atol=1e-5)
assert np.allclose(np.asarray(tf.keras.activations.swish(x)), x / (1 + np.exp(-x)), atol=1e-5)
print("activation formulas: ok")

fashion_mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = fashion_mnist
X_train, y_train = X_train_full[:-100] / 255.0, y_train_full[:-100]
X_valid, y_valid = X_train_full[-100:] / 255.0, y_train_full[-100:]
X_test = X_test / 255.0


def fit_and_report(name, model, epochs=2):
    model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
    history = model.fit(X_train, y_train, epochs=epochs, validation_data=(X_valid, y_valid), verbose=0)
    print(f"{name:14s} loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}")
    assert history.history["loss"][-1] < history.history["loss"][0], name
    return model


fit_and_report("LeakyReLU", tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    tf.keras.layers.Dense(32, kernel_initializer="he_normal"),
    tf.keras.layers.LeakyReLU(negative_slope=0.2),
    tf.keras.layers.Dense(10, activation="softmax")]))
prelu_model = fit_and_report("PReLU", tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    tf.keras.layers.Dense(32, kernel_initializer="he_normal"),
    tf.keras.layers.PReLU(),
    tf.keras.layers.Dense(10, activation="softmax")]))
print("PReLU alpha shape:", prelu_model.layers[2].get_weights()[0].shape)
assert prelu_model.layers[2].get_weights()[0].shape == (32,)
for activation, init in [("elu", "he_normal"), ("selu", "lecun_normal"), ("gelu", "he_normal"),
                         ("swish", "he_normal")]:
    fit_and_report(activation, tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=[28, 28]),
        tf.keras.layers.Dense(32, activation=activation, kernel_initializer=init),
        tf.keras.layers.Dense(32, activation=activation, kernel_initializer=init),
        tf.keras.layers.Dense(10, activation="softmax")]))

# Batch normalization before the activation
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    tf.keras.layers.Dense(32, kernel_initializer="he_normal", use_bias=False),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Activation("relu"),
    tf.keras.layers.Dense(10, activation="softmax")
])
fit_and_report("BN first", model)
assert [len(layer.weights) for layer in model.layers] == [0, 1, 4, 0, 2]

# Dropout, then MC Dropout
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    tf.keras.layers.Dropout(rate=0.2),
    tf.keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal"),
    tf.keras.layers.Dropout(rate=0.2),
    tf.keras.layers.Dense(10, activation="softmax")
])
fit_and_report("Dropout", model)

y_probas = np.stack([model(X_test, training=True)
                     for sample in range(20)])
y_proba = y_probas.mean(axis=0)
print("MC dropout:", y_probas.shape, "first test image mean probas", y_proba[0].round(2))
assert y_probas.shape == (20, 100, 10) and np.allclose(y_proba.sum(axis=1), 1.0, atol=1e-5)
assert y_probas.std(axis=0).max() > 0  # training=True keeps dropout on
y_std = y_probas.std(axis=0)
assert np.allclose(model.predict(X_test[:3], verbose=0), model.predict(X_test[:3], verbose=0))


class MCDropout(tf.keras.layers.Dropout):
    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


mc_model = tf.keras.Sequential([
    MCDropout(layer.rate) if isinstance(layer, tf.keras.layers.Dropout) else layer
    for layer in model.layers
])
mc_model.set_weights(model.get_weights())
a = mc_model.predict(X_test[:5], verbose=0)
b = mc_model.predict(X_test[:5], verbose=0)
print("MCDropout predictions differ between calls:", not np.allclose(a, b))
assert not np.allclose(a, b)

# Max-norm regularization and AlphaDropout (with SELU)
dense = tf.keras.layers.Dense(32, activation="selu", kernel_initializer="lecun_normal",
                              kernel_constraint=tf.keras.constraints.max_norm(1.))
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=[28, 28]),
    dense,
    tf.keras.layers.AlphaDropout(rate=0.1),
    tf.keras.layers.Dense(10, activation="softmax")])
fit_and_report("max_norm", model)
norms = np.sqrt((dense.get_weights()[0] ** 2).sum(axis=0))
print("largest column norm: %.4f" % norms.max())
assert norms.max() <= 1.0 + 1e-5
