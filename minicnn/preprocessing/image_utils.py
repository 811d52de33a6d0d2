"""Keras's image utilities (keras.utils / keras.preprocessing.image): load_img,
img_to_array, array_to_img, save_img, as Keras 3 writes them, with Pillow.

    img = load_img("x.png", color_mode="grayscale", target_size=(64, 64))   # a PIL image
    x = img_to_array(img)                                                  # float32 (64, 64, 1)

load_img gives the file as Pillow reads it (no EXIF rotation, 16-bit kept), as
Keras's does; flow_from_directory and image_dataset_from_directory decode through
files.load_image, which rotates photos upright and scales 16-bit images to 0..255.
"""
import io
import os
import warnings

import numpy as np
from PIL import Image

from minicnn.preprocessing.files import INTERPOLATIONS, check_image_size, require_regular_file


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image from a file (a path or io.BytesIO): converted to L (grayscale;
    16-bit and 32-bit grayscale kept), RGB or RGBA, then resized to target_size
    (height, width) with Pillow's ``interpolation`` when its size differs;
    keep_aspect_ratio crops the centred box of the target's aspect ratio first."""
    modes = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}
    if color_mode not in modes:
        raise ValueError(f"load_img: color_mode must be 'grayscale', 'rgb' or 'rgba', got "
                         f"{color_mode!r}")
    if target_size is not None:
        target_size = check_image_size("load_img", "target_size", target_size)
    if isinstance(path, io.BytesIO):
        image = opened(path, "load_img: the io.BytesIO given")
    elif isinstance(path, (str, bytes, os.PathLike)):
        # the loader's rule: a pipe or /dev/zero named x.png is refused, never read
        require_regular_file(path, "load_img")
        image = opened(path, os.fsdecode(path))
    else:
        raise TypeError(f"load_img: path should be path-like or io.BytesIO, not {type(path)}")
    if image.mode not in modes[color_mode]:
        image = image.convert(modes[color_mode][0])
    if target_size is None:
        return image
    width_height = (target_size[1], target_size[0])
    if image.size == width_height:
        return image
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"load_img: interpolation {interpolation!r} is not one of "
                         f"{', '.join(INTERPOLATIONS)}")
    box = None
    if keep_aspect_ratio:
        width, height = image.size
        crop_height = min(height, (width * width_height[1]) // width_height[0])
        crop_width = min(width, (height * width_height[0]) // width_height[1])
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        box = (left, top, left + crop_width, top + crop_height)
    return image.resize(width_height, INTERPOLATIONS[interpolation], box=box)


def opened(source, shown):
    """A PIL image from a file or a file object, decoded (the file closed again); a
    file that is not an image is a ValueError naming it."""
    try:
        with Image.open(source) as image:
            image.load()
            return image
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValueError(f"{shown}: cannot decode this image ({error})") from None


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or array) as a float32 array (height, width, channels); a
    grayscale image gets a channel axis of 1."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x.reshape(x.shape + (1,))
    elif x.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An array (height, width, 1/3/4) as a PIL image; with scale, its values are
    stretched to 0..255 first (min to 0, max to 255), as Keras does."""
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (height, width, "
                         f"channels), got shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels} (1, 3 or 4)")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image array to a file (array_to_img, then Pillow's save)."""
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = os.path.splitext(os.fspath(path))[1][1:].lower() or None
    if file_format == "jpg":
        file_format = "jpeg"
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; the image is saved as RGB",
                      stacklevel=2)
        image = image.convert("RGB")
    image.save(path, format=file_format, **kwargs)
