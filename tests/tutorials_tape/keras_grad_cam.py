# Follows: keras.io example "Grad-CAM class activation visualization" (F. Chollet)
#   https://keras.io/examples/vision/grad_cam/
# Keras 3 spelling with the TensorFlow backend, as the example (`import keras`, `import tensorflow as tf`).
# Shrunk: the example's pretrained Xception is replaced by a small convnet trained for 2 epochs on the
# bundled X-ray sample (64x64), with the same head as Xception (GlobalAveragePooling2D + Dense).
# Exercises: keras.models.Model(model.inputs, [model.get_layer(name).output, model.output]) (two outputs),
#   model.layers[-1].activation = None, tf.GradientTape, tf.argmax, preds[:, index], tape.gradient w.r.t. an
#   intermediate layer's output, tf.reduce_mean(axis=(0, 1, 2)), `@` with pooled_grads[..., tf.newaxis],
#   tf.squeeze, tf.maximum, tf.math.reduce_max, heatmap.numpy(), keras.utils.load_img / img_to_array /
#   array_to_img, matplotlib colormaps.
# Exact check: under GlobalAveragePooling2D + Dense, d(score_c)/d(last conv output) is the Dense kernel's
#   column c divided by h*w at every pixel, whatever the weights.
import os

import matplotlib as mpl
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(7)
img_size = (64, 64)
last_conv_layer_name = "last_conv"
classes = ["Covid", "Normal", "Pneumonia"]


def load_folder(folder):
    images, labels = [], []
    for label, name in enumerate(classes):
        directory = os.path.join(folder, name)
        for file in sorted(os.listdir(directory)):
            img = keras.utils.load_img(os.path.join(directory, file), target_size=img_size)
            images.append(keras.utils.img_to_array(img))
            labels.append(label)
    return np.array(images) / 255.0, np.array(labels)


x_train, y_train = load_folder("Covid19-dataset/train")
x_test, y_test = load_folder("Covid19-dataset/test")
print("train", x_train.shape, "test", x_test.shape)

# A functional model, as keras.applications.Xception is
inputs = keras.Input(shape=img_size + (3,))
x = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
x = keras.layers.MaxPooling2D(2)(x)
x = keras.layers.Conv2D(16, 3, activation="relu", name=last_conv_layer_name)(x)
x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
outputs = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
model = keras.Model(inputs, outputs, name="small_xray_net")
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=2, batch_size=16, verbose=0)


def get_img_array(img_path, size):
    # `img` is a PIL image of size 64x64
    img = keras.utils.load_img(img_path, target_size=size)
    # `array` is a float32 Numpy array of shape (64, 64, 3)
    array = keras.utils.img_to_array(img)
    # We add a dimension to transform our array into a "batch" of size (1, 64, 64, 3)
    array = np.expand_dims(array, axis=0)
    return array


def make_gradcam_heatmap(img_array, model, last_conv_layer_name, pred_index=None):
    # First, we create a model that maps the input image to the activations
    # of the last conv layer as well as the output predictions
    grad_model = keras.models.Model(
        model.inputs, [model.get_layer(last_conv_layer_name).output, model.output]
    )

    # Then, we compute the gradient of the top predicted class for our input image
    # with respect to the activations of the last conv layer
    with tf.GradientTape() as tape:
        last_conv_layer_output, preds = grad_model(img_array)
        if pred_index is None:
            pred_index = tf.argmax(preds[0])
        class_channel = preds[:, pred_index]

    # This is the gradient of the output neuron (top predicted or chosen)
    # with regard to the output feature map of the last conv layer
    grads = tape.gradient(class_channel, last_conv_layer_output)

    # This is a vector where each entry is the mean intensity of the gradient
    # over a specific feature map channel
    pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))

    # We multiply each channel in the feature map array
    # by "how important this channel is" with regard to the top predicted class
    # then sum all the channels to obtain the heatmap class activation
    last_conv_layer_output = last_conv_layer_output[0]
    heatmap = last_conv_layer_output @ pooled_grads[..., tf.newaxis]
    heatmap = tf.squeeze(heatmap)

    # For visualization purpose, we will also normalize the heatmap between 0 & 1
    heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
    return heatmap.numpy(), grads.numpy(), int(pred_index)


img_path = os.path.join("Covid19-dataset/test/Pneumonia", sorted(os.listdir("Covid19-dataset/test/Pneumonia"))[0])
img_array = get_img_array(img_path, size=img_size) / 255.0

# Remove last layer's softmax
model.layers[-1].activation = None

# Print what the top predicted class is
preds = model.predict(img_array, verbose=0)
print("Predicted logits:", np.round(preds[0], 3), "->", classes[int(np.argmax(preds[0]))])

# Generate class activation heatmap
heatmap, grads, index = make_gradcam_heatmap(img_array, model, last_conv_layer_name)
print("heatmap", heatmap.shape, heatmap.dtype, "min %.3f max %.3f" % (heatmap.min(), heatmap.max()))
assert heatmap.shape == (29, 29)  # 64 -> conv 62 -> pool 31 -> conv 29
assert np.isfinite(heatmap).all() and heatmap.min() >= 0.0 and np.isclose(heatmap.max(), 1.0)
assert index == int(np.argmax(preds[0]))

# Exact: the gradient reaching the last conv layer through GlobalAveragePooling2D + Dense
kernel, bias = model.get_layer("predictions").get_weights()
expected = np.broadcast_to(kernel[:, index] / (29 * 29), grads.shape)
print("gradient = kernel[:, c] / (h*w):", np.allclose(grads, expected, atol=1e-7))
assert grads.shape == (1, 29, 29, 16)
assert np.allclose(grads, expected, atol=1e-7)


def save_and_display_gradcam(img_path, heatmap, cam_path="cam.jpg", alpha=0.4):
    # Load the original image
    img = keras.utils.load_img(img_path)
    img = keras.utils.img_to_array(img)

    # Rescale heatmap to a range 0-255
    heatmap = np.uint8(255 * heatmap)

    # Use jet colormap to colorize heatmap
    jet = mpl.colormaps["jet"]

    # Use RGB values of the colormap
    jet_colors = jet(np.arange(256))[:, :3]
    jet_heatmap = jet_colors[heatmap]

    # Create an image with RGB colorized heatmap
    jet_heatmap = keras.utils.array_to_img(jet_heatmap)
    jet_heatmap = jet_heatmap.resize((img.shape[1], img.shape[0]))
    jet_heatmap = keras.utils.img_to_array(jet_heatmap)

    # Superimpose the heatmap on original image
    superimposed_img = jet_heatmap * alpha + img
    superimposed_img = keras.utils.array_to_img(superimposed_img)

    # Save the superimposed image
    superimposed_img.save(cam_path)
    return superimposed_img


cam = save_and_display_gradcam(img_path, heatmap)
print("superimposed image", cam.size, cam.mode, "saved:", os.path.exists("cam.jpg"))
assert cam.size == (128, 128) and os.path.exists("cam.jpg")
