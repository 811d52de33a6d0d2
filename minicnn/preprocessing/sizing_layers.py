"""Keras's layers that change an image's size: Resizing (always), CenterCrop (always)
and RandomCrop (a random window in training, the centre in inference). Sizes are
(height, width); the image's channels stay. Resizing is tf.image.resize's
(preprocessing/resize.py); where a crop does not fit, Keras crops the largest centred
window of the target's aspect ratio and resizes it (smart_resize), and so do these."""
import numpy as np

from minicnn.arguments import check_choice, check_positive_int
from minicnn.layers.base import Layer
from minicnn.preprocessing.augmentation import RandomAugmentation
from minicnn.preprocessing.resize import (TF_INTERPOLATIONS, crop_to_aspect_ratio, resize,
                                          smart_resize)


def check_images(layer, input_shape):
    if len(input_shape) != 3:
        raise ValueError(f"{layer.name} ({type(layer).__name__}): expects images (height, width, "
                         f"channels), got per-sample shape {tuple(input_shape)}")
    return input_shape


class Resizing(Layer):
    """Each image resized to (height, width), as tf.image.resize (bilinear by default,
    half-pixel centres); crop_to_aspect_ratio crops the largest centred window of the
    target's aspect ratio first, pad_to_aspect_ratio pads with zeros instead.
    (N, H, W, C) -> (N, height, width, C). No gradient back (a preprocessing step:
    it goes before any layer with weights)."""
    independent_samples = True

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, name=None, input_shape=None, **keras_only):
        super().__init__(name, input_shape)
        self.height = check_positive_int(self.name, "height", height)
        self.width = check_positive_int(self.name, "width", width)
        self.interpolation = check_choice(self.name, "interpolation", interpolation,
                                          TF_INTERPOLATIONS)
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        if self.pad_to_aspect_ratio and (fill_mode != "constant" or fill_value != 0):
            raise ValueError(f"{self.name} (Resizing): minicnn pads with zeros (fill_mode="
                             f"'constant', fill_value=0), got {fill_mode!r}, {fill_value!r}")
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        return {"name": self.name, "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio}

    def compute_output_shape(self, input_shape):
        return self.height, self.width, check_images(self, input_shape)[2]

    def resize_one(self, image):
        size = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            image = crop_to_aspect_ratio(image, size)
        elif self.pad_to_aspect_ratio:
            image = pad_to_aspect_ratio(image, size)
        return resize(image, size, self.interpolation)

    def forward(self, x, training=False):
        x = self._check_input(x)
        return np.stack([self.resize_one(image) for image in x]).astype(self.dtype)

    def backward(self, grad_y, input_grad=True):
        if not input_grad:
            return None
        raise ValueError(f"{self.name} (Resizing): passes no gradient back; put it first in "
                         f"the model (before any layer with weights), as Keras tutorials do")


def pad_to_aspect_ratio(image, size):
    """Zeros added on both sides of the short side (the same number each side, as Keras
    computes it) so that the image takes the target's aspect ratio before resizing."""
    height, width = image.shape[:2]
    target_height, target_width = size
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top, left = int((pad_height - height) / 2), int((pad_width - width) / 2)
    return np.pad(image, ((top, top), (left, left), (0, 0)))


def centre_crop(image, height, width):
    """The centred height x width window of an image, or, when the image is smaller
    in either side, Keras's smart_resize to that size."""
    top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
    if top < 0 or left < 0:
        return smart_resize(image, (height, width))
    return image[top:top + height, left:left + width]


class CenterCrop(Layer):
    """The centred (height, width) window of each image; an image smaller than that
    is resized as Keras does (smart_resize). Backward: dL/dy put back in its window,
    zeros around it (when the crop fitted)."""
    independent_samples = True

    def __init__(self, height, width, data_format=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(name, input_shape)
        self.height = check_positive_int(self.name, "height", height)
        self.width = check_positive_int(self.name, "width", width)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        return {"name": self.name, "height": self.height, "width": self.width}

    def compute_output_shape(self, input_shape):
        return self.height, self.width, check_images(self, input_shape)[2]

    def forward(self, x, training=False):
        x = self._check_input(x)
        return np.stack([centre_crop(image, self.height, self.width) for image in x]).astype(
            self.dtype)

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        h, w, _ = self.input_shape
        top, left = (h - self.height) // 2, (w - self.width) // 2
        if top < 0 or left < 0:
            raise ValueError(f"{self.name} (CenterCrop): images smaller than the crop are "
                             f"resized, and no gradient goes back through that")
        grad_x = np.zeros((len(grad_y),) + self.input_shape, self.dtype)
        grad_x[:, top:top + self.height, left:left + self.width] = grad_y
        return grad_x


class RandomCrop(RandomAugmentation):
    """In training, a (height, width) window of each image at a random place (top and
    left drawn uniformly); images not larger than the crop on both sides are resized
    instead (smart_resize: the largest centred window of the target's aspect ratio).
    In inference, the images as they are, as Keras 3.15 passes them (its docstring
    speaks of a centre crop; its code returns the batch unchanged): for a crop at
    evaluation time too, use CenterCrop."""

    def __init__(self, height, width, seed=None, data_format=None, name=None, input_shape=None,
                 **keras_only):
        super().__init__(seed, name, input_shape)
        self.height = check_positive_int(self.name, "height", height)
        self.width = check_positive_int(self.name, "width", width)
        check_choice(self.name, "data_format", data_format, (None, "channels_last"))

    def get_config(self):
        return {"name": self.name, "height": self.height, "width": self.width,
                "seed": self.seed}

    def compute_output_shape(self, input_shape):
        return self.height, self.width, check_images(self, input_shape)[2]

    def draw_randomness(self, n):
        """(n, 2): each image's top and left."""
        h, w, _ = self.input_shape
        return np.stack([self.rng.integers(0, h - self.height + 1, n) if h > self.height else
                         np.zeros(n, int),
                         self.rng.integers(0, w - self.width + 1, n) if w > self.width else
                         np.zeros(n, int)], axis=1)

    def fits(self):
        h, w, _ = self.input_shape
        return h > self.height and w > self.width

    def forward(self, x, training=False):
        x = self._check_input(x)
        self.acted = training is not False and self.fits()
        if training is False:
            return x
        if not self.acted:
            size = (self.height, self.width)
            return np.stack([smart_resize(image, size) for image in x]).astype(self.dtype)
        self.drawn = self.draw_randomness(len(x))
        return np.stack([image[top:top + self.height, left:left + self.width]
                         for image, (top, left) in zip(x, self.drawn)])

    def backward(self, grad_y, input_grad=True):
        """Where the window was cut: dL/dy back in it, zeros around."""
        grad_y = np.asarray(grad_y, dtype=self.dtype)
        if not input_grad:
            return None
        if not self.acted:
            if grad_y.shape[1:] == self.input_shape:
                return grad_y.copy()  # inference, or a resize to its own size: unchanged
            raise ValueError(f"{self.name} (RandomCrop): images not larger than the crop are "
                             f"resized, and no gradient goes back through that; put it first "
                             f"in the model")
        grad_x = np.zeros((len(grad_y),) + self.input_shape, self.dtype)
        for i, (top, left) in enumerate(self.drawn):
            grad_x[i, top:top + self.height, left:left + self.width] = grad_y[i]
        return grad_x
