# Follows: F. Chollet, "Deep Learning with Python" (2nd ed.), chapter 7 "Working with Keras: a deep
#   dive" (the Functional API) and chapter 8 "Introduction to deep learning for computer vision"
#   (the first convnet, built with the Functional API), companion notebooks:
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter07_working-with-keras.ipynb
#   https://github.com/fchollet/deep-learning-with-python-notebooks/blob/master/chapter08_intro-to-dl-for-computer-vision.ipynb
# Keras 3 spelling (`import keras`, `from keras import layers`), as in the book's 3rd edition.
# Exercises: keras.Input(shape=..., name=...), symbolic tensors' .shape, x = layers.Conv2D(...)(x)
#   chains, keras.Model(inputs=..., outputs=...), model.layers of a functional model (the
#   InputLayer is the first entry, named as the Input), model.summary(), model.get_layer(name),
#   keras.datasets.mnist.load_data(), compile(optimizer="rmsprop",
#   loss="sparse_categorical_crossentropy"), `test_loss, test_acc = model.evaluate(...)`,
#   model.save("....keras") (a zip with config.json, metadata.json, model.weights.h5) and
#   keras.models.load_model, predictions equal after the round trip.
import json
import zipfile

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(8)

# the chapter-7 warm-up: a two-layer functional model
inputs = keras.Input(shape=(3,), name="my_input")
print("symbolic input:", inputs.shape, inputs.dtype)
assert tuple(inputs.shape) == (None, 3)
features = layers.Dense(64, activation="relu")(inputs)
assert tuple(features.shape) == (None, 64)
outputs = layers.Dense(10, activation="softmax")(features)
model = keras.Model(inputs=inputs, outputs=outputs)
model.summary()
print("layers:", [layer.name for layer in model.layers])
assert model.layers[0].name == "my_input" and len(model.layers) == 3

# the chapter-8 convnet
inputs = keras.Input(shape=(28, 28, 1), name="digits")
x = layers.Conv2D(filters=8, kernel_size=3, activation="relu")(inputs)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=16, kernel_size=3, activation="relu")(x)
x = layers.MaxPooling2D(pool_size=2)(x)
x = layers.Conv2D(filters=16, kernel_size=3, activation="relu", name="last_conv")(x)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.summary()
names = [layer.name for layer in model.layers]
print("layers:", names)
assert names[0] == "digits" and names[-1] == "predictions" and len(names) == 8
print("last_conv output:", model.get_layer("last_conv").output.shape)
assert tuple(model.get_layer("last_conv").output.shape) == (None, 3, 3, 16)

(train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()
train_images = train_images.reshape((len(train_images), 28, 28, 1)).astype("float32") / 255
test_images = test_images.reshape((len(test_images), 28, 28, 1)).astype("float32") / 255
model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(train_images, train_labels, epochs=2, batch_size=64, verbose=2)
test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print(f"Test accuracy: {test_acc:.3f}  (loss {test_loss:.3f})")

model.save("convnet_from_scratch.keras")
with zipfile.ZipFile("convnet_from_scratch.keras") as archive:
    members = sorted(archive.namelist())
    config = json.loads(archive.read("config.json"))
print("archive members:", members, "- class:", config["class_name"])
assert members == ["config.json", "metadata.json", "model.weights.h5"]
assert config["class_name"] == "Functional"

reloaded = keras.models.load_model("convnet_from_scratch.keras")
assert [layer.name for layer in reloaded.layers] == names
np.testing.assert_allclose(reloaded.predict(test_images[:8], verbose=0),
                           model.predict(test_images[:8], verbose=0), rtol=1e-5, atol=1e-6)
reloaded_loss, reloaded_acc = reloaded.evaluate(test_images, test_labels, verbose=0)
print(f"reloaded: test accuracy {reloaded_acc:.3f}")
np.testing.assert_allclose(reloaded_acc, test_acc)
