# Follows: keras.io example "Image classification from scratch" (F. Chollet)
#   https://keras.io/examples/vision/image_classification_from_scratch/
# Keras 3 spelling (`import keras`, `from keras import layers`, `from tensorflow import data as tf_data`).
# The example's Cats-vs-Dogs folder is replaced by the bundled X-ray sample (3 classes), and its
# residual blocks by a plain chain (minicnn's Functional API takes chains of layers).
# Exercises: keras.utils.image_dataset_from_directory(validation_split=0.2, subset="both",
#   seed=1337, image_size, batch_size), class_names, iterating a batch, augmentation layers
#   RandomFlip("horizontal") + RandomRotation(0.1) applied in a function inside the model,
#   Rescaling(1/255), the Functional API (keras.Input, x = layer(x), keras.Model(inputs, outputs)),
#   BatchNormalization, Activation, SeparableConv2D, GlobalAveragePooling2D, dataset.prefetch,
#   ModelCheckpoint("save_at_{epoch}.keras") + keras.models.load_model of that file,
#   metrics=[SparseCategoricalAccuracy(name="acc")] logged as "acc",
#   keras.utils.load_img(target_size=...) + keras.utils.img_to_array for one new image.
import os

import matplotlib.pyplot as plt
import numpy as np
import keras
from keras import layers
from tensorflow import data as tf_data

keras.utils.set_random_seed(1337)
image_size = (64, 64)
batch_size = 16

train_ds, val_ds = keras.utils.image_dataset_from_directory(
    "Covid19-dataset/train",
    validation_split=0.2,
    subset="both",
    seed=1337,
    image_size=image_size,
    batch_size=batch_size,
)
class_names = train_ds.class_names
print("classes:", class_names)
assert class_names == ["Covid", "Normal", "Pneumonia"]

plt.figure(figsize=(6, 6))
for images, labels in train_ds:
    print("one batch:", tuple(images.shape), tuple(labels.shape), images.dtype, labels.dtype)
    assert tuple(images.shape) == (batch_size, 64, 64, 3)
    assert tuple(labels.shape) == (batch_size,)
    pixels = np.asarray(images)
    assert pixels.dtype == np.float32
    assert pixels.min() >= 0.0 and pixels.max() <= 255.0 and pixels.max() > 1.0  # not rescaled
    for i in range(9):
        ax = plt.subplot(3, 3, i + 1)
        plt.imshow(pixels[i].astype("uint8"))
        plt.title(class_names[int(labels[i])])
        plt.axis("off")
    break
plt.savefig("first_batch.png")
plt.close()

n_train = sum(int(labels.shape[0]) for _, labels in train_ds)
n_val = sum(int(labels.shape[0]) for _, labels in val_ds)
print("training images:", n_train, "validation images:", n_val)
assert (n_train, n_val) == (72, 18)

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


train_ds = train_ds.prefetch(tf_data.AUTOTUNE)
val_ds = val_ds.prefetch(tf_data.AUTOTUNE)


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = data_augmentation(inputs)
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(32, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=3)
model.summary()

callbacks = [keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras")]
model.compile(
    optimizer=keras.optimizers.Adam(3e-3),
    loss="sparse_categorical_crossentropy",
    metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
)
history = model.fit(train_ds, epochs=2, callbacks=callbacks, validation_data=val_ds, verbose=2)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
assert os.path.exists("save_at_1.keras") and os.path.exists("save_at_2.keras")

reloaded = keras.models.load_model("save_at_2.keras")
img = keras.utils.load_img("Covid19-dataset/test/Covid/15.png", target_size=image_size)
print("load_img gave", type(img).__name__, img.size, img.mode)
assert img.size == (64, 64) and img.mode == "RGB"
img_array = keras.utils.img_to_array(img)
print("img_to_array:", img_array.shape, img_array.dtype)
assert img_array.shape == (64, 64, 3) and img_array.dtype == np.float32
img_array = np.expand_dims(img_array, 0)
predictions = model.predict(img_array, verbose=0)
again = reloaded.predict(img_array, verbose=0)
np.testing.assert_allclose(again, predictions, rtol=1e-5, atol=1e-6)  # the last checkpoint is the model
print("probabilities:", np.round(predictions[0], 3), "->", class_names[int(np.argmax(predictions[0]))])
assert predictions.shape == (1, 3)
