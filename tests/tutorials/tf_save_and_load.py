# Follows: TensorFlow tutorial "Save and load models" (the .keras format and checkpoints)
#   https://www.tensorflow.org/tutorials/keras/save_and_load
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow import keras`).
# Exercises: mnist.load_data() on a slice, flattened 784-pixel inputs, Dense(512) + Dropout +
#   logits with SparseCategoricalCrossentropy(from_logits=True), metrics=[SparseCategoricalAccuracy()]
#   (logged as "sparse_categorical_accuracy"), ModelCheckpoint(filepath="checkpoints/model-{epoch:02d}.keras")
#   into a folder that does not exist yet, model.save("my_model.keras"), zipfile.is_zipfile on it,
#   tf.keras.models.load_model, new_model.summary(), evaluate on the restored model, and a
#   fresh untrained model evaluated for contrast ("Untrained model, accuracy: ...").
import os
import zipfile

import numpy as np
import tensorflow as tf
from tensorflow import keras

tf.random.set_seed(2)
tf.keras.utils.set_random_seed(2)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
(train_images, train_labels), (test_images, test_labels) = tf.keras.datasets.mnist.load_data()
train_labels = train_labels[:500]
test_labels = test_labels[:100]
train_images = train_images[:500].reshape(-1, 28 * 28) / 255.0
test_images = test_images[:100].reshape(-1, 28 * 28) / 255.0


def create_model():
    model = tf.keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
    return model


model = create_model()
model.summary()
checkpoint = tf.keras.callbacks.ModelCheckpoint(filepath="checkpoints/model-{epoch:02d}.keras",
                                                verbose=1)
history = model.fit(train_images, train_labels, epochs=2, validation_data=(test_images, test_labels),
                    callbacks=[checkpoint], verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                                   "val_sparse_categorical_accuracy"]
print("checkpoints:", sorted(os.listdir("checkpoints")))
assert sorted(os.listdir("checkpoints")) == ["model-01.keras", "model-02.keras"]

loss, acc = model.evaluate(test_images, test_labels, verbose=2)
print("Trained model, accuracy: {:5.2f}%".format(100 * acc))

fresh = create_model()
fresh_loss, fresh_acc = fresh.evaluate(test_images, test_labels, verbose=0)
print("Untrained model, accuracy: {:5.2f}%".format(100 * fresh_acc))

model.save("my_model.keras")
assert zipfile.is_zipfile("my_model.keras")
new_model = tf.keras.models.load_model("my_model.keras")
new_model.summary()
restored_loss, restored_acc = new_model.evaluate(test_images, test_labels, verbose=2)
print("Restored model, accuracy: {:5.2f}%".format(100 * restored_acc))
np.testing.assert_allclose([restored_loss, restored_acc], [loss, acc], rtol=1e-5)
print(new_model.predict(test_images, verbose=0).shape)
assert new_model.predict(test_images, verbose=0).shape == (100, 10)

last_checkpoint = tf.keras.models.load_model("checkpoints/model-02.keras")
np.testing.assert_allclose(last_checkpoint.predict(test_images[:4], verbose=0),
                           model.predict(test_images[:4], verbose=0), rtol=1e-5, atol=1e-6)
# compile() settings travel in the archive: the reloaded model trains on without compile()
new_model.fit(train_images, train_labels, epochs=1, verbose=0)
print("optimizer after reload:", type(new_model.optimizer).__name__)
assert type(new_model.optimizer).__name__ == "Adam"
