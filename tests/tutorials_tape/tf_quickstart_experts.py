# Follows: TensorFlow 2 quickstart for experts
#   https://www.tensorflow.org/tutorials/quickstart/advanced
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras.layers import ...`,
#   `from tensorflow.keras import Model`), verbatim apart from the data size.
# Shrunk: the 600/100-image MNIST slice in KERAS_HOME, 2 epochs, shuffle buffer 600.
# Exercises: x_train[..., tf.newaxis].astype("float32"), tf.data.Dataset.from_tensor_slices(...).shuffle(...)
#   .batch(32), a model written by subclassing Model (layers in __init__, call(self, x)), @tf.function
#   train_step / test_step with tf.GradientTape, optimizer.apply_gradients(zip(gradients,
#   model.trainable_variables)), metrics Mean / SparseCategoricalAccuracy called as functions,
#   reset_state(), .result() in f-strings.
import numpy as np
import tensorflow as tf
print("TensorFlow version:", tf.__version__ is not None)

from tensorflow.keras.layers import Dense, Flatten, Conv2D
from tensorflow.keras import Model

tf.random.set_seed(1)
tf.keras.utils.set_random_seed(1)

mnist = tf.keras.datasets.mnist

(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

# Add a channels dimension
x_train = x_train[..., tf.newaxis].astype("float32")
x_test = x_test[..., tf.newaxis].astype("float32")

train_ds = tf.data.Dataset.from_tensor_slices(
    (x_train, y_train)).shuffle(600).batch(32)

test_ds = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(32)


class MyModel(Model):
  def __init__(self):
    super().__init__()
    self.conv1 = Conv2D(8, 3, activation='relu')
    self.flatten = Flatten()
    self.d1 = Dense(32, activation='relu')
    self.d2 = Dense(10)

  def call(self, x):
    x = self.conv1(x)
    x = self.flatten(x)
    x = self.d1(x)
    return self.d2(x)

# Create an instance of the model
model = MyModel()

loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

optimizer = tf.keras.optimizers.Adam()

train_loss = tf.keras.metrics.Mean(name='train_loss')
train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='train_accuracy')

test_loss = tf.keras.metrics.Mean(name='test_loss')
test_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name='test_accuracy')

@tf.function
def train_step(images, labels):
  with tf.GradientTape() as tape:
    # training=True is only needed if there are layers with different
    # behavior during training versus inference (e.g. Dropout).
    predictions = model(images, training=True)
    loss = loss_object(labels, predictions)
  gradients = tape.gradient(loss, model.trainable_variables)
  optimizer.apply_gradients(zip(gradients, model.trainable_variables))

  train_loss(loss)
  train_accuracy(labels, predictions)

@tf.function
def test_step(images, labels):
  # training=False is only needed if there are layers with different
  # behavior during training versus inference (e.g. Dropout).
  predictions = model(images, training=False)
  t_loss = loss_object(labels, predictions)

  test_loss(t_loss)
  test_accuracy(labels, predictions)

EPOCHS = 2
epoch_losses = []

for epoch in range(EPOCHS):
  # Reset the metrics at the start of the next epoch
  train_loss.reset_state()
  train_accuracy.reset_state()
  test_loss.reset_state()
  test_accuracy.reset_state()

  for images, labels in train_ds:
    train_step(images, labels)

  for test_images, test_labels in test_ds:
    test_step(test_images, test_labels)

  print(
    f'Epoch {epoch + 1}, '
    f'Loss: {train_loss.result():0.2f}, '
    f'Accuracy: {train_accuracy.result() * 100:0.2f}, '
    f'Test Loss: {test_loss.result():0.2f}, '
    f'Test Accuracy: {test_accuracy.result() * 100:0.2f}'
  )
  epoch_losses.append(float(train_loss.result()))

assert epoch_losses[1] < epoch_losses[0]
assert 0.0 <= float(test_accuracy.result()) <= 1.0
print("trainable variables:", [tuple(v.shape) for v in model.trainable_variables])
assert [tuple(v.shape) for v in model.trainable_variables] == [
    (3, 3, 1, 8), (8,), (26 * 26 * 8, 32), (32,), (32, 10), (10,)]
logits = model(x_test[:4])
print("logits", tuple(logits.shape), "argmax", np.argmax(logits, axis=1), "true", y_test[:4])
assert tuple(logits.shape) == (4, 10)
