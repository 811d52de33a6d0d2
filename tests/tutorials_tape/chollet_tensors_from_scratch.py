# Follows: Chollet, Deep Learning with Python (2nd ed.), ch. 2.5 "Reimplementing our first example from
#   scratch in TensorFlow" (NaiveDense, NaiveSequential, BatchGenerator, one_training_step) and ch. 3.5
#   "First steps with TensorFlow" (constant tensors, variables, GradientTape, a linear classifier)
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter02_mathematical-building-blocks.ipynb
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter03_introduction-to-keras-and-tf.ipynb
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras.datasets import mnist`).
# Shrunk: the 600-image MNIST slice, 2 epochs; the two point clouds have 200 points each. The book's
#   second-order example (nested tapes) and its v[0, 0].assign(...) are left out (not in issue 28).
# Exercises: tf.ones / tf.zeros / tf.random.normal / tf.random.uniform, tf.Variable with assign /
#   assign_add / assign_sub, tf.square / tf.sqrt / tf.matmul, tape.gradient of a variable and of a watched
#   constant, math.ceil, a hand-written Dense layer with tf.Variable weights, update_weights with
#   assign_sub, tf.keras.losses.sparse_categorical_crossentropy + tf.reduce_mean, predictions.numpy(),
#   tf.reduce_mean(tf.square(...)) for a linear classifier trained with the tape.
# Exact checks: d(x^2)/dx at 3 is 6; tape gradients of the linear classifier's MSE equal the closed form
#   2/N * X^T (XW + b - y).
import math

import numpy as np
import tensorflow as tf
from tensorflow.keras.datasets import mnist

tf.random.set_seed(1)
tf.keras.utils.set_random_seed(1)

# 3.5.1 Constant tensors and variables
x = tf.ones(shape=(2, 1))
print(x.numpy().tolist())
x = tf.zeros(shape=(2, 1))
x = tf.random.normal(shape=(3, 1), mean=0., stddev=1.)
x = tf.random.uniform(shape=(3, 1), minval=0., maxval=1.)
assert tuple(x.shape) == (3, 1) and 0.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0

v = tf.Variable(initial_value=tf.random.normal(shape=(3, 1)))
v.assign(tf.ones((3, 1)))
v.assign_add(tf.ones((3, 1)))
print("variable after assign and assign_add:", v.numpy().ravel().tolist())
assert v.numpy().ravel().tolist() == [2.0, 2.0, 2.0]

# 3.5.2 Tensor operations
a = tf.ones((2, 2))
b = tf.square(a)
c = tf.sqrt(a)
d = b + c
e = tf.matmul(a, b)
e *= d
print("e =", e.numpy().tolist())
assert e.numpy().tolist() == [[4.0, 4.0], [4.0, 4.0]]

# 3.5.3 A second look at the GradientTape API
input_var = tf.Variable(initial_value=3.)
with tf.GradientTape() as tape:
    result = tf.square(input_var)
gradient = tape.gradient(result, input_var)
print("d(x^2)/dx at 3:", float(gradient))
assert float(gradient) == 6.0

input_const = tf.constant(3.)
with tf.GradientTape() as tape:
    tape.watch(input_const)
    result = tf.square(input_const)
gradient = tape.gradient(result, input_const)
assert float(gradient) == 6.0

# 3.5.4 An end-to-end example: a linear classifier in pure TensorFlow
num_samples_per_class = 200
negative_samples = np.random.multivariate_normal(
    mean=[0, 3], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
positive_samples = np.random.multivariate_normal(
    mean=[3, 0], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                     np.ones((num_samples_per_class, 1), dtype="float32")))

input_dim = 2
output_dim = 1
W = tf.Variable(initial_value=tf.random.uniform(shape=(input_dim, output_dim)))
b = tf.Variable(initial_value=tf.zeros(shape=(output_dim,)))


def model(inputs):
    return tf.matmul(inputs, W) + b


def square_loss(targets, predictions):
    per_sample_losses = tf.square(targets - predictions)
    return tf.reduce_mean(per_sample_losses)


learning_rate = 0.1


def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
    W.assign_sub(grad_loss_wrt_W * learning_rate)
    b.assign_sub(grad_loss_wrt_b * learning_rate)
    return loss


# exact: the tape's gradient equals the closed form 2/N X^T (XW + b - y)
with tf.GradientTape() as tape:
    loss = square_loss(targets, model(inputs))
grad_W, grad_b = tape.gradient(loss, [W, b])
residual = inputs @ W.numpy() + b.numpy() - targets
assert np.allclose(grad_W.numpy(), 2 / len(inputs) * inputs.T @ residual, rtol=1e-4, atol=1e-5)
assert np.allclose(grad_b.numpy(), 2 * residual.mean(axis=0), rtol=1e-4, atol=1e-5)

losses = []
for step in range(40):
    loss = training_step(inputs, targets)
    losses.append(float(loss))
print(f"Loss at step 0: {losses[0]:.4f}, at step 39: {losses[-1]:.4f}")
predictions = model(inputs)
accuracy = np.mean((predictions.numpy() > 0.5) == (targets > 0.5))
print("linear classifier accuracy: %.3f" % accuracy)
assert losses[-1] < losses[0] and accuracy > 0.9


# 2.5 Reimplementing our first example from scratch
class NaiveDense:
    def __init__(self, input_size, output_size, activation):
        self.activation = activation

        w_shape = (input_size, output_size)
        w_initial_value = tf.random.uniform(w_shape, minval=0, maxval=1e-1)
        self.W = tf.Variable(w_initial_value)

        b_shape = (output_size,)
        b_initial_value = tf.zeros(b_shape)
        self.b = tf.Variable(b_initial_value)

    def __call__(self, inputs):
        return self.activation(tf.matmul(inputs, self.W) + self.b)

    @property
    def weights(self):
        return [self.W, self.b]


class NaiveSequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self):
        weights = []
        for layer in self.layers:
            weights += layer.weights
        return weights


model = NaiveSequential([
    NaiveDense(input_size=28 * 28, output_size=64, activation=tf.nn.relu),
    NaiveDense(input_size=64, output_size=10, activation=tf.nn.softmax)
])
assert len(model.weights) == 4


class BatchGenerator:
    def __init__(self, images, labels, batch_size=128):
        assert len(images) == len(labels)
        self.index = 0
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.num_batches = math.ceil(len(images) / batch_size)

    def next(self):
        images = self.images[self.index : self.index + self.batch_size]
        labels = self.labels[self.index : self.index + self.batch_size]
        self.index += self.batch_size
        return images, labels


def update_weights(gradients, weights):
    for g, w in zip(gradients, weights):
        w.assign_sub(g * learning_rate)


def one_training_step(model, images_batch, labels_batch):
    with tf.GradientTape() as tape:
        predictions = model(images_batch)
        per_sample_losses = tf.keras.losses.sparse_categorical_crossentropy(
            labels_batch, predictions)
        average_loss = tf.reduce_mean(per_sample_losses)
    gradients = tape.gradient(average_loss, model.weights)
    update_weights(gradients, model.weights)
    return average_loss


def fit(model, images, labels, epochs, batch_size=128):
    losses = []
    for epoch_counter in range(epochs):
        print(f"Epoch {epoch_counter}")
        batch_generator = BatchGenerator(images, labels)
        for batch_counter in range(batch_generator.num_batches):
            images_batch, labels_batch = batch_generator.next()
            loss = one_training_step(model, images_batch, labels_batch)
            if batch_counter % 2 == 0:
                print(f"loss at batch {batch_counter}: {loss:.2f}")
            losses.append(float(loss))
    return losses


(train_images, train_labels), (test_images, test_labels) = mnist.load_data()
train_images = train_images.reshape((600, 28 * 28))
train_images = train_images.astype("float32") / 255
test_images = test_images.reshape((100, 28 * 28))
test_images = test_images.astype("float32") / 255

learning_rate = 1e-2
losses = fit(model, train_images, train_labels, epochs=2, batch_size=128)
assert np.mean(losses[5:]) < np.mean(losses[:5])  # epoch 2 below epoch 1

predictions = model(test_images)
predictions = predictions.numpy()
predicted_labels = np.argmax(predictions, axis=1)
matches = predicted_labels == test_labels
print(f"accuracy: {matches.mean():.2f}")
assert predictions.shape == (100, 10) and 0.0 <= matches.mean() <= 1.0
