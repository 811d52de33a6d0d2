# Follows: TensorFlow tutorial "Image classification" (flowers; here the bundled X-ray sample)
#   https://www.tensorflow.org/tutorials/images/classification
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow import keras`,
# `from tensorflow.keras import layers`, `from tensorflow.keras.models import Sequential`).
# Exercises: tf.keras.utils.image_dataset_from_directory with validation_split=0.2 and
#   subset="training"/"validation" (seed=123), class_names, dataset .cache().shuffle(1000)
#   .prefetch(buffer_size=tf.data.AUTOTUNE), layers.Rescaling(1./255) called on a batch,
#   a data-augmentation Sequential (RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.1))
#   used as the first layer of another Sequential, Dropout, logits + from_logits=True,
#   history.history["accuracy"/"val_accuracy"/"loss"/"val_loss"], plots,
#   tf.keras.utils.load_img + tf.keras.utils.img_to_array, tf.expand_dims, tf.nn.softmax.
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.models import Sequential

tf.random.set_seed(123)
tf.keras.utils.set_random_seed(123)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
data_dir = "Covid19-dataset/train"
batch_size = 16
img_height = 48
img_width = 48

train_ds = tf.keras.utils.image_dataset_from_directory(
    data_dir, validation_split=0.2, subset="training", seed=123,
    image_size=(img_height, img_width), batch_size=batch_size)
val_ds = tf.keras.utils.image_dataset_from_directory(
    data_dir, validation_split=0.2, subset="validation", seed=123,
    image_size=(img_height, img_width), batch_size=batch_size)
class_names = train_ds.class_names
print(class_names)
assert class_names == val_ds.class_names == ["Covid", "Normal", "Pneumonia"]

for image_batch, labels_batch in train_ds:
    print(tuple(image_batch.shape))
    print(tuple(labels_batch.shape))
    assert tuple(image_batch.shape) == (batch_size, img_height, img_width, 3)
    break

AUTOTUNE = tf.data.AUTOTUNE
train_ds = train_ds.cache().shuffle(1000).prefetch(buffer_size=AUTOTUNE)
val_ds = val_ds.cache().prefetch(buffer_size=AUTOTUNE)

normalization_layer = layers.Rescaling(1.0 / 255)
normalized = np.asarray(normalization_layer(image_batch))
print("rescaled pixel range:", float(np.min(normalized)), float(np.max(normalized)))
assert 0.0 <= np.min(normalized) and np.max(normalized) <= 1.0
np.testing.assert_allclose(normalized, np.asarray(image_batch) / 255.0, rtol=1e-6)

num_classes = len(class_names)
data_augmentation = keras.Sequential([
    keras.Input(shape=(img_height, img_width, 3)),
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
    layers.RandomZoom(0.1),
])

model = Sequential([
    data_augmentation,
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Dropout(0.2),
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dense(num_classes, name="outputs"),
])
model.compile(optimizer="adam",
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.summary()

epochs = 2
history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=2)
acc = history.history["accuracy"]
val_acc = history.history["val_accuracy"]
loss = history.history["loss"]
val_loss = history.history["val_loss"]
assert len(acc) == len(val_acc) == len(loss) == len(val_loss) == epochs

epochs_range = range(epochs)
plt.figure(figsize=(8, 4))
plt.subplot(1, 2, 1)
plt.plot(epochs_range, acc, label="Training Accuracy")
plt.plot(epochs_range, val_acc, label="Validation Accuracy")
plt.legend(loc="lower right")
plt.subplot(1, 2, 2)
plt.plot(epochs_range, loss, label="Training Loss")
plt.plot(epochs_range, val_loss, label="Validation Loss")
plt.legend(loc="upper right")
plt.savefig("training.png")
plt.close()

# augmentation is off at inference: two predictions of the same batch agree
first = model.predict(image_batch, verbose=0)
second = model.predict(image_batch, verbose=0)
np.testing.assert_allclose(first, second, rtol=1e-6)

img = tf.keras.utils.load_img("Covid19-dataset/test/Pneumonia/12.png",
                              target_size=(img_height, img_width))
img_array = tf.keras.utils.img_to_array(img)
img_array = tf.expand_dims(img_array, 0)  # Create a batch
assert tuple(img_array.shape) == (1, img_height, img_width, 3)

predictions = model.predict(img_array, verbose=0)
score = tf.nn.softmax(predictions[0])
score = np.asarray(score)
print("This image most likely belongs to {} with a {:.2f} percent confidence."
      .format(class_names[np.argmax(score)], 100 * np.max(score)))
assert score.shape == (num_classes,)
np.testing.assert_allclose(score.sum(), 1.0, rtol=1e-5)
