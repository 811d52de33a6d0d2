"""Resizing as TensorFlow's tf.image.resize does it (what image_dataset_from_directory
calls): sample positions at pixel centres ("half-pixel centres") and no
antialiasing, so shrinking an image by 2 averages each 2x2 block. Pillow's
resize (load_img's) filters over the whole footprint instead, and gives other values.

    bilinear (Keras's default): each output pixel blends the 4 input pixels around
        src = (dst + 0.5) * in_size / out_size - 0.5   (clamped to the image), per axis;
    nearest: the input pixel at floor((dst + 0.5) * in_size / out_size).

Arithmetic in float32, in TensorFlow's order, so values agree to float32 rounding.
"""
import numpy as np
from PIL import Image

from minicnn.preprocessing.files import INTERPOLATIONS

TF_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                     "gaussian", "mitchellcubic")
# Where TensorFlow's own kernels are not rewritten here, Pillow's closest filter.
PILLOW_STAND_INS = {"bicubic": "bicubic", "area": "box", "lanczos3": "lanczos",
                    "lanczos5": "lanczos", "gaussian": "bilinear", "mitchellcubic": "bicubic"}


def resize(image, size, interpolation="bilinear"):
    """image (h, w, c), any real dtype -> float32 (height, width, c) for size (height, width)."""
    height, width = size
    if interpolation == "bilinear":
        return _bilinear(image.astype(np.float32), height, width)
    if interpolation == "nearest":
        rows = _nearest_positions(image.shape[0], height)
        cols = _nearest_positions(image.shape[1], width)
        return image[rows][:, cols].astype(np.float32)
    resized = [np.asarray(Image.fromarray(image[:, :, k].astype(np.float32), "F").resize(
        (width, height), INTERPOLATIONS[PILLOW_STAND_INS[interpolation]]))
        for k in range(image.shape[2])]
    return np.stack(resized, axis=-1).astype(np.float32)


def _bilinear(image, height, width):
    (top_rows, bottom_rows, y_lerp), (left, right, x_lerp) = (
        _linear_positions(image.shape[0], height), _linear_positions(image.shape[1], width))
    top, bottom = image[top_rows], image[bottom_rows]
    x_lerp = x_lerp[None, :, None]
    top = top[:, left] + (top[:, right] - top[:, left]) * x_lerp
    bottom = bottom[:, left] + (bottom[:, right] - bottom[:, left]) * x_lerp
    return top + (bottom - top) * y_lerp[:, None, None]


def _linear_positions(in_size, out_size):
    """(lower index, upper index, fraction) per output position, as TensorFlow."""
    scale = np.float32(in_size) / np.float32(out_size)
    source = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(source), in_size - 1).astype(np.int64)
    return lower, upper, (source - floor).astype(np.float32)


def _nearest_positions(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    source = np.floor((np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale)
    return np.clip(source.astype(np.int64), 0, in_size - 1)


def crop_to_aspect_ratio(image, size):
    """The largest centred window of the target's aspect ratio (Keras's smart_resize crop)."""
    height, width = image.shape[:2]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    return image[top:top + crop_height, left:left + crop_width]


def resize_with_pad(image, size, interpolation="bilinear"):
    """Resize keeping the aspect ratio to fit ``size``, then pad with zeros, centred
    (tf.image.resize_with_pad)."""
    height, width = image.shape[:2]
    target_height, target_width = size
    ratio = max(width / target_width, height / target_height)
    new_height, new_width = int(np.floor(height / ratio)), int(np.floor(width / ratio))
    top = max(0, int(np.floor((target_height - height / ratio) / 2)))
    left = max(0, int(np.floor((target_width - width / ratio) / 2)))
    out = np.zeros((target_height, target_width, image.shape[2]), np.float32)
    out[top:top + new_height, left:left + new_width] = resize(image, (new_height, new_width),
                                                              interpolation)
    return out


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Keras's smart_resize: crop the largest centred window of size's aspect ratio,
    then resize it (as tf.image.resize); x is one image (h, w, c) or a batch."""
    x = np.asarray(x)
    if data_format != "channels_last":
        raise ValueError(f"smart_resize: minicnn's images are channels_last, got {data_format!r}")
    if x.ndim == 4:
        return np.stack([smart_resize(image, size, interpolation) for image in x])
    if x.ndim != 3:
        raise ValueError(f"smart_resize: expected an image (height, width, channels) or a batch "
                         f"of them, got shape {x.shape}")
    return resize(crop_to_aspect_ratio(x, size), tuple(size), interpolation)
