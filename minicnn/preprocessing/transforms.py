"""Augmentations as pure functions on one image (height, width, channels).

The geometric ones (rotation, shift, zoom) are one affine map, applied as
Keras applies it: each output pixel (r, c) reads the input at

    (r_in, c_in) = A @ (r - o_r, c - o_c) + (o_r, o_c) + shift,   o = (size - 1) / 2

with bilinear interpolation; positions outside the image are filled by
``fill_mode``. Note what this means, as in Keras: a zoom factor above 1 reads
a larger area, so the content shrinks (zooms out); a shift of +t reads t
pixels further on, so the content moves by -t.
"""
import numpy as np
from PIL import Image, ImageEnhance

from minicnn.preprocessing.files import COLOR_MODES, color_mode_of
from minicnn.preprocessing.resample import FILL_MODES, affine_resample


def flip_horizontal(x):
    return x[:, ::-1]


def flip_vertical(x):
    return x[::-1]


def affine_matrix(theta=0.0, tx=0.0, ty=0.0, zx=1.0, zy=1.0, shear=0.0):
    """The 2x2 map A and the shift (tx rows, ty columns) of the formula above.

    theta: degrees, positive turns the content counter-clockwise (so 90 on a
    square image is np.rot90). zx, zy: zoom along rows and columns. shear:
    degrees, Keras 3's shear (its matrix [[1, -sin s], [0, cos s]] in (x, y)
    is [[cos s, 0], [-sin s, 1]] in (row, column)), between the rotation and
    the zoom as Keras composes them.
    """
    angle, slant = np.deg2rad(theta), np.deg2rad(shear)
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    shearing = np.array([[np.cos(slant), 0.0], [-np.sin(slant), 1.0]])
    return rotation @ shearing @ np.diag([zx, zy]), np.array([tx, ty], dtype=np.float64)


def affine_transform(x, matrix, shift, fill_mode="nearest", cval=0.0):
    """Resample x (H, W, C) through the affine map, bilinearly; float32 result
    (resample.py: the NumPy definition and its numba version)."""
    return affine_resample(np.ascontiguousarray(x), np.asarray(matrix, np.float64),
                           np.asarray(shift, np.float64), FILL_MODES.index(fill_mode),
                           float(cval))


def channel_shift(x, intensity):
    """Add ``intensity`` to every channel, clipped to the image's own min and max (Keras's rule)."""
    return np.clip(x + np.float32(intensity), x.min(), x.max()).astype(np.float32)


def brightness(x, factor):
    """Keras's brightness shift: Pillow's ImageEnhance.Brightness on the image as
    uint8 (values beyond 0..255 are first scaled into that range, and back)."""
    low, high = float(x.min()), float(x.max())
    outside = low < 0 or high > 255
    pixels = (x - low) / max(high - low, 1e-12) * 255 if outside else x
    mode = COLOR_MODES[color_mode_of(x.shape[2])][0]
    image = Image.fromarray(np.squeeze(pixels.astype(np.uint8), axis=2) if mode == "L"
                            else pixels.astype(np.uint8), mode)
    out = np.asarray(ImageEnhance.Brightness(image).enhance(factor), dtype=np.float32)
    out = out.reshape(x.shape)
    return out / 255 * (high - low) + low if outside else out


def apply_transform(x, params, fill_mode="nearest", cval=0.0):
    """Apply a parameter dict (as ``ImageDataGenerator.get_random_transform``
    makes) in Keras's order: the affine part, the channel shift, the flips,
    then the brightness."""
    x = np.asarray(x, dtype=np.float32)
    theta, tx, ty = params.get("theta", 0), params.get("tx", 0), params.get("ty", 0)
    zx, zy, shear = params.get("zx", 1), params.get("zy", 1), params.get("shear", 0)
    if theta or tx or ty or zx != 1 or zy != 1 or shear:
        matrix, shift = affine_matrix(theta, tx, ty, zx, zy, shear)
        x = affine_transform(x, matrix, shift, fill_mode, cval)
    if params.get("channel_shift_intensity") is not None:
        x = channel_shift(x, params["channel_shift_intensity"])
    if params.get("flip_horizontal"):
        x = flip_horizontal(x)
    if params.get("flip_vertical"):
        x = flip_vertical(x)
    if params.get("brightness") is not None:
        x = brightness(x, params["brightness"])
    return x
