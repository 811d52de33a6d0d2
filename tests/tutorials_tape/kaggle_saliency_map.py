# Follows: the vanilla-gradient saliency map (Simonyan, Vedaldi & Zisserman 2013) as Kaggle notebooks and
#   blog posts write it in TensorFlow 2 ("Saliency maps with tf.GradientTape"; e.g. the Kaggle notebook
#   "Visualizing CNN decisions: saliency maps" on chest X-rays), plus SmoothGrad (Smilkov et al. 2017).
#   https://www.kaggle.com/code  (search: "saliency map GradientTape")
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras import layers`).
# Shrunk: a small CNN trained 2 epochs on the bundled X-ray sample at 64x64 grayscale.
# Exercises: tf.Variable holding an image batch and a tape watching it automatically, tf.convert_to_tensor +
#   tape.watch, gradients w.r.t. the input, tf.abs, tf.reduce_max(axis=-1), tf.math.reduce_min /
#   reduce_max for normalisation, tf.random.normal noise, tf.reduce_mean over SmoothGrad samples,
#   predictions[:, class_index] indexing a tensor, model.predict + np.argmax.
# Exact check: for a linear model (Flatten + Dense, no activation) the saliency of class c is the
#   absolute value of the Dense kernel's column c reshaped to the image.
import os

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

tf.random.set_seed(5)
tf.keras.utils.set_random_seed(5)
IMG = 64
classes = ["Covid", "Normal", "Pneumonia"]


def load_split(split):
    images, labels = [], []
    for label, name in enumerate(classes):
        folder = os.path.join("Covid19-dataset", split, name)
        for file in sorted(os.listdir(folder)):
            img = tf.keras.utils.load_img(os.path.join(folder, file), color_mode="grayscale",
                                          target_size=(IMG, IMG))
            images.append(tf.keras.utils.img_to_array(img) / 255.0)
            labels.append(label)
    return np.array(images, dtype="float32"), np.array(labels)


x_train, y_train = load_split("train")
x_test, y_test = load_split("test")

model = tf.keras.Sequential([
    layers.Input(shape=(IMG, IMG, 1)),
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, padding="same", activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(3),
])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)


def saliency_map(model, image, class_index=None):
    """|d score_c / d pixel|, maximised over channels, scaled to [0, 1]."""
    image = tf.convert_to_tensor(image)
    with tf.GradientTape() as tape:
        tape.watch(image)
        predictions = model(image, training=False)
        if class_index is None:
            class_index = int(tf.argmax(predictions[0]))
        score = predictions[:, class_index]
    grads = tape.gradient(score, image)
    saliency = tf.reduce_max(tf.abs(grads), axis=-1)[0]
    saliency = (saliency - tf.math.reduce_min(saliency)) / (
        tf.math.reduce_max(saliency) - tf.math.reduce_min(saliency) + 1e-8)
    return saliency.numpy(), class_index


def smoothgrad(model, image, class_index, samples=8, noise=0.1):
    """SmoothGrad: average the gradients of noisy copies (a tf.Variable is watched automatically)."""
    total = tf.zeros_like(image)
    for _ in range(samples):
        noisy = tf.Variable(image + tf.random.normal(image.shape, stddev=noise))
        with tf.GradientTape() as tape:
            score = model(noisy)[:, class_index]
        total += tape.gradient(score, noisy)
    mean_grads = tf.reduce_mean(tf.stack([total / samples]), axis=0)
    return tf.reduce_max(tf.abs(mean_grads), axis=-1)[0].numpy()


image = x_test[:1]
predicted = np.argmax(model.predict(image, verbose=0), axis=1)[0]
saliency, index = saliency_map(model, image)
print("predicted", classes[predicted], "saliency", saliency.shape, saliency.dtype,
      "range %.3f-%.3f" % (saliency.min(), saliency.max()))
assert index == predicted
assert saliency.shape == (IMG, IMG) and saliency.min() >= 0.0 and np.isclose(saliency.max(), 1.0, atol=1e-3)

smooth = smoothgrad(model, image, index)
print("smoothgrad", smooth.shape, "non-negative:", bool((smooth >= 0).all()))
assert smooth.shape == (IMG, IMG) and (smooth >= 0).all()

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
axes[0].imshow(image[0, ..., 0], cmap="gray")
axes[1].imshow(saliency, cmap="hot")
axes[2].imshow(smooth, cmap="hot")
plt.savefig("saliency.png")
plt.close()

# Exact: a linear classifier's saliency is its weight template
linear = tf.keras.Sequential([layers.Input(shape=(IMG, IMG, 1)), layers.Flatten(), layers.Dense(3)])
linear.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
linear.fit(x_train, y_train, epochs=1, batch_size=16, verbose=0)
image = tf.Variable(x_test[:1])
with tf.GradientTape() as tape:
    score = linear(image)[:, 2]
grads = tape.gradient(score, image)
kernel = linear.layers[-1].get_weights()[0]
template = np.abs(kernel[:, 2].reshape(IMG, IMG))
print("linear saliency = |kernel[:, 2]|:", np.allclose(np.abs(grads.numpy()[0, ..., 0]), template, atol=1e-7))
assert np.allclose(np.abs(grads.numpy()[0, ..., 0]), template, atol=1e-7)
