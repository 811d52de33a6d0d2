# Follows: TensorFlow tutorial "TensorFlow 2 quickstart for beginners"
#   https://www.tensorflow.org/tutorials/quickstart/beginner
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: tf.random.set_seed, tf.keras.datasets.mnist.load_data(), a model whose last Dense
#   has no activation (logits), calling the model on a batch, tf.nn.softmax on its output,
#   SparseCategoricalCrossentropy(from_logits=True) called directly, compile/fit/evaluate(verbose=2),
#   and the probability model: tf.keras.Sequential([model, tf.keras.layers.Softmax()]) (a model
#   used as a layer inside Sequential, plus layers.Softmax).
# Data: the small MNIST slice in tests/fixtures/keras_home.
import numpy as np
import tensorflow as tf

tf.random.set_seed(3)
tf.keras.utils.set_random_seed(3)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded

mnist = tf.keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
print("train:", x_train.shape, "test:", x_test.shape, "dtype:", x_train.dtype)

model = tf.keras.models.Sequential([
    tf.keras.Input(shape=(28, 28)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Dense(10),
])

# untrained logits for the first image, and the softmax of them
logits = np.asarray(model(x_train[:1]))
print("logits:", np.round(logits, 3))
assert logits.shape == (1, 10)
probabilities = np.asarray(tf.nn.softmax(logits))
print("softmax:", np.round(probabilities, 3))
np.testing.assert_allclose(probabilities.sum(), 1.0, rtol=1e-5)
np.testing.assert_allclose(probabilities, np.exp(logits) / np.exp(logits).sum(), rtol=1e-5)

loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
first_loss = float(loss_fn(y_train[:1], logits))
print("untrained loss on one image:", round(first_loss, 4), "(about -log(1/10) = 2.303)")
np.testing.assert_allclose(first_loss, -np.log(probabilities[0, y_train[0]]), rtol=1e-5)

model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
model.fit(x_train, y_train, epochs=2, verbose=2)
test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)
print(f"test loss {test_loss:.4f}, test accuracy {test_acc:.4f}")

# wrap the trained model to get probabilities
probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])
probs = np.asarray(probability_model(x_test[:5]))
print("probabilities of 5 test images:\n", np.round(probs, 3))
assert probs.shape == (5, 10)
np.testing.assert_allclose(probs.sum(axis=1), np.ones(5), rtol=1e-5)
# the wrapped model shares the trained weights: same ranking as the logits
np.testing.assert_array_equal(np.argmax(probs, axis=1),
                              np.argmax(model.predict(x_test[:5], verbose=0), axis=1))
print("predicted:", np.argmax(probs, axis=1).tolist(), "true:", y_test[:5].tolist())
