# Follows: keras.io guide "Customizing what happens in fit() with TensorFlow" (F. Chollet)
#   https://keras.io/guides/custom_train_step_in_tensorflow/
# Keras 3 spelling (`import keras`, `from keras import layers`, `import tensorflow as tf`).
# Shrunk: the guide's random regression data (1000 x 32) is kept for its first two sections, 3 epochs;
#   then the same pattern on an image classifier (the X-ray sample at 32x32 grayscale), as a student next
#   writes it.
# Exercises: subclassing keras.Model and overriding train_step(self, data) with tf.GradientTape,
#   self(x, training=True), self.compute_loss(y=y, y_pred=y_pred), self.trainable_variables,
#   self.optimizer.apply(gradients, trainable_vars), self.metrics with metric.update_state / result,
#   returning {m.name: m.result()}; the lower-level version with keras.metrics.Mean(name="loss") trackers
#   listed in a `metrics` property, compile() with only an optimizer; overriding test_step for evaluate();
#   CustomModel(inputs, outputs) as a functional model; fit/evaluate/predict on it.
import os

import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(3)


class CustomModel(keras.Model):
    def train_step(self, data):
        # Unpack the data. Its structure depends on your model and
        # on what you pass to `fit()`.
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute the loss value
            # (the loss function is configured in `compile()`)
            loss = self.compute_loss(y=y, y_pred=y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Update metrics (includes the metric that tracks the loss)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)

        # Return a dict mapping metric names to current value
        return {m.name: m.result() for m in self.metrics}


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])

# Just use `fit` as usual
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
history = model.fit(x, y, epochs=3, verbose=0)
print("history keys:", sorted(history.history))
print("loss per epoch:", [round(v, 4) for v in history.history["loss"]])
assert history.history["loss"][-1] < history.history["loss"][0]
assert "mae" in history.history

# Going lower-level: metrics tracked by hand, compile() without a loss
loss_tracker = keras.metrics.Mean(name="loss")
mae_metric = keras.metrics.MeanAbsoluteError(name="mae")


class CustomModel(keras.Model):
    def train_step(self, data):
        x, y = data

        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)  # Forward pass
            # Compute our own loss
            loss = keras.losses.mean_squared_error(y, y_pred)

        # Compute gradients
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)

        # Update weights
        self.optimizer.apply(gradients, trainable_vars)

        # Compute our own metrics
        loss_tracker.update_state(loss)
        mae_metric.update_state(y, y_pred)
        return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

    @property
    def metrics(self):
        # We list our `Metric` objects here so that `reset_states()` can be
        # called automatically at the start of each epoch
        # or at the start of `evaluate()`.
        return [loss_tracker, mae_metric]


# Construct an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)

# We don't pass a loss or metrics here.
model.compile(optimizer="adam")

# Just use `fit` as usual -- you can use callbacks, etc.
history = model.fit(x, y, epochs=3, verbose=0)
print("lower-level history:", {k: [round(v, 4) for v in vs] for k, vs in history.history.items()})
assert sorted(history.history) == ["loss", "mae"]
assert history.history["loss"][-1] < history.history["loss"][0]


# The same pattern on an image classifier, with test_step for evaluate()
class ImageClassifier(keras.Model):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        # Unpack the data
        x, y = data
        # Compute predictions
        y_pred = self(x, training=False)
        # Updates the metrics tracking the loss
        loss = self.compute_loss(y=y, y_pred=y_pred)
        # Update the metrics.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        # Return a dict mapping metric names to current value.
        # Note that it will include the loss (tracked in self.metrics).
        return {m.name: m.result() for m in self.metrics}


classes = ["Covid", "Normal", "Pneumonia"]
images, labels = [], []
for label, name in enumerate(classes):
    folder = os.path.join("Covid19-dataset", "train", name)
    for file in sorted(os.listdir(folder)):
        img = keras.utils.load_img(os.path.join(folder, file), color_mode="grayscale",
                                   target_size=(32, 32))
        images.append(keras.utils.img_to_array(img) / 255.0)
        labels.append(label)
images, labels = np.array(images), np.array(labels)

inputs = keras.Input(shape=(32, 32, 1))
h = layers.Conv2D(8, 3, activation="relu")(inputs)
h = layers.MaxPooling2D()(h)
h = layers.Flatten()(h)
outputs = layers.Dense(3, activation="softmax")(h)
classifier = ImageClassifier(inputs, outputs)
classifier.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
history = classifier.fit(images, labels, batch_size=16, epochs=3, shuffle=True, verbose=0)
print("classifier history:", {k: [round(v, 4) for v in vs] for k, vs in history.history.items()})
results = classifier.evaluate(images, labels, verbose=0, return_dict=True)
print("evaluate:", {k: round(v, 4) for k, v in results.items()})
probabilities = classifier.predict(images[:5], verbose=0)
print("predict:", probabilities.shape, np.round(probabilities.sum(axis=1), 4))
assert history.history["loss"][-1] < history.history["loss"][0]
assert set(results) == {"loss", "accuracy"} and 0.0 <= results["accuracy"] <= 1.0
assert isinstance(probabilities, np.ndarray) and probabilities.shape == (5, 3)
assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
