# Follows: TensorFlow tutorial "Data augmentation" (Keras preprocessing layers), on the bundled
#   galaxy sample instead of tf_flowers:
#   https://www.tensorflow.org/tutorials/images/data_augmentation
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras import layers`).
# Exercises: tf.keras.utils.load_img / img_to_array, layers.Rescaling(1./255) as a layer of a
#   Sequential, a Sequential of RandomFlip("horizontal_and_vertical"), RandomRotation(0.2),
#   RandomZoom(0.2): called directly on a batch it augments (Keras's random layers default to
#   training=True when called outside fit/predict), with training=False it returns its input;
#   RandomFlip("horizontal") gives each image either unchanged or mirrored left-right;
#   image_dataset_from_directory(GALAXY_SAMPLE) + .cache().shuffle().prefetch(tf.data.AUTOTUNE);
#   inside a model the augmentation runs in fit only (predict is deterministic).
import os

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

tf.random.set_seed(9)
tf.keras.utils.set_random_seed(9)  # Keras 3: tf.random.set_seed alone leaves initial weights unseeded
galaxy = os.environ["GALAXY_SAMPLE"]
first_class = sorted(os.listdir(galaxy))[0]
path = os.path.join(galaxy, first_class, sorted(os.listdir(os.path.join(galaxy, first_class)))[0])
image = tf.keras.utils.img_to_array(tf.keras.utils.load_img(path, target_size=(64, 64)))
print("image:", path.split(os.sep)[-2:], image.shape, image.dtype, image.min(), image.max())
assert image.shape == (64, 64, 3) and image.dtype == np.float32

rescale = tf.keras.Sequential([layers.Rescaling(1.0 / 255)])
result = np.asarray(rescale(image[np.newaxis]))
print("Min and max pixel values:", result.min(), result.max())
np.testing.assert_allclose(result[0], image / 255.0, rtol=1e-6)

data_augmentation = tf.keras.Sequential([
    layers.RandomFlip("horizontal_and_vertical"),
    layers.RandomRotation(0.2),
    layers.RandomZoom(0.2),
])
batch = np.repeat(image[np.newaxis] / 255.0, 4, axis=0).astype("float32")
plt.figure(figsize=(6, 6))
changed = 0
for i in range(9):
    augmented = np.asarray(data_augmentation(batch))
    assert augmented.shape == batch.shape
    changed += not np.allclose(augmented, batch)
    plt.subplot(3, 3, i + 1)
    plt.imshow(np.clip(augmented[0], 0, 1))
    plt.axis("off")
plt.savefig("augmented.png")
plt.close()
print("calls that changed the batch:", changed, "of 9")
assert changed >= 8  # called directly, the layers augment
unchanged = np.asarray(data_augmentation(batch, training=False))
np.testing.assert_array_equal(unchanged, batch)  # in inference mode they pass the input through

flip = layers.RandomFlip("horizontal")
flipped = np.asarray(flip(np.repeat(image[np.newaxis], 16, axis=0)))
kinds = ["same" if np.array_equal(f, image) else "mirrored" if np.array_equal(f, image[:, ::-1])
         else "other" for f in flipped]
print("RandomFlip('horizontal') on 16 copies:", {k: kinds.count(k) for k in set(kinds)})
assert "other" not in kinds

train_ds = tf.keras.utils.image_dataset_from_directory(galaxy, image_size=(64, 64), batch_size=4,
                                                       seed=9)
class_names = train_ds.class_names
print("classes:", class_names)
assert class_names == ["edge_on", "elliptical", "merger", "spiral"]
train_ds = train_ds.cache().shuffle(8).prefetch(buffer_size=tf.data.AUTOTUNE)

model = tf.keras.Sequential([
    tf.keras.Input(shape=(64, 64, 3)),
    layers.Rescaling(1.0 / 255),
    data_augmentation,
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(len(class_names)),
])
model.compile(optimizer="adam",
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_ds, epochs=2, verbose=2)
assert len(history.history["loss"]) == 2
batch_images = np.concatenate([np.asarray(images) for images, _ in train_ds])
assert batch_images.shape == (8, 64, 64, 3)
first = model.predict(batch_images, verbose=0)
second = model.predict(batch_images, verbose=0)
np.testing.assert_array_equal(first, second)  # no augmentation at inference
print("logits of the first 2 galaxies:\n", np.round(first[:2], 2))
