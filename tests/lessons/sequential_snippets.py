# Lesson: Sequential models, Conv2D strides and padding, pooling
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

model = tf.keras.Sequential()
model.add(tf.keras.Input(shape=(256, 256, 1)))
model.add(tf.keras.layers.Conv2D(8, 3, strides=3, padding="valid", activation="relu"))
model.add(tf.keras.layers.MaxPooling2D(pool_size=(5, 5), strides=(5, 5)))
model.add(layers.Conv2D(4, 3, strides=1, padding="same", activation="relu"))
model.add(layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))
model.add(layers.Flatten())
model.add(layers.Dense(2, activation="softmax"))
model.summary()
assert model.layers[0].output.shape == (None, 85, 85, 8)
assert model.layers[1].output.shape == (None, 17, 17, 8)
assert model.layers[2].output.shape == (None, 17, 17, 4)

# Keras 2 style: the input shape on the first layer
old_style = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(16, (3, 3), activation="relu", input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPool2D(2, 2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation="softmax"),
])
old_style.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
images = np.random.default_rng(0).random((32, 28, 28, 1)).astype("float32")
labels = np.arange(32) % 10
history = old_style.fit(images, labels, epochs=1, batch_size=8, validation_split=0.25, verbose=0)
print(sorted(history.history))
assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
probabilities = old_style.predict(images[:3])
assert probabilities.shape == (3, 10) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
