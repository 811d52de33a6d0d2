"""tf.image: the image functions tutorials call (Grad-CAM upsamples its heatmap with
resize; data-augmentation tutorials flip and adjust). Images are (height, width,
channels) or batches of them. They give Tensors with no gradient (a tape does not
follow them)."""
import numpy as np

from minicnn.preprocessing.resize import resize as resize_one
from minicnn.tape.tensor import Tensor, value_of


def _each_image(function, images):
    images = np.asarray(value_of(images))
    if images.ndim == 3:
        return function(images)
    return np.stack([function(image) for image in images])


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False,
           name=None):
    """tf.image.resize, TensorFlow's half-pixel bilinear by default (float32 results)."""
    size = tuple(int(d) for d in np.ravel(value_of(size)))
    return Tensor(_each_image(lambda image: resize_one(image, size, method), images))


def flip_left_right(image):
    return Tensor(np.asarray(value_of(image))[..., :, ::-1, :].copy())


def flip_up_down(image):
    return Tensor(np.asarray(value_of(image))[..., ::-1, :, :].copy())


def rot90(image, k=1, name=None):
    return Tensor(np.rot90(np.asarray(value_of(image)), k, axes=(-3, -2)).copy())


def rgb_to_grayscale(images, name=None):
    images = np.asarray(value_of(images), dtype=np.float32)
    weights = np.array([0.2989, 0.5870, 0.1140], dtype=np.float32)  # TensorFlow's
    return Tensor((images @ weights)[..., None])


def grayscale_to_rgb(images, name=None):
    return Tensor(np.repeat(np.asarray(value_of(images)), 3, axis=-1))


def adjust_brightness(image, delta):
    return Tensor(np.asarray(value_of(image)) + np.asarray(delta, dtype=np.float32))


def adjust_contrast(images, contrast_factor):
    images = np.asarray(value_of(images), dtype=np.float32)
    mean = images.mean(axis=(-3, -2), keepdims=True)
    return Tensor((images - mean) * contrast_factor + mean)


def central_crop(image, central_fraction):
    image = np.asarray(value_of(image))
    height, width = image.shape[-3:-1]
    top, left = int((height - height * central_fraction) // 2), int((width - width * central_fraction) // 2)
    return Tensor(image[..., top:height - top, left:width - left, :].copy())


__all__ = ["resize", "flip_left_right", "flip_up_down", "rot90", "rgb_to_grayscale",
           "grayscale_to_rgb", "adjust_brightness", "adjust_contrast", "central_crop"]
