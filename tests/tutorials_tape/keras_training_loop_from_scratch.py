# Follows: keras.io guide "Writing a training loop from scratch in TensorFlow" (F. Chollet)
#   https://keras.io/guides/writing_a_custom_training_loop_in_tensorflow/
# Keras 3 spelling (`import keras`, `from keras import layers`, `import tensorflow as tf`).
# Shrunk: MNIST is the 600/100-image slice in KERAS_HOME, 2 epochs, batch 64, the guide's MLP (64-64-10).
# Exercises: keras.Input(name=), Model(inputs, outputs), tf.data.Dataset.from_tensor_slices + shuffle + batch,
#   an eager loop with tf.GradientTape (model(x, training=True), loss_fn(y, logits), tape.gradient(loss,
#   model.trainable_weights), optimizer.apply(grads, model.trainable_weights)), float(loss_value), metric
#   objects update_state / result / reset_state, the same step under @tf.function, and the guide's
#   "low-level handling of losses tracked by the model": a layer calling self.add_loss, summed via
#   model.losses.
import time

import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(1)

inputs = keras.Input(shape=(784,), name="digits")
x1 = layers.Dense(64, activation="relu")(inputs)
x2 = layers.Dense(64, activation="relu")(x1)
outputs = layers.Dense(10, name="predictions")(x2)
model = keras.Model(inputs=inputs, outputs=outputs)

# Instantiate an optimizer.
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
# Instantiate a loss function.
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

# Prepare the training dataset.
batch_size = 64
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.reshape(x_train, (-1, 784)).astype("float32") / 255.0
x_test = np.reshape(x_test, (-1, 784)).astype("float32") / 255.0

# Reserve 100 samples for validation.
x_val = x_train[-100:]
y_val = y_train[-100:]
x_train = x_train[:-100]
y_train = y_train[:-100]

# Prepare the training dataset.
train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
train_dataset = train_dataset.shuffle(buffer_size=1024).batch(batch_size)

# Prepare the validation dataset.
val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))
val_dataset = val_dataset.batch(batch_size)

epochs = 2
first_losses = []
for epoch in range(epochs):
    print(f"\nStart of epoch {epoch}")

    # Iterate over the batches of the dataset.
    for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
        # Open a GradientTape to record the operations run
        # during the forward pass, which enables auto-differentiation.
        with tf.GradientTape() as tape:
            # Run the forward pass of the layer.
            # The operations that the layer applies
            # to its inputs are going to be recorded
            # on the GradientTape.
            logits = model(x_batch_train, training=True)  # Logits for this minibatch

            # Compute the loss value for this minibatch.
            loss_value = loss_fn(y_batch_train, logits)

        # Use the gradient tape to automatically retrieve
        # the gradients of the trainable variables with respect to the loss.
        grads = tape.gradient(loss_value, model.trainable_weights)

        # Run one step of gradient descent by updating
        # the value of the variables to minimize the loss.
        optimizer.apply(grads, model.trainable_weights)

        # Log every 4 batches.
        if step % 4 == 0:
            print(f"Training loss (for 1 batch) at step {step}: {float(loss_value):.4f}")
            print(f"Seen so far: {(step + 1) * batch_size} samples")
        if step == 0:
            first_losses.append(float(loss_value))

print("first-batch loss per epoch:", [round(v, 4) for v in first_losses])
assert len(grads) == len(model.trainable_weights) == 6
assert all(tuple(g.shape) == tuple(w.shape) for g, w in zip(grads, model.trainable_weights))
assert first_losses[1] < first_losses[0]

# Metrics, and the same step compiled with @tf.function
model = keras.Model(inputs=inputs, outputs=layers.Dense(10, name="predictions_2")(x2))
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
val_acc_metric = keras.metrics.SparseCategoricalAccuracy()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply(grads, model.trainable_weights)
    train_acc_metric.update_state(y, logits)
    return loss_value


@tf.function
def test_step(x, y):
    val_logits = model(x, training=False)
    val_acc_metric.update_state(y, val_logits)


accuracies = []
for epoch in range(epochs):
    print(f"\nStart of epoch {epoch}")
    start_time = time.time()

    # Iterate over the batches of the dataset.
    for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
        loss_value = train_step(x_batch_train, y_batch_train)

    # Display metrics at the end of each epoch.
    train_acc = train_acc_metric.result()
    print(f"Training acc over epoch: {float(train_acc):.4f}")

    # Reset training metrics at the end of each epoch
    train_acc_metric.reset_state()

    # Run a validation loop at the end of each epoch.
    for x_batch_val, y_batch_val in val_dataset:
        test_step(x_batch_val, y_batch_val)

    val_acc = val_acc_metric.result()
    val_acc_metric.reset_state()
    print(f"Validation acc: {float(val_acc):.4f}")
    print(f"Time taken: {time.time() - start_time:.2f}s")
    accuracies.append(float(train_acc))

assert 0.0 <= accuracies[0] <= 1.0 and accuracies[1] > accuracies[0]
assert float(train_acc_metric.result()) == 0.0  # reset_state empties it


# Low-level handling of losses tracked by the model
class ActivityRegularizationLayer(layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * tf.reduce_sum(inputs))
        return inputs


inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu")(inputs)
# Insert activity regularization as a layer
x = ActivityRegularizationLayer()(x)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10, name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
optimizer = keras.optimizers.Adam(learning_rate=1e-3)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
        # Add any extra losses created during the forward pass.
        loss_value += sum(model.losses)
    grads = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply(grads, model.trainable_weights)
    train_acc_metric.update_state(y, logits)
    return loss_value


for step, (x_batch_train, y_batch_train) in enumerate(train_dataset):
    loss_value = train_step(x_batch_train, y_batch_train)
print(f"loss with the activity penalty: {float(loss_value):.4f}")

# Eager check of the penalty: the extra loss is 1e-2 times the sum of the first Dense layer's output
logits = model(x_val[:8])
penalty = sum(model.losses)
hidden = model.layers[1](x_val[:8])
print(f"penalty {float(penalty):.4f} = 1e-2 * sum(hidden) {float(1e-2 * np.sum(hidden)):.4f}")
assert len(model.losses) == 1
assert np.isclose(float(penalty), 1e-2 * float(np.sum(hidden)), rtol=1e-5)
