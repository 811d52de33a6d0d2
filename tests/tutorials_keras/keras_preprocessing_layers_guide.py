# Follows: keras.io guide "Working with preprocessing layers" (F. Chollet, M. Watson) and the API pages
#   "Image preprocessing layers" / "Image augmentation layers"
#   https://keras.io/guides/preprocessing_layers/
#   https://keras.io/api/layers/preprocessing_layers/image_preprocessing/
#   https://keras.io/api/layers/preprocessing_layers/image_augmentation/
# Keras 3 spelling (`import keras`, `from keras import layers`, `import tensorflow as tf` for tf.data).
# Shrunk: the guide's CIFAR-10 arrays become the X-ray sample (90 images, 64x64 RGB); its ResNet50(weights=
#   None) becomes a small convnet; 2 epochs.
# Exercises: layers.Normalization().adapt(x_train) then mean ~0 / std ~1, Normalization as the first layer
#   of a model, Resizing, CenterCrop, Rescaling in a tf.data .map, the augmentation Sequential of the
#   guide (RandomFlip, RandomRotation, RandomZoom) plus RandomTranslation, RandomContrast, RandomCrop,
#   RandomBrightness (value_range), training=True / False behaviour, model.output_shape.
# Exact checks: Normalization uses the adapted per-channel mean and variance; CenterCrop equals slicing;
#   Resizing to the same size is the identity; augmentation layers (RandomCrop too, in Keras 3.15) are the
#   identity at inference.
import os

import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(1)

classes = ["Covid", "Normal", "Pneumonia"]
x_train, y_train = [], []
for label, name in enumerate(classes):
    folder = os.path.join("Covid19-dataset", "train", name)
    for file in sorted(os.listdir(folder)):
        x_train.append(keras.utils.img_to_array(keras.utils.load_img(os.path.join(folder, file),
                                                                     target_size=(64, 64))))
        y_train.append(label)
x_train, y_train = np.array(x_train), np.array(y_train)
print("x_train", x_train.shape, x_train.dtype)

# The Normalization layer: adapt() computes the mean and variance of the data
normalizer = layers.Normalization()
normalizer.adapt(x_train)
normalized_data = np.asarray(normalizer(x_train))
print("var: %.4f" % np.var(normalized_data))
print("mean: %.4f" % np.mean(normalized_data))
assert abs(np.mean(normalized_data)) < 1e-3 and abs(np.var(normalized_data) - 1) < 1e-2
mean = x_train.mean(axis=(0, 1, 2))
std = x_train.std(axis=(0, 1, 2))
assert np.allclose(normalized_data, (x_train - mean) / std, atol=1e-3)

# Image preprocessing layers
center_cropped = np.asarray(layers.CenterCrop(height=48, width=40)(x_train[:4]))
assert np.array_equal(center_cropped, x_train[:4, 8:56, 12:52])
resized = np.asarray(layers.Resizing(32, 32)(x_train[:4]))
same = np.asarray(layers.Resizing(64, 64)(x_train[:4]))
print("center crop", center_cropped.shape, "resized", resized.shape)
assert resized.shape == (4, 32, 32, 3) and np.allclose(same, x_train[:4], atol=1e-3)

# Image data augmentation, as in the guide, plus the other augmentation layers of the API page
data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
        layers.RandomTranslation(height_factor=0.1, width_factor=0.1),
        layers.RandomContrast(factor=0.2),
        layers.RandomBrightness(factor=0.2, value_range=(0, 255)),
    ]
)
augmented = np.asarray(data_augmentation(x_train[:8], training=True))
untouched = np.asarray(data_augmentation(x_train[:8], training=False))
print("augmented", augmented.shape, "changed:", not np.allclose(augmented, x_train[:8]),
      "range %.1f..%.1f" % (augmented.min(), augmented.max()))
assert augmented.shape == (8, 64, 64, 3) and not np.allclose(augmented, x_train[:8])
assert 0.0 <= augmented.min() and augmented.max() <= 255.0
assert np.allclose(untouched, x_train[:8])
random_crop = layers.RandomCrop(56, 56)
print("random crop", tuple(random_crop(x_train[:8], training=True).shape),
      tuple(random_crop(x_train[:8], training=False).shape))
assert tuple(random_crop(x_train[:8], training=True).shape) == (8, 56, 56, 3)
# Keras 3.15 passes the batch through unchanged at inference (its docstring speaks of a center crop)
assert np.array_equal(np.asarray(random_crop(x_train[:8], training=False)), x_train[:8])

# Preprocessing in a tf.data pipeline (Resizing / CenterCrop / Rescaling), augmentation in the model
preprocessing = keras.Sequential([layers.Resizing(72, 72), layers.CenterCrop(64, 64),
                                  layers.Rescaling(1.0 / 255)])
train_ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(90, seed=1).batch(16)
train_ds = train_ds.map(lambda x, y: (preprocessing(x), y))
batch, labels = next(iter(train_ds))
print("pipeline batch", tuple(batch.shape), "max %.3f" % float(np.max(batch)))
assert tuple(batch.shape) == (16, 64, 64, 3) and float(np.max(batch)) <= 1.0

# the guide's own augmentation inside the model (the pipeline already rescaled to [0, 1])
in_model_augmentation = keras.Sequential(
    [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1)])
inputs = keras.Input(shape=(64, 64, 3))
x = in_model_augmentation(inputs)
x = layers.Normalization(mean=np.ravel(normalizer.mean) / 255.0,
                         variance=np.ravel(normalizer.variance) / 255.0 ** 2)(x)  # data is in [0, 1] now
x = layers.Conv2D(16, 3, activation="relu")(x)
x = layers.MaxPooling2D()(x)
x = layers.Conv2D(32, 3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(3)(x)
model = keras.Model(inputs, outputs)
print("output_shape", model.output_shape)
assert model.output_shape == (None, 3)
model.compile(optimizer="rmsprop",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(train_ds, epochs=2, verbose=0)
print("loss per epoch", np.round(history.history["loss"], 4))
assert len(history.history["loss"]) == 2
