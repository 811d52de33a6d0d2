# Follows: PyImageSearch, "Grad-CAM: Visualize class activation maps with Keras, TensorFlow, and Deep
#   Learning" (A. Rosebrock, 2020), its pyimagesearch/gradcam.py class and apply_gradcam.py driver
#   https://pyimagesearch.com/2020/03/09/grad-cam-visualize-class-activation-maps-with-keras-tensorflow-and-deep-learning/
# tf.keras spelling (`import tensorflow as tf`, `from tensorflow.keras.models import Model`).
# Shrunk: the pretrained VGG16/ResNet50 is replaced by a small CNN trained 2 epochs on the
#   bundled X-ray sample (grayscale 48x48; functional, as VGG16 is); OpenCV's cv2.resize / applyColorMap are replaced by
#   tf.image.resize and a matplotlib colormap (OpenCV is not installed).
# Exercises: walking model.layers in reverse to find the last 4D output (len(layer.output.shape) == 4),
#   Model(inputs=[model.inputs], outputs=[layer.output, model.output]), tf.cast(image, tf.float32) inside the
#   tape, predictions[:, classIdx], tf.cast(convOutputs > 0, "float32"), guided gradients (three-way product),
#   tf.reduce_mean(axis=(0, 1)), tf.multiply, tf.reduce_sum(axis=-1), cam.numpy(), tf.image.resize,
#   tf.newaxis, np.argmax on predict().
import os

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers
from tensorflow.keras.models import Model
from tensorflow.keras.preprocessing.image import img_to_array, load_img

tf.random.set_seed(42)
tf.keras.utils.set_random_seed(42)


class GradCAM:
    def __init__(self, model, classIdx, layerName=None):
        # store the model, the class index used to measure the class
        # activation map, and the layer to be used when visualizing
        # the class activation map
        self.model = model
        self.classIdx = classIdx
        self.layerName = layerName
        # if the layer name is None, attempt to automatically find
        # the target output layer
        if self.layerName is None:
            self.layerName = self.find_target_layer()

    def find_target_layer(self):
        # attempt to find the final convolutional layer in the network
        # by looping over the layers of the network in reverse order
        for layer in reversed(self.model.layers):
            # check to see if the layer has a 4D output
            if len(layer.output.shape) == 4:
                return layer.name
        # otherwise, we could not find a 4D layer so the GradCAM
        # algorithm cannot be applied
        raise ValueError("Could not find 4D layer. Cannot apply GradCAM.")

    def compute_heatmap(self, image, eps=1e-8):
        # construct our gradient model by supplying (1) the inputs
        # to our pre-trained model, (2) the output of the (presumably)
        # final 4D layer in the network, and (3) the output of the
        # softmax activations from the model
        gradModel = Model(
            inputs=[self.model.inputs],
            outputs=[self.model.get_layer(self.layerName).output, self.model.output])
        # record operations for automatic differentiation
        with tf.GradientTape() as tape:
            # cast the image tensor to a float-32 data type, pass the
            # image through the gradient model, and grab the loss
            # associated with the specific class index
            inputs = tf.cast(image, tf.float32)
            (convOutputs, predictions) = gradModel(inputs)
            loss = predictions[:, self.classIdx]
        # use automatic differentiation to compute the gradients
        grads = tape.gradient(loss, convOutputs)
        # compute the guided gradients
        castConvOutputs = tf.cast(convOutputs > 0, "float32")
        castGrads = tf.cast(grads > 0, "float32")
        guidedGrads = castConvOutputs * castGrads * grads
        # the convolution and guided gradients have a batch dimension
        # (which we don't need) so let's grab the volume itself and
        # discard the batch
        convOutputs = convOutputs[0]
        guidedGrads = guidedGrads[0]
        # compute the average of the gradient values, and using them
        # as weights, compute the ponderation of the filters with
        # respect to the weights
        weights = tf.reduce_mean(guidedGrads, axis=(0, 1))
        cam = tf.reduce_sum(tf.multiply(weights, convOutputs), axis=-1)
        # grab the spatial dimensions of the input image and resize
        # the output class activation map to match the input image
        # dimensions
        (w, h) = (image.shape[2], image.shape[1])
        heatmap = tf.image.resize(cam[..., tf.newaxis], (h, w)).numpy()[..., 0]
        # normalize the heatmap such that all values lie in the range
        # [0, 1], scale the resulting values to the range [0, 255],
        # and then convert to an unsigned 8-bit integer
        numer = heatmap - np.min(heatmap)
        denom = (heatmap.max() - heatmap.min()) + eps
        heatmap = numer / denom
        heatmap = (heatmap * 255).astype("uint8")
        # return the resulting heatmap to the calling function
        return heatmap

    def overlay_heatmap(self, heatmap, image, alpha=0.5, colormap="viridis"):
        # apply the supplied color map to the heatmap and then
        # overlay the heatmap on the input image
        heatmap = (plt.get_cmap(colormap)(heatmap)[..., :3] * 255).astype("uint8")
        output = (alpha * image + (1 - alpha) * heatmap).astype("uint8")
        # return a 2-tuple of the color mapped heatmap and the output,
        # overlaid image
        return (heatmap, output)


# a small classifier on the X-ray sample instead of ImageNet's VGG16
classes = ["Covid", "Normal", "Pneumonia"]
data, labels = [], []
for (i, name) in enumerate(classes):
    folder = os.path.join("Covid19-dataset", "train", name)
    for file in sorted(os.listdir(folder)):
        image = load_img(os.path.join(folder, file), color_mode="grayscale", target_size=(48, 48))
        data.append(img_to_array(image) / 255.0)
        labels.append(i)
data, labels = np.array(data), np.array(labels)

# functional, as keras.applications' VGG16 is (a Keras 3 Sequential has no .output)
inputs = layers.Input(shape=(48, 48, 1))
x = layers.Conv2D(8, (3, 3), padding="same", activation="relu")(inputs)
x = layers.MaxPooling2D((2, 2))(x)
x = layers.Conv2D(16, (3, 3), padding="same", activation="relu")(x)
x = layers.MaxPooling2D((2, 2))(x)
x = layers.Flatten()(x)
model = Model(inputs, layers.Dense(3, activation="softmax")(x))
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(data, labels, batch_size=16, epochs=2, verbose=0)

# load the input image, preprocess it, and classify it (apply_gradcam.py)
path = os.path.join("Covid19-dataset", "test", "Covid", sorted(os.listdir("Covid19-dataset/test/Covid"))[0])
orig = img_to_array(load_img(path, color_mode="grayscale", target_size=(48, 48)))
image = np.expand_dims(orig / 255.0, axis=0)
preds = model.predict(image, verbose=0)
i = np.argmax(preds[0])
print("[INFO] {}: {:.2f}%".format(classes[i], preds[0][i] * 100))

# initialize our gradient class activation map and build the heatmap
cam = GradCAM(model, i)
print("[INFO] target layer:", cam.layerName)
assert cam.layerName == model.layers[4].name  # the last 4D output: the second pooling (layers[0] is the Input)
heatmap = cam.compute_heatmap(image)
print("heatmap", heatmap.shape, heatmap.dtype, heatmap.min(), heatmap.max())
assert heatmap.shape == (48, 48) and heatmap.dtype == np.uint8
assert heatmap.min() == 0 and heatmap.max() in (0, 254, 255)

# overlay, as the post does with cv2.addWeighted
rgb = np.repeat(orig.astype("uint8"), 3, axis=-1)
(heatmap, output) = cam.overlay_heatmap(heatmap, rgb, alpha=0.5)
print("overlay", heatmap.shape, output.shape, output.dtype)
assert output.shape == (48, 48, 3)
plt.imsave("gradcam_output.png", np.hstack([rgb, heatmap, output]))
assert os.path.exists("gradcam_output.png")
