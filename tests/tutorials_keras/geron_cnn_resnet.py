# Follows: Géron, Hands-On Machine Learning (3rd ed.), ch. 14 "Deep Computer Vision Using CNNs": the
#   Fashion-MNIST CNN with DefaultConv2D = partial(Conv2D, ...), "Implementing a ResNet-34 CNN Using Keras"
#   (the ResidualUnit layer subclass), and the preprocessing of "Using Pretrained Models from Keras"
#   (Resizing(crop_to_aspect_ratio=True), CenterCrop, Rescaling)
#   https://github.com/ageron/handson-ml3/blob/main/14_deep_computer_vision_with_cnns.ipynb
# tf.keras spelling (`import tensorflow as tf`, `from functools import partial`).
# Shrunk: the 600-image Fashion-MNIST slice, filters 64/128/256 -> 8/16/32, ResNet-34's 3+4+6+3 units ->
#   1+1+1 units with 8/16/32 filters, 2 epochs; the pretrained-model section keeps only its preprocessing
#   layers (no ImageNet weights), applied to the galaxy sample.
# Exercises: functools.partial over tf.keras.layers.Conv2D, Sequential with MaxPool2D / Dropout / Dense,
#   a Layer subclass ResidualUnit whose __init__ builds lists of layers (main_layers, skip_layers) and
#   whose call() runs them and adds the skip path, tf.keras.activations.get("relu"), GlobalAvgPool2D,
#   model.add in a loop, Resizing(height, width, crop_to_aspect_ratio=True), CenterCrop, Rescaling,
#   image_dataset_from_directory on the galaxy sample, model.output_shape.
import os
from functools import partial

import numpy as np
import tensorflow as tf

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)

mnist = tf.keras.datasets.fashion_mnist.load_data()
(X_train_full, y_train_full), (X_test, y_test) = mnist
X_train_full = np.expand_dims(X_train_full, axis=-1).astype(np.float32) / 255
X_test = np.expand_dims(X_test.astype(np.float32), axis=-1) / 255
X_train, X_valid = X_train_full[:-100], X_train_full[-100:]
y_train, y_valid = y_train_full[:-100], y_train_full[-100:]

DefaultConv2D = partial(tf.keras.layers.Conv2D, kernel_size=3, padding="same",
                        activation="relu", kernel_initializer="he_normal")
model = tf.keras.Sequential([
    DefaultConv2D(filters=8, kernel_size=7, input_shape=[28, 28, 1]),
    tf.keras.layers.MaxPool2D(),
    DefaultConv2D(filters=16),
    DefaultConv2D(filters=16),
    tf.keras.layers.MaxPool2D(),
    DefaultConv2D(filters=32),
    DefaultConv2D(filters=32),
    tf.keras.layers.MaxPool2D(),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(units=32, activation="relu",
                          kernel_initializer="he_normal"),
    tf.keras.layers.Dropout(0.5),
    tf.keras.layers.Dense(units=10, activation="softmax")
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam",
              metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=2,
                    validation_data=(X_valid, y_valid), verbose=0)
score = model.evaluate(X_test, y_test, verbose=0)
print("CNN loss per epoch", np.round(history.history["loss"], 4), "test accuracy %.2f" % score[1])
assert model.layers[7].output.shape[1:] == (3, 3, 32)
assert history.history["loss"][1] < history.history["loss"][0]

DefaultConv2D = partial(tf.keras.layers.Conv2D, kernel_size=3, strides=1,
                        padding="same", kernel_initializer="he_normal",
                        use_bias=False)


class ResidualUnit(tf.keras.layers.Layer):
    def __init__(self, filters, strides=1, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.activation = tf.keras.activations.get(activation)
        self.main_layers = [
            DefaultConv2D(filters, strides=strides),
            tf.keras.layers.BatchNormalization(),
            self.activation,
            DefaultConv2D(filters),
            tf.keras.layers.BatchNormalization()
        ]
        self.skip_layers = []
        if strides > 1:
            self.skip_layers = [
                DefaultConv2D(filters, kernel_size=1, strides=strides),
                tf.keras.layers.BatchNormalization()
            ]

    def call(self, inputs):
        Z = inputs
        for layer in self.main_layers:
            Z = layer(Z)
        skip_Z = inputs
        for layer in self.skip_layers:
            skip_Z = layer(skip_Z)
        return self.activation(Z + skip_Z)


model = tf.keras.Sequential([
    DefaultConv2D(8, kernel_size=7, strides=2, input_shape=[28, 28, 1]),
    tf.keras.layers.BatchNormalization(),
    tf.keras.layers.Activation("relu"),
    tf.keras.layers.MaxPool2D(pool_size=3, strides=2, padding="same"),
])
prev_filters = 8
for filters in [8] * 1 + [16] * 1 + [32] * 1:
    strides = 1 if filters == prev_filters else 2
    model.add(ResidualUnit(filters, strides=strides))
    prev_filters = filters

model.add(tf.keras.layers.GlobalAvgPool2D())
model.add(tf.keras.layers.Flatten())
model.add(tf.keras.layers.Dense(10, activation="softmax"))
model.summary()
print("ResNet output_shape", model.output_shape)
assert model.output_shape == (None, 10)
units = [layer for layer in model.layers if isinstance(layer, ResidualUnit)]
print("residual units:", len(units), "weights per unit:", [len(u.weights) for u in units])
assert [len(u.weights) for u in units] == [10, 15, 15]  # 2 bias-free convs + 2 BN (4 each), + skip conv and BN
model.compile(loss="sparse_categorical_crossentropy", optimizer="nadam", metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=2, validation_data=(X_valid, y_valid), verbose=0)
print("ResNet loss per epoch", np.round(history.history["loss"], 4))
assert history.history["loss"][1] < history.history["loss"][0]

# Preprocessing for a pretrained model (the layers only; no ImageNet weights here)
galaxies = tf.keras.utils.image_dataset_from_directory(
    os.environ["GALAXY_SAMPLE"], image_size=(100, 120), batch_size=8, shuffle=False)
images, labels = next(iter(galaxies))
print("galaxy batch", tuple(images.shape), "classes", galaxies.class_names)
preprocess = tf.keras.Sequential([
    tf.keras.layers.Resizing(height=64, width=64, crop_to_aspect_ratio=True),
    tf.keras.layers.Rescaling(scale=1 / 127.5, offset=-1),
])
resized = preprocess(images)
print("resized", tuple(resized.shape), "range %.2f..%.2f" % (float(np.min(resized)), float(np.max(resized))))
assert tuple(resized.shape) == (8, 64, 64, 3)
assert -1.0 <= float(np.min(resized)) and float(np.max(resized)) <= 1.0
cropped = tf.keras.layers.CenterCrop(height=80, width=100)(images)
print("center crop", tuple(cropped.shape))
assert np.array_equal(np.asarray(cropped), np.asarray(images)[:, 10:90, 10:110])
