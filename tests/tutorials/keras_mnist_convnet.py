# Follows: keras.io example "Simple MNIST convnet" (F. Chollet)
#   https://keras.io/examples/vision/mnist_convnet/
# Keras 3 spelling (`import keras`, `from keras import layers`).
# Exercises: keras.datasets.mnist.load_data() (read from $KERAS_HOME/datasets/mnist.npz),
#   keras.utils.set_random_seed, np.expand_dims to add the channel axis, keras.utils.to_categorical,
#   a Sequential convnet started with keras.Input, model.summary(), fit(validation_split=...),
#   evaluate() returning [loss, accuracy] when compiled with metrics=["accuracy"].
# Data: the small MNIST slice in tests/fixtures/keras_home (600 train / 100 test digits).
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(7)

num_classes = 10
input_shape = (28, 28, 1)

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
print("raw train:", x_train.shape, x_train.dtype, "raw test:", x_test.shape)
assert x_train.dtype == np.uint8 and x_train.shape[1:] == (28, 28)
assert y_train.dtype == np.uint8 and y_train.ndim == 1 and len(y_train) == len(x_train)
print("first labels:", y_train[:10].tolist())

# scale to [0, 1] and give every image one channel
x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples;", x_test.shape[0], "test samples")

y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
assert y_train.shape == (len(x_train), num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.1, verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
assert len(history.history["loss"]) == 2

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
assert isinstance(score, list) and len(score) == 2
assert 0.0 <= score[1] <= 1.0
