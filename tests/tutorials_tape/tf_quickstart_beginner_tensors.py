# Follows: TensorFlow 2 quickstart for beginners, verbatim in its tensor lines
#   https://www.tensorflow.org/tutorials/quickstart/beginner
# tf.keras spelling (`import tensorflow as tf`). tests/tutorials/tf_quickstart_beginner.py follows the same
#   page but goes through np.asarray; this one keeps the page's own `.numpy()` calls, which issue 28 names.
# Shrunk: the 600/100-image MNIST slice in KERAS_HOME, 3 epochs.
# Exercises: model(x_train[:1]).numpy() (an eager tensor from a model call), tf.nn.softmax(...).numpy(),
#   a loss object called on (labels, logits) and .numpy() on the result, tf.keras.Sequential of Flatten /
#   Dense / Dropout, compile with a loss object, fit, evaluate(verbose=2), a probability model
#   Sequential([model, tf.keras.layers.Softmax()]) called on x_test[:5].
# Exact checks: softmax rows sum to 1 and equal exp(l)/sum(exp(l)); the untrained loss equals
#   -log(softmax(logits)[label]).
import numpy as np
import tensorflow as tf

print("TensorFlow version:", tf.__version__ is not None)
tf.random.set_seed(0)
tf.keras.utils.set_random_seed(0)

mnist = tf.keras.datasets.mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

model = tf.keras.models.Sequential([
  tf.keras.layers.Flatten(input_shape=(28, 28)),
  tf.keras.layers.Dense(128, activation='relu'),
  tf.keras.layers.Dropout(0.2),
  tf.keras.layers.Dense(10)
])

predictions = model(x_train[:1]).numpy()
print(predictions.shape, predictions.dtype)
assert isinstance(predictions, np.ndarray) and predictions.shape == (1, 10)

probabilities = tf.nn.softmax(predictions).numpy()
print(np.round(probabilities, 4))
assert np.isclose(probabilities.sum(), 1.0, atol=1e-6)
expected = np.exp(predictions) / np.exp(predictions).sum()
assert np.allclose(probabilities, expected, atol=1e-6)

loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
untrained_loss = loss_fn(y_train[:1], predictions).numpy()
print("untrained loss %.4f, -log(1/10) = %.4f" % (untrained_loss, -np.log(0.1)))
assert np.isclose(untrained_loss, -np.log(probabilities[0, y_train[0]]), atol=1e-5)
assert 1.0 < untrained_loss < 4.0  # close to -log(1/10) for random weights

model.compile(optimizer='adam',
              loss=loss_fn,
              metrics=['accuracy'])

history = model.fit(x_train, y_train, epochs=3, verbose=0)
print("loss per epoch:", np.round(history.history["loss"], 4))
assert history.history["loss"][2] < history.history["loss"][0]

test_loss, test_acc = model.evaluate(x_test,  y_test, verbose=2)
assert 0.0 <= test_acc <= 1.0

probability_model = tf.keras.Sequential([
  model,
  tf.keras.layers.Softmax()
])

rows = probability_model(x_test[:5])
print(rows.shape, np.round(rows.numpy().sum(axis=1), 4))
assert tuple(rows.shape) == (5, 10)
assert np.allclose(rows.numpy().sum(axis=1), 1.0, atol=1e-5)
print("predicted", np.argmax(rows.numpy(), axis=1), "true", y_test[:5])
