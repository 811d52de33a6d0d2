"""Keras's preprocessing layers: Rescaling, and the random augmentations RandomFlip,
RandomRotation and RandomZoom, which act only in training; and RandomRot90, which
Keras lacks (quarter turns: with RandomFlip, the 8 exact symmetries of a square).

Put in a model, an augmentation layer changes each training batch and lets
predict and evaluate see the images as they are:

    model = Sequential([Input((64, 64, 3)), Rescaling(1 / 255), RandomFlip("horizontal"),
                        RandomRotation(0.1), Conv2D(8, 3, activation="relu"), ...])

As in Keras, ``training`` decides: True in fit, False in predict and evaluate,
and None when a layer or model is called directly (``layer(images)``), where the
augmentation layers act (Keras's default for them). Each image gets its own
random draw; rotation and zoom resample it bilinearly through the affine map of
preprocessing/transforms.py, the one ImageDataGenerator uses.
"""
import numpy as np

from minicnn.arguments import check_choice, check_number
from minicnn.layers.base import Layer, keras_default_only
from minicnn.preprocessing import transforms
from minicnn.preprocessing.augmentation import RandomAugmentation, factor_bounds
from minicnn.preprocessing.resample import FILL_MODES


__all__ = ["Rescaling", "RandomFlip", "RandomRot90", "RandomRotation", "RandomZoom"]  # and more


class Rescaling(Layer):
    """y = x * scale + offset (Keras's Rescaling(1 / 255) turns 0..255 pixels into
    0..1); scale and offset in the layer's dtype. Backward: dL/dx = dL/dy * scale."""
    independent_samples = True  # one sample's output depends on that sample alone

    def __init__(self, scale, offset=0.0, name=None, input_shape=None):
        super().__init__(name, input_shape)
        self.scale = check_number(self.name, "scale", scale)
        self.offset = check_number(self.name, "offset", offset)

    def get_config(self):
        return {"name": self.name, "scale": self.scale, "offset": self.offset}

    def forward(self, x, training=False):
        x = self._check_input(x)
        return x * self.dtype.type(self.scale) + self.dtype.type(self.offset)

    def backward(self, grad_y, input_grad=True):
        return self._check_grad(grad_y) * self.dtype.type(self.scale)


class RandomFlip(RandomAugmentation):
    """Flip each image with probability 1/2: "horizontal" mirrors left and right
    (reverses the width axis), "vertical" top and bottom, "horizontal_and_vertical"
    both at once with one draw (as Keras 3: each image is either unchanged or
    turned by 180 degrees). Backward: the same flips applied to dL/dy."""

    MODES = ("horizontal_and_vertical", "horizontal", "vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, name=None, input_shape=None,
                 data_format=None):
        super().__init__(seed, name, input_shape)
        self.mode = check_choice(self.name, "mode", mode, self.MODES)
        keras_default_only(self, data_format=(data_format, (None, "channels_last")))

    def get_config(self):
        return {"name": self.name, "mode": self.mode, "seed": self.seed}

    def draw_randomness(self, n):
        """(n,) booleans: which images are flipped."""
        return self.rng.random(n) < 0.5

    def augment(self, x, flip):
        return self._flip(x, flip)

    def _flip(self, x, flip):
        axes = {"horizontal": (2,), "vertical": (1,), "horizontal_and_vertical": (1, 2)}[self.mode]
        out = x.copy()
        out[flip] = np.flip(x[flip], axis=axes)
        return out

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return self._flip(grad_y, self.drawn) if self.acted else grad_y.copy()


class RandomRot90(RandomAugmentation):
    """Turn each image by k quarter turns (np.rot90 on the height and width axes), k
    drawn uniformly from 0, 1, 2, 3: exact, no pixel is resampled. With
    RandomFlip("horizontal") after it, each of the 8 symmetries of a square is drawn
    with probability 1/8. Keras has no such layer (RandomRotation resamples at any
    angle); it is for images whose label does not depend on their orientation, such as
    galaxies seen from Earth, not for X-rays (a heart on the right is another film).
    Square images only. Backward: the opposite turns applied to dL/dy."""

    def __init__(self, seed=None, name=None, input_shape=None):
        super().__init__(seed, name, input_shape)

    def get_config(self):
        return {"name": self.name, "seed": self.seed}

    def compute_output_shape(self, input_shape):
        shape = super().compute_output_shape(input_shape)
        if shape[0] != shape[1]:
            raise ValueError(f"{self.name} (RandomRot90): turns square images only, got "
                             f"{shape[0]}x{shape[1]} images (crop or resize them first)")
        return shape

    def draw_randomness(self, n):
        """(n,) ints in 0..3: each image's quarter turns."""
        return self.rng.integers(0, 4, n)

    def augment(self, x, turns):
        return self._turn(x, turns)

    @staticmethod
    def _turn(x, turns):
        out = x.copy()
        for k in (1, 2, 3):
            chosen = turns % 4 == k
            out[chosen] = np.rot90(x[chosen], k, axes=(1, 2))
        return out

    def backward(self, grad_y, input_grad=True):
        grad_y = self._check_grad(grad_y)
        return self._turn(grad_y, -self.drawn) if self.acted else grad_y.copy()


class RandomAffine(RandomAugmentation):
    """Rotation, zoom, translation and shear: each image resampled through its own
    affine map (no gradient back in training: RandomAugmentation.backward)."""

    def __init__(self, fill_mode, interpolation, seed, fill_value, name, input_shape,
                 data_format):
        super().__init__(seed, name, input_shape)
        self.fill_mode = check_choice(self.name, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(self.name, "interpolation", interpolation,
                                          ("bilinear",))
        self.fill_value = check_number(self.name, "fill_value", fill_value)
        keras_default_only(self, data_format=(data_format, (None, "channels_last")))

    def augment(self, x, drawn):
        out = np.empty_like(x)
        for i, parameters in enumerate(drawn):
            matrix, shift = self.affine(parameters)
            out[i] = transforms.affine_transform(x[i], matrix, shift, self.fill_mode,
                                                 self.fill_value)
        return out



class RandomRotation(RandomAffine):
    """Turn each image about its centre by an angle drawn uniformly from
    [lower, upper] * 360 degrees (``factor`` is a fraction of a full turn: 0.1
    means up to 36 degrees either way; a pair gives (lower, upper)). Positive
    angles turn the picture counter-clockwise, as Keras documents. Positions
    outside the image read by ``fill_mode`` (Keras's default "reflect")."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, name=None, input_shape=None, data_format=None):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, input_shape,
                         data_format)
        self.factor = factor
        self.lower, self.upper = factor_bounds(self.name, "factor", factor, low=-1)

    def get_config(self):
        return {"name": self.name, "factor": self.factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}

    def draw_randomness(self, n):
        """(n,) angles in degrees."""
        return 360 * self.rng.uniform(self.lower, self.upper, n)

    def affine(self, degrees):
        return transforms.affine_matrix(theta=degrees)


class RandomZoom(RandomAffine):
    """Zoom each image about its centre: rows by z_h and columns by z_w, drawn
    uniformly from [1 + lower, 1 + upper] (a factor f means (-f, f)); without
    width_factor the columns take the rows' z. As in Keras, z > 1 (a positive
    factor) reads a larger area, so the picture shrinks: a zoom out; z < 1 zooms in."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, name=None,
                 input_shape=None, data_format=None):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, input_shape,
                         data_format)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_bounds = factor_bounds(self.name, "height_factor", height_factor, low=-1)
        self.width_bounds = (None if width_factor is None else
                             factor_bounds(self.name, "width_factor", width_factor, low=-1))

    def get_config(self):
        return {"name": self.name, "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}

    def draw_randomness(self, n):
        """(n, 2): each image's zoom of rows and of columns."""
        rows = 1 + self.rng.uniform(*self.height_bounds, n)
        columns = rows if self.width_bounds is None else 1 + self.rng.uniform(*self.width_bounds, n)
        return np.stack([rows, columns], axis=1)

    def affine(self, zooms):
        return transforms.affine_matrix(zx=zooms[0], zy=zooms[1])


class RandomTranslation(RandomAffine):
    """Shift each image by a fraction of its size: down by height * u_h and right by
    width * u_w, u drawn uniformly from [lower, upper] (a factor f means (-f, f); a
    negative u shifts up or left), as Keras. Positions shifted in read by fill_mode."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, name=None,
                 input_shape=None, data_format=None, **keras_only):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, input_shape,
                         data_format)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_bounds = factor_bounds(self.name, "height_factor", height_factor, low=-1)
        self.width_bounds = factor_bounds(self.name, "width_factor", width_factor, low=-1)

    def get_config(self):
        return {"name": self.name, "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}

    def draw_randomness(self, n):
        """(n, 2): each image's shift down and right, in pixels."""
        h, w, _ = self.input_shape
        return np.stack([h * self.rng.uniform(*self.height_bounds, n),
                         w * self.rng.uniform(*self.width_bounds, n)], axis=1)

    def affine(self, shift):
        # content moving by +t reads t pixels back (transforms.py's convention)
        return transforms.affine_matrix(tx=-shift[0], ty=-shift[1])


class RandomShear(RandomAffine):
    """Shear each image about its top-left corner, as Keras 3: output pixel (r, c)
    reads the input at (r + s_y c, c + s_x r), s_x drawn from [0, x_factor] and s_y
    from [0, y_factor], both with one random sign per image."""

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, seed=None, name=None, input_shape=None, data_format=None,
                 **keras_only):
        super().__init__(fill_mode, interpolation, seed, fill_value, name, input_shape,
                         data_format)
        self.x_factor, self.y_factor = x_factor, y_factor
        self.x_bounds = factor_bounds(self.name, "x_factor", x_factor, low=0)
        self.y_bounds = factor_bounds(self.name, "y_factor", y_factor, low=0)

    def get_config(self):
        return {"name": self.name, "x_factor": self.x_factor, "y_factor": self.y_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value}

    def draw_randomness(self, n):
        """(n, 2): each image's s_x and s_y."""
        sign = np.where(self.rng.random(n) > 0.5, -1.0, 1.0)
        s_y = self.rng.uniform(*self.y_bounds, n)
        s_x = self.rng.uniform(*self.x_bounds, n)
        return np.stack([s_x * sign, s_y * sign], axis=1)

    def affine(self, shear):
        s_x, s_y = shear
        matrix = np.array([[1.0, s_y], [s_x, 1.0]])
        h, w, _ = self.input_shape
        centre = np.array([(h - 1) / 2, (w - 1) / 2])
        # about the corner: r_in = matrix @ r, written about the centre as transforms.py wants
        return matrix, matrix @ centre - centre


# Keras's other preprocessing layers, by kind (each module's docstring says what they do)
from minicnn.preprocessing.color_layers import (AutoContrast, RandomBrightness,  # noqa: E402
                                                RandomColorDegeneration, RandomColorJitter,
                                                RandomContrast, RandomGrayscale, RandomHue,
                                                RandomInvert, RandomPosterization,
                                                RandomSaturation, RandomSharpness, Solarization)
from minicnn.preprocessing.sizing_layers import CenterCrop, RandomCrop, Resizing  # noqa: E402
from minicnn.preprocessing.normalization_layer import Normalization  # noqa: E402
from minicnn.preprocessing.pipeline import Pipeline  # noqa: E402
from minicnn.preprocessing.radial_profile import RadialProfile  # noqa: E402

__all__ += ["RandomTranslation", "RandomShear", "AutoContrast", "RandomBrightness",
            "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomGrayscale",
            "RandomHue", "RandomInvert", "RandomPosterization", "RandomSaturation",
            "RandomSharpness", "Solarization", "CenterCrop", "RandomCrop", "Resizing",
            "Normalization", "Pipeline", "RadialProfile"]
