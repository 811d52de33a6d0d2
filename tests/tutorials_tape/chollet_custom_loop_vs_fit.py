# Follows: Chollet, Deep Learning with Python (2nd ed.), ch. 7.4 "Writing your own training and
#   evaluation loops" (train_step / test_step with metrics, then @tf.function)
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter07_working-with-keras.ipynb
# Keras 3 spelling as the book's notebooks now use it (`from tensorflow import keras`,
#   `from tensorflow.keras import layers`, `import tensorflow as tf`).
# Shrunk: the 600/100-image MNIST slice, 512 -> 64 hidden units, 2 epochs.
# Exercises: the book's get_mnist_model(), a tape train_step returning a logs dict of metric results,
#   keras.metrics.Mean() as loss tracker, reset_state() per epoch, test_step under @tf.function, the
#   evaluation loop over tf.data batches; then the oracle issue 28 asks for: a hand-written loop with
#   SGD over the same batches from the same initial weights (get_weights/set_weights) gives fit()'s
#   weights.
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

keras.utils.set_random_seed(7)


def get_mnist_model(dropout=0.5):
    inputs = keras.Input(shape=(28 * 28,))
    features = layers.Dense(64, activation="relu")(inputs)
    if dropout:
        features = layers.Dropout(dropout)(features)
    outputs = layers.Dense(10, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    return model


(images, labels), (test_images, test_labels) = keras.datasets.mnist.load_data()
images = images.reshape((600, 28 * 28)).astype("float32") / 255
test_images = test_images.reshape((100, 28 * 28)).astype("float32") / 255
train_images, val_images = images[100:], images[:100]
train_labels, val_labels = labels[100:], labels[:100]

model = get_mnist_model()

loss_fn = keras.losses.SparseCategoricalCrossentropy()
optimizer = keras.optimizers.RMSprop()
metrics = [keras.metrics.SparseCategoricalAccuracy()]
loss_tracking_metric = keras.metrics.Mean()


def train_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs, training=True)
        loss = loss_fn(targets, predictions)
    gradients = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(gradients, model.trainable_weights))

    logs = {}
    for metric in metrics:
        metric.update_state(targets, predictions)
        logs[metric.name] = metric.result()

    loss_tracking_metric.update_state(loss)
    logs["loss"] = loss_tracking_metric.result()
    return logs


def reset_metrics():
    for metric in metrics:
        metric.reset_state()
    loss_tracking_metric.reset_state()


training_dataset = tf.data.Dataset.from_tensor_slices((train_images, train_labels))
training_dataset = training_dataset.batch(32)
epochs = 2
history = []
for epoch in range(epochs):
    reset_metrics()
    for inputs_batch, targets_batch in training_dataset:
        logs = train_step(inputs_batch, targets_batch)
    print(f"Results at the end of epoch {epoch}")
    for key, value in logs.items():
        print(f"...{key}: {value:.4f}")
    history.append(float(logs["loss"]))
assert history[1] < history[0]


@tf.function
def test_step(inputs, targets):
    predictions = model(inputs, training=False)
    loss = loss_fn(targets, predictions)

    logs = {}
    for metric in metrics:
        metric.update_state(targets, predictions)
        logs["val_" + metric.name] = metric.result()

    loss_tracking_metric.update_state(loss)
    logs["val_loss"] = loss_tracking_metric.result()
    return logs


val_dataset = tf.data.Dataset.from_tensor_slices((val_images, val_labels))
val_dataset = val_dataset.batch(32)
reset_metrics()
for inputs_batch, targets_batch in val_dataset:
    logs = test_step(inputs_batch, targets_batch)
print("Evaluation results:")
for key, value in logs.items():
    print(f"...{key}: {value:.4f}")
assert sorted(logs) == ["val_loss", "val_sparse_categorical_accuracy"]

# The same weights as fit(): SGD, no dropout, same initial weights, same batches in the same order
reference = get_mnist_model(dropout=0)
initial = reference.get_weights()
reference.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
reference.fit(train_images, train_labels, batch_size=50, epochs=2, shuffle=False, verbose=0)

model = get_mnist_model(dropout=0)
model.set_weights(initial)
optimizer = keras.optimizers.SGD(learning_rate=0.1)
dataset = tf.data.Dataset.from_tensor_slices((train_images, train_labels)).batch(50)
for epoch in range(2):
    for inputs_batch, targets_batch in dataset:
        with tf.GradientTape() as tape:
            loss = loss_fn(targets_batch, model(inputs_batch, training=True))
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))

gaps = [float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), reference.get_weights())]
moved = [float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), initial)]
print("largest |loop - fit| per weight:", ["%.1e" % g for g in gaps])
print("largest |trained - initial| per weight:", ["%.3f" % m for m in moved])
assert max(gaps) < 1e-4 and min(moved) > 1e-3
