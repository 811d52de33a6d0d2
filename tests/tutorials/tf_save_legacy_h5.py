# Follows: TensorFlow tutorial "Save and load models", section "HDF5 format" (the legacy .h5 file)
#   https://www.tensorflow.org/tutorials/keras/save_and_load#hdf5_format
#   and the Keras guide "Save, serialize, and export models"
#   https://keras.io/guides/serialization_and_saving/
# tf.keras spelling (`import tensorflow as tf`).
# Exercises: a small convnet on the bundled X-ray sample (flow_from_directory), model.save("my_model.h5")
#   (Keras 3 writes the legacy HDF5 file and warns that it is legacy), tf.keras.models.load_model
#   of the .h5 with compile state, the file's HDF5 layout read with h5py (root attribute
#   "model_config" holding JSON with class_name "Sequential", group "model_weights"), predictions
#   equal after the round trip. h5py is what Keras itself uses for these files.
import json

import h5py
import numpy as np
import tensorflow as tf
from tensorflow.keras.preprocessing.image import ImageDataGenerator

tf.random.set_seed(4)
tf.keras.utils.set_random_seed(4)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
iterator = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory(
    "Covid19-dataset/train", target_size=(32, 32), color_mode="grayscale", batch_size=30,
    seed=4)
x, y = next(iterator)
print("batch:", x.shape, y.shape, "class counts:", y.sum(axis=0))

model = tf.keras.Sequential([
    tf.keras.Input(shape=(32, 32, 1)),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.MaxPooling2D(2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, verbose=0)
before = model.predict(x, verbose=0)

model.save("my_model.h5")
with h5py.File("my_model.h5", "r") as f:
    config = json.loads(f.attrs["model_config"])
    groups = sorted(f["model_weights"].keys())
print("model_config class:", config["class_name"], "- weight groups:", groups)
assert config["class_name"] == "Sequential"
assert "conv2d" in groups and "dense" in groups

new_model = tf.keras.models.load_model("my_model.h5")
new_model.summary()
after = new_model.predict(x, verbose=0)
np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-6)
loss, acc = new_model.evaluate(x, y, verbose=0)
print(f"restored model: loss {loss:.4f}, accuracy {acc:.4f}")
