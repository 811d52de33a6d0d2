# Follows: keras.io example "Image classification from scratch" (F. Chollet), its real make_model with
#   residual connections (tests/tutorials/keras_image_classification_from_scratch.py follows the same
#   page with a plain chain; this one keeps the page's residual network and its binary head)
#   https://keras.io/examples/vision/image_classification_from_scratch/
# Keras 3 spelling (`import keras`, `from keras import layers`, `from tensorflow import data as tf_data`).
# Shrunk: Cats vs Dogs -> the X-ray sample's Normal vs Pneumonia folders (60 images, 64x64), block sizes
#   [16, 32] instead of [256, 512, 728], 2 epochs.
# Exercises: image_dataset_from_directory(class_names=[...], subset="both"), data augmentation applied
#   with dataset.map(lambda img, label: (data_augmentation(img), label), num_parallel_calls=AUTOTUNE),
#   prefetch, the residual blocks: `previous_block_activation = x`, SeparableConv2D, MaxPooling2D(3,
#   strides=2, padding="same"), a 1x1 Conv2D(strides=2) projection, layers.add([x, residual]);
#   model.output_shape (None, 1), keras.ops.expand_dims(img_array, 0), predict, keras.ops.sigmoid on a
#   logit, float(...) of a tensor.
import os

import numpy as np
import keras
from keras import layers
from tensorflow import data as tf_data

keras.utils.set_random_seed(42)
image_size = (64, 64)
batch_size = 16

train_ds, val_ds = keras.utils.image_dataset_from_directory(
    "Covid19-dataset/train",
    class_names=["Normal", "Pneumonia"],
    validation_split=0.2,
    subset="both",
    seed=1337,
    image_size=image_size,
    batch_size=batch_size,
)

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


# Apply `data_augmentation` to the training images.
train_ds = train_ds.map(
    lambda img, label: (data_augmentation(img), label),
    num_parallel_calls=tf_data.AUTOTUNE,
)
# Prefetching samples in GPU memory helps maximize GPU utilization.
train_ds = train_ds.prefetch(tf_data.AUTOTUNE)
val_ds = val_ds.prefetch(tf_data.AUTOTUNE)


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)

    # Entry block
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    for size in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    x = layers.SeparableConv2D(48, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes

    x = layers.Dropout(0.25)(x)
    # We specify activation=None so as to return logits
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)
print("output_shape:", model.output_shape)
assert model.output_shape == (None, 1)
adds = [layer for layer in model.layers if isinstance(layer, layers.Add)]
print("Add layers:", len(adds), "layers in all:", len(model.layers))
assert len(adds) == 2
assert tuple(adds[0].output.shape) == (None, 16, 16, 16) and tuple(adds[1].output.shape) == (None, 8, 8, 32)

epochs = 2
callbacks = [
    keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras"),
]
model.compile(
    optimizer=keras.optimizers.Adam(3e-4),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy(name="acc")],
)
history = model.fit(
    train_ds,
    epochs=epochs,
    callbacks=callbacks,
    validation_data=val_ds,
    verbose=0,
)
print("history keys:", sorted(history.history))
assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
assert os.path.exists("save_at_1.keras") and os.path.exists("save_at_2.keras")

# Run inference on new data
img = keras.utils.load_img("Covid19-dataset/test/Pneumonia/" + sorted(os.listdir("Covid19-dataset/test/Pneumonia"))[0],
                           target_size=image_size)
img_array = keras.utils.img_to_array(img)
img_array = keras.ops.expand_dims(img_array, 0)  # Create batch axis
print("batch", tuple(img_array.shape))
assert tuple(img_array.shape) == (1, 64, 64, 3)

predictions = model.predict(img_array, verbose=0)
score = float(keras.ops.sigmoid(predictions[0][0]))
print(f"This image is {100 * (1 - score):.2f}% Normal and {100 * score:.2f}% Pneumonia.")
assert 0.0 < score < 1.0
assert np.isclose(score, 1 / (1 + np.exp(-predictions[0][0])), atol=1e-6)
reloaded = keras.models.load_model("save_at_2.keras")
assert np.allclose(reloaded.predict(img_array, verbose=0), predictions, atol=1e-5)
