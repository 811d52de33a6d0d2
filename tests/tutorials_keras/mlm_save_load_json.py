# Follows: Machine Learning Mastery, "Save and Load Your Keras Deep Learning Models" (J. Brownlee):
#   the model's structure as JSON (model.to_json / model_from_json) with its weights in an HDF5 file,
#   then the whole model in one file
#   https://machinelearningmastery.com/save-load-keras-deep-learning-models/
# tf.keras spelling as the post's update (`from tensorflow.keras.models import Sequential, model_from_json`).
# Shrunk: the post's Pima-diabetes MLP becomes a small MNIST CNN (600 images, 2 epochs); Keras 3 wants the
#   ".weights.h5" suffix for save_weights and ".keras" for model.save.
# Exercises: model.to_json() and json.loads of it (class_name, config.layers), writing/reading the JSON
#   file, model.save_weights("model.weights.h5"), model_from_json(...), load_weights, compile of the loaded
#   model, evaluate and "%s: %.2f%%" % (loaded_model.metrics_names[1], score[1]*100), model.save /
#   load_model, predictions identical after each round trip, metrics_names before and after compile.
import json
import os

import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from tensorflow.keras.models import Sequential, load_model, model_from_json

tf.random.set_seed(7)
tf.keras.utils.set_random_seed(7)

(X, Y), (X_test, Y_test) = tf.keras.datasets.mnist.load_data()
X = X.reshape(-1, 28, 28, 1).astype("float32") / 255
X_test = X_test.reshape(-1, 28, 28, 1).astype("float32") / 255

# create model
model = Sequential()
model.add(Input(shape=(28, 28, 1)))
model.add(Conv2D(8, (3, 3), activation='relu'))
model.add(MaxPooling2D((2, 2)))
model.add(Flatten())
model.add(Dense(16, activation='relu'))
model.add(Dense(10, activation='softmax'))
# Compile model
model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
# Fit the model
model.fit(X, Y, epochs=2, batch_size=32, verbose=0)
# evaluate the model
scores = model.evaluate(X_test, Y_test, verbose=0)
print("%s: %.2f%%" % (model.metrics_names[1], scores[1]*100))

# serialize model to JSON
model_json = model.to_json()
with open("model.json", "w") as json_file:
    json_file.write(model_json)
# serialize weights to HDF5
model.save_weights("model.weights.h5")
print("Saved model to disk")
config = json.loads(model_json)
print("JSON:", config["class_name"], [layer["class_name"] for layer in config["config"]["layers"]])
assert config["class_name"] == "Sequential"
assert [layer["class_name"] for layer in config["config"]["layers"]][-4:] == [
    "MaxPooling2D", "Flatten", "Dense", "Dense"]
assert os.path.getsize("model.weights.h5") > 0

# later...

# load json and create model
json_file = open('model.json', 'r')
loaded_model_json = json_file.read()
json_file.close()
loaded_model = model_from_json(loaded_model_json)
# load weights into new model
loaded_model.load_weights("model.weights.h5")
print("Loaded model from disk")
print("loaded layers:", [layer.name for layer in loaded_model.layers], "output_shape",
      loaded_model.output_shape)
assert loaded_model.output_shape == (None, 10)
assert [w.shape for w in loaded_model.get_weights()] == [w.shape for w in model.get_weights()]

# evaluate loaded model on test data
loaded_model.compile(loss='sparse_categorical_crossentropy', optimizer='rmsprop', metrics=['accuracy'])
score = loaded_model.evaluate(X_test, Y_test, verbose=0)
print("%s: %.2f%%" % (loaded_model.metrics_names[1], score[1]*100))
assert np.isclose(score[1], scores[1]) and np.isclose(score[0], scores[0], atol=1e-5)
assert np.allclose(loaded_model.predict(X_test, verbose=0), model.predict(X_test, verbose=0), atol=1e-6)

# The whole model in one file
model.save("model.keras")
print("Saved model to disk")
restored = load_model("model.keras")
restored.summary()
score = restored.evaluate(X_test, Y_test, verbose=0)
print("%s: %.2f%%" % (restored.metrics_names[1], score[1]*100))
assert np.allclose(restored.predict(X_test, verbose=0), model.predict(X_test, verbose=0), atol=1e-6)
