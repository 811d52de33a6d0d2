"""keras.preprocessing.image: ImageDataGenerator and its iterators (tf.keras's legacy
names), Keras 3's load_img, img_to_array, array_to_img, save_img, smart_resize, and
tf.keras's legacy functions on one image (apply_affine_transform, random_rotation, ...),
which are ImageDataGenerator's own transforms (preprocessing/transforms.py).

The legacy functions take Keras's axis arguments, whose defaults (row_axis=1,
col_axis=2, channel_axis=0) are channels-first, as tf.keras has them: pass row_axis=0,
col_axis=1, channel_axis=2 for a (height, width, channels) image, as Keras asks too."""
import numpy as np

from minicnn.compat.missing import missing_names
from minicnn.preprocessing import DirectoryIterator, ImageDataGenerator, NumpyArrayIterator
from minicnn.preprocessing import transforms
from minicnn.preprocessing.image_utils import array_to_img, img_to_array, load_img, save_img
from minicnn.preprocessing.iterators import Iterator
from minicnn.preprocessing.resize import smart_resize
from minicnn.seeding import make_rng


def _channels_last(x, row_axis, col_axis, channel_axis):
    """(x as (height, width, channels), the way back)."""
    order = (row_axis, col_axis, channel_axis)
    image = np.transpose(np.asarray(x, dtype=np.float32), order)
    return image, lambda y: np.transpose(y, np.argsort(order))


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2,
                           channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """Rotate by theta degrees, shift by tx rows and ty columns, shear, zoom: Keras's map."""
    image, back = _channels_last(x, row_axis, col_axis, channel_axis)
    matrix, shift = transforms.affine_matrix(theta, tx, ty, zx, zy, shear)
    return back(transforms.affine_transform(image, matrix, shift, fill_mode, cval))


def apply_brightness_shift(x, brightness, scale=True):
    return transforms.brightness(np.asarray(x, dtype=np.float32), brightness)


def apply_channel_shift(x, intensity, channel_axis=0):
    return transforms.channel_shift(np.asarray(x, dtype=np.float32), intensity)


def random_brightness(x, brightness_range, scale=True):
    low, high = brightness_range
    return apply_brightness_shift(x, make_rng(None).uniform(low, high), scale)


def random_channel_shift(x, intensity_range, channel_axis=0):
    return apply_channel_shift(x, make_rng(None).uniform(-intensity_range, intensity_range),
                               channel_axis)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    theta = make_rng(None).uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    h, w = np.shape(x)[row_axis], np.shape(x)[col_axis]
    rng = make_rng(None)
    tx, ty = rng.uniform(-hrg, hrg) * h, rng.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    shear = make_rng(None).uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    if len(zoom_range) != 2:
        raise ValueError(f"random_zoom: zoom_range must be (lower, upper), got {zoom_range!r}")
    zx, zy = (1.0, 1.0) if tuple(zoom_range) == (1, 1) else make_rng(None).uniform(*zoom_range, 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


__all__ = ["ImageDataGenerator", "DirectoryIterator", "NumpyArrayIterator", "Iterator",
           "load_img", "img_to_array", "array_to_img", "save_img", "smart_resize",
           "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
           "random_brightness", "random_channel_shift", "random_rotation", "random_shift",
           "random_shear", "random_zoom"]
__getattr__ = missing_names("keras.preprocessing.image", {}, __all__)
